package org.ortho4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.testing.TestMatrices;

/** The demo's own numerics: its singular values, inputs and transposes (the NS/polar parts are the API's). */
class DemoTest {

    private static double[] descending(double[] s) {
        double[] c = s.clone();
        Arrays.sort(c);
        for (int i = 0, j = c.length - 1; i < j; i++, j--) {
            double t = c[i];
            c[i] = c[j];
            c[j] = t;
        }
        return c;
    }

    @Test
    void singularValuesMatchEjmlSvdForWideTallSquareAndOneByOne() {
        Random r = TestMatrices.rng();
        int[][] shapes = {{7, 13}, {13, 7}, {9, 9}, {1, 1}, {1, 5}, {6, 1}, {31, 64}};
        for (int[] s : shapes) {
            float[] a = TestMatrices.gaussian(r, 2 * s[0] * s[1]);
            for (int b = 0; b < 2; b++) {
                int off = b * s[0] * s[1];
                double[] expected = TestMatrices.singularValues(a, off, s[0], s[1]);
                double[] got = descending(Demo.singularValues(a, off, s[0], s[1]));
                assertEquals(expected.length, got.length);
                for (int i = 0; i < got.length; i++) {
                    // σ from the Gram matrix: absolute error about eps·σ_max²/σ.
                    assertEquals(expected[i], got[i], 1e-9 * expected[0] * expected[0] / Math.max(expected[i], 1e-3) + 1e-12,
                            Arrays.toString(s) + " sigma " + i);
                }
            }
        }
    }

    @Test
    void bandOfAKnownSpectrumIsItsRange() {
        Random r = TestMatrices.rng();
        float[] a = TestMatrices.withSpectrum(r, 12, 20, new double[]{3, 2, 1.5, 1, 0.75, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.125});
        float[] b = TestMatrices.withSpectrum(r, 12, 20, TestMatrices.conditioned(12, 20, 10));
        float[] both = new float[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        double[] band = Demo.band(both, 2, 12, 20);
        assertEquals(0.1, band[0], 1e-5);
        assertEquals(3.0, band[1], 1e-5);
    }

    @Test
    void transposeAndRelativeError() {
        float[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; // 2 matrices of 2 x 3
        float[] t = Demo.transpose(a, 2, 2, 3);
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12}, t);
        assertArrayEquals(a, Demo.transpose(t, 2, 3, 2));
        assertEquals(0.0, Demo.relError(a, a));
        float[] z = new float[a.length];
        assertEquals(1.0, Demo.relError(z, a), 1e-12);
        assertEquals(Math.sqrt(650.0), Demo.relError(a, z), 1e-9); // ‖a‖_F when the reference is zero
    }

    @Test
    void inputsAreSeededAndHaveDecayingSpectra() {
        float[] g1 = Demo.gradientLike(new Random(5), 2, 48, 96);
        float[] g2 = Demo.gradientLike(new Random(5), 2, 48, 96);
        assertArrayEquals(g1, g2);
        double[] s = TestMatrices.singularValues(g1, 0, 48, 96);
        // A power-law-like profile: a dominant head, a long tail well below it.
        assertTrue(s[0] > 3 * s[s.length / 2], Arrays.toString(s));
        assertTrue(s[s.length / 2] > s[s.length - 1], Arrays.toString(s));
        for (float v : g1) {
            assertTrue(Float.isFinite(v));
        }
    }
}
