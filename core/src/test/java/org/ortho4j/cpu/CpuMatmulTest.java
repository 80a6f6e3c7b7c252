package org.ortho4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.Precision;
import org.ortho4j.testing.TestMatrices;

/** The product kernels against a naive float64 product, and the operand rounding against its definition. */
class CpuMatmulTest {

    @Test
    void gemmMatchesNaiveProduct() {
        Random r = TestMatrices.rng();
        int[][] shapes = {{1, 1, 1}, {1, 5, 1}, {3, 1, 7}, {13, 31, 7}, {64, 64, 64}, {97, 300, 61}, {130, 600, 129}, {5, 2, 700}};
        for (int[] s : shapes) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            for (boolean upper : new boolean[]{false, true}) {
                int nn = upper ? m : n; // upper needs a square result
                float[] a = TestMatrices.gaussian(r, m * k + 3);
                float[] b = TestMatrices.gaussian(r, k * nn + 5);
                float[] d = TestMatrices.gaussian(r, m * nn + 2);
                float[] c = new float[m * nn + 4];
                java.util.Arrays.fill(c, Float.NaN);
                float alpha = 0.75f;
                float beta = -1.5f;
                for (int[] rows : new int[][]{{0, m}, {0, m / 2}, {m / 2, m}}) {
                    CpuMatmul.gemm(alpha, a, 3, k, b, 5, nn, k, beta, d, 2, nn, c, 4, nn, rows[0], rows[1], nn, upper,
                            CpuMatmul.newStage());
                }
                for (int i = 0; i < m; i++) {
                    for (int j = upper ? i : 0; j < nn; j++) {
                        double ref = beta * (double) d[2 + i * nn + j];
                        double mag = Math.abs(ref);
                        for (int p = 0; p < k; p++) {
                            double t = alpha * (double) a[3 + i * k + p] * b[5 + p * nn + j];
                            ref += t;
                            mag += Math.abs(t);
                        }
                        double got = c[4 + i * nn + j];
                        assertTrue(Math.abs(got - ref) <= 1e-6 * mag + 1e-30,
                                m + "x" + k + "x" + n + " upper=" + upper + " (" + i + "," + j + "): " + got + " vs " + ref);
                    }
                }
                assertTrue(Float.isNaN(c[0]) && Float.isNaN(c[3]), "wrote before the output offset");
            }
        }
    }

    @Test
    void rowSplitsCoverAllRows() {
        for (int m : new int[]{1, 2, 3, 7, 64, 101, 1000}) {
            for (int parts : new int[]{1, 3, 8, 64}) {
                for (boolean upper : new boolean[]{false, true}) {
                    int[] s = CpuMatmul.rowSplits(m, parts, upper);
                    assertEquals(0, s[0]);
                    assertEquals(m, s[s.length - 1]);
                    for (int t = 1; t < s.length; t++) {
                        assertTrue(s[t] >= s[t - 1]);
                        if (t < s.length - 1) {
                            assertEquals(0, s[t] % 2, "interior boundary must be even (row pairs)");
                        }
                    }
                }
            }
        }
    }

    @Test
    void transposeAndMirror() {
        float[] x = TestMatrices.gaussian(TestMatrices.rng(), 37 * 70);
        float[] t = new float[37 * 70];
        CpuMatmul.transpose(x, 0, 37, 70, t, 0);
        for (int i = 0; i < 37; i++) {
            for (int j = 0; j < 70; j++) {
                assertEquals(x[i * 70 + j], t[j * 37 + i]);
            }
        }
        float[] s = TestMatrices.gaussian(TestMatrices.rng(), 45 * 45);
        float[] orig = s.clone();
        CpuMatmul.mirrorUpper(s, 0, 45);
        for (int i = 0; i < 45; i++) {
            for (int j = 0; j < 45; j++) {
                assertEquals(orig[Math.min(i, j) * 45 + Math.max(i, j)], s[i * 45 + j]);
            }
        }
    }

    @Test
    void roundingIsNearestEven() {
        // 1 + 2^-11 is a TF32 tie between 1 and 1 + 2^-10: to even (1); 1 + 3·2^-11 ties to 1 + 2^-9 (even)
        assertEquals(1f, CpuMatmul.roundTf32(1f + 0x1p-11f));
        assertEquals(1f + 0x1p-9f, CpuMatmul.roundTf32(1f + 3 * 0x1p-11f));
        assertEquals(1f + 0x1p-10f, CpuMatmul.roundTf32(1f + 0x1p-11f + 0x1p-20f));
        assertEquals(-1f, CpuMatmul.roundBf16(-(1f + 0x1p-8f)));
        assertEquals(-(1f + 0x1p-6f), CpuMatmul.roundBf16(-(1f + 3 * 0x1p-8f)));
        assertEquals(Float.POSITIVE_INFINITY, CpuMatmul.roundBf16(Float.MAX_VALUE));
        assertTrue(Float.isNaN(CpuMatmul.roundTf32(Float.NaN)));
        Random r = TestMatrices.rng();
        for (int i = 0; i < 100_000; i++) {
            float x = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 10));
            checkRounded(x, CpuMatmul.roundTf32(x), 10);
            checkRounded(x, CpuMatmul.roundBf16(x), 7);
        }
        float[] v = {1.1f, -2.3f};
        float[] w = new float[2];
        CpuMatmul.round(Precision.BF16, v, 0, w, 0, 2);
        assertEquals(CpuMatmul.roundBf16(1.1f), w[0]);
        CpuMatmul.round(Precision.FP32, v, 0, w, 0, 2);
        assertEquals(-2.3f, w[1]);
    }

    /** y has at most {@code bits} mantissa bits and is a nearest such value to x. */
    private static void checkRounded(float x, float y, int bits) {
        int drop = 23 - bits;
        assertEquals(0, Float.floatToRawIntBits(y) & ((1 << drop) - 1), "low bits of " + y);
        double ulp = Math.ulp(x) * (1 << drop);
        assertTrue(Math.abs((double) y - x) <= 0.5 * ulp * (1 + 1e-12) || Math.abs(y) == Math.abs(x), x + " -> " + y);
    }
}
