package org.ortho4j;

import org.ortho4j.testing.BackendContract;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.ortho4j.testing.TestMatrices;
import org.ortho4j.testing.Tolerances;

/**
 * The contract of {@link Context#lmo}: SCION's LMOs exactly as tabulated in {@link Lmo} ({@code scion.py}'s scale
 * factors, {@code eps = 1e-8}). Every backend runs this battery.
 *
 * <p>For each LMO and layer: the output has unit norm in the layer norm and {@code ⟨d, lmo(d)⟩} equals the dual
 * norm of {@code d} (both derived and stated in {@link LmoNorms}), checked in float64 from the float32 output
 * with relative tolerance {@link Tolerances#ELEMENTWISE} (SPECTRAL: {@link Tolerances#POLAR_VS_SVD}); the inputs
 * have entries of magnitude in [0.5, 1.5]·scale so the {@code eps} changes nothing at that tolerance. Fixed
 * hand-computed examples pin down the input vs hidden/output scale factors.
 */
public abstract class LmoContract extends BackendContract {

    static final double EPS = 1e-8;

    /** Every exact LMO (norm × layer). */
    static Stream<Lmo> allLmos() {
        List<Lmo> l = new ArrayList<>();
        for (Lmo.Norm norm : Lmo.Norm.values()) {
            for (Lmo.Layer layer : Lmo.Layer.values()) {
                l.add(Lmo.of(norm, layer));
            }
        }
        return l.stream();
    }

    static Stream<Arguments> lmosAndShapes() {
        int[][] shapes = {{1, 1}, {1, 9}, {9, 1}, {7, 13}, {13, 7}, {31, 31}, {4, 64}};
        return allLmos().flatMap(l -> Stream.of(shapes).map(s -> Arguments.of(l, s[0], s[1])));
    }

    /** Entries {@code ±(0.5 + u)·scale}, {@code u ∈ [0,1)}: no entry, row or column small enough for eps to matter. */
    static float[] boundedAwayFromZero(Random r, int count, double scale) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) ((r.nextBoolean() ? 1 : -1) * (0.5 + r.nextDouble()) * scale);
        }
        return a;
    }

    /** Runs the LMO on a NaN-poisoned output and returns it; every element must have been written. */
    protected float[] lmo(Lmo lmo, float[] d, int batch, int m, int n) {
        try (MatrixBatch in = ctx.upload(d, batch, m, n); MatrixBatch out = ctx.allocate(batch, m, n)) {
            out.fill(Float.NaN);
            ctx.lmo(lmo, in, out);
            float[] x = out.toArray();
            for (int i = 0; i < x.length; i++) {
                assertTrue(Float.isFinite(x[i]), lmo + ": element " + i + " not written (or not finite)");
            }
            assertArrayEquals(d, in.toArray(), lmo + " modified its input");
            return x;
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("lmosAndShapes")
    void unitNormAndDualPairing(Lmo l, int m, int n) {
        Random r = TestMatrices.rng();
        int batch = 3;
        float[] d = boundedAwayFromZero(r, batch * m * n, 3.0);
        float[] x = lmo(l, d, batch, m, n);
        double tol = LmoNorms.tolerance(l);
        for (int b = 0; b < batch; b++) {
            int off = b * m * n;
            double norm = LmoNorms.norm(l, x, off, m, n);
            assertEquals(1.0, norm, tol, l + " " + m + "x" + n + ": ‖lmo(d)‖ in the layer norm");
            double dual = LmoNorms.dual(l, d, off, m, n);
            double pairing = org.ortho4j.testing.PolarChecks.dot(d, off, x, off, m * n);
            assertEquals(1.0, pairing / dual, tol, l + " " + m + "x" + n + ": ⟨d, lmo(d)⟩ / ‖d‖_*");
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({"1, 1", "5, 8", "8, 5", "64, 64", "129, 140"})
    void spectralIsScaledPolarFactor(int m, int n) {
        Random r = TestMatrices.rng();
        float[] d = TestMatrices.withSpectrum(r, m, n, TestMatrices.conditioned(m, n, 10));
        double[] p = TestMatrices.polar64(d, 0, m, n);
        for (Lmo.Layer layer : Lmo.Layer.values()) {
            double s = Lmo.spectralScale(layer, m, n);
            double[] ref = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                ref[i] = s * p[i];
            }
            float[] x = lmo(Lmo.of(Lmo.Norm.SPECTRAL, layer), d, 1, m, n);
            double err = TestMatrices.relError(x, 0, ref, 0, m * n);
            assertTrue(err <= Tolerances.POLAR_VS_SVD, layer + ": " + err);
        }
    }

    /**
     * SPECTRAL with a schedule is {@code spectralScale·NS(d)}. Needs {@code CpuNewtonSchulz} (merged from the NS
     * family).
     */
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"6, 10", "10, 6", "32, 32"})
    void spectralWithScheduleIsScaledNewtonSchulz(int m, int n) {
        Random r = TestMatrices.rng();
        int batch = 2;
        float[] d = TestMatrices.gaussian(r, batch * m * n);
        for (Lmo.Layer layer : Lmo.Layer.values()) {
            float[] x = lmo(Lmo.spectral(layer, Schedule.muon()), d, batch, m, n);
            float[] ns;
            try (MatrixBatch in = ctx.upload(d, batch, m, n); MatrixBatch out = ctx.newtonSchulz(in, Schedule.muon())) {
                ns = out.toArray();
            }
            double s = Lmo.spectralScale(layer, m, n);
            double[] ref = new double[ns.length];
            for (int i = 0; i < ns.length; i++) {
                ref[i] = s * ns[i];
            }
            double err = TestMatrices.relError(x, 0, ref, 0, ns.length);
            assertTrue(err <= Tolerances.ELEMENTWISE, layer + ": " + err);
        }
    }

    private static float[] f(double... v) {
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            a[i] = (float) v[i];
        }
        return a;
    }

    private void check(Lmo l, float[] d, int m, int n, float[] expected) {
        float[] x = lmo(l, d, 1, m, n);
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], x[i], 1e-6 * Math.max(1, Math.abs(expected[i])), l + " element " + i);
        }
    }

    @Test
    void signExamples() {
        float[] d = {1.5f, -2f, 0f, 0.25f, -0.5f, 3f}; // 2×3
        check(Lmo.of(Lmo.Norm.SIGN, Lmo.Layer.INPUT), d, 2, 3, f(1, -1, 0, 1, -1, 1));
        float t = 1f / 3;
        check(Lmo.of(Lmo.Norm.SIGN, Lmo.Layer.HIDDEN), d, 2, 3, f(t, -t, 0, t, -t, t));
        check(Lmo.of(Lmo.Norm.SIGN, Lmo.Layer.OUTPUT), d, 2, 3, f(t, -t, 0, t, -t, t));
    }

    @Test
    void colNormExamples() {
        float[] d = {3f, 0f, 4f, 0f}; // 2×2: column 0 = (3, 4), column 1 = 0
        double in = 1 / (5 / Math.sqrt(2) + EPS); // k = 1
        check(Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.INPUT), d, 2, 2, f(3 * in, 0, 4 * in, 0));
        double hid = 1 / (5 / Math.sqrt(2) * 2 + EPS); // k = n = 2
        check(Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.HIDDEN), d, 2, 2, f(3 * hid, 0, 4 * hid, 0));
        check(Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.OUTPUT), d, 2, 2, f(3 * hid, 0, 4 * hid, 0));
        // 3×1: one column, ‖d‖ = 3, m = 3
        double c = 1 / (3 / Math.sqrt(3) + EPS);
        check(Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.HIDDEN), f(1, 2, -2), 3, 1, f(c, 2 * c, -2 * c));
    }

    @Test
    void rowNormExamples() {
        float[] d = {3f, 4f, 0f, 0f, 1f, 0f}; // 3×2: rows (3, 4), 0, (1, 0)
        double a = 1 / (5 + EPS);
        double b = 1 / (1 + EPS);
        check(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.INPUT), d, 3, 2, f(3 * a, 4 * a, 0, 0, b, 0));
        double ah = 1 / (5 * Math.sqrt(2) + EPS); // k = sqrt(n)
        double bh = 1 / (Math.sqrt(2) + EPS);
        check(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.HIDDEN), d, 3, 2, f(3 * ah, 4 * ah, 0, 0, bh, 0));
        check(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.OUTPUT), d, 3, 2, f(3 * ah, 4 * ah, 0, 0, bh, 0));
    }

    @Test
    void biasExamples() {
        // RMS(3, 4) = sqrt(12.5)
        double s = 1 / (Math.sqrt(12.5) + EPS);
        for (Lmo.Layer layer : Lmo.Layer.values()) {
            check(Lmo.of(Lmo.Norm.BIAS, layer), f(3, 4), 1, 2, f(3 * s, 4 * s));
            check(Lmo.of(Lmo.Norm.BIAS, layer), f(3, 4), 2, 1, f(3 * s, 4 * s));
        }
        double u = 1 / (2 + EPS); // RMS(±2, ±2, ±2, ±2) = 2
        check(Lmo.of(Lmo.Norm.BIAS, Lmo.Layer.HIDDEN), f(2, -2, 2, -2), 1, 4, f(2 * u, -2 * u, 2 * u, -2 * u));
    }

    @Test
    void spectralExamples() {
        // wide 2×3 diag(2, −3): polar = [[1,0,0],[0,−1,0]]; hidden/output sqrt(2/3), input max(1, sqrt(2/3)) = 1
        float[] w = {2f, 0f, 0f, 0f, -3f, 0f};
        double h = Math.sqrt(2.0 / 3);
        check(Lmo.of(Lmo.Norm.SPECTRAL, Lmo.Layer.INPUT), w, 2, 3, f(1, 0, 0, 0, -1, 0));
        check(Lmo.of(Lmo.Norm.SPECTRAL, Lmo.Layer.HIDDEN), w, 2, 3, f(h, 0, 0, 0, -h, 0));
        check(Lmo.of(Lmo.Norm.SPECTRAL, Lmo.Layer.OUTPUT), w, 2, 3, f(h, 0, 0, 0, -h, 0));
        // tall 3×2 diag(2, 3): polar = [[1,0],[0,1],[0,0]]; every layer sqrt(3/2)
        float[] t = {2f, 0f, 0f, 3f, 0f, 0f};
        double s = Math.sqrt(1.5);
        for (Lmo.Layer layer : Lmo.Layer.values()) {
            check(Lmo.of(Lmo.Norm.SPECTRAL, layer), t, 3, 2, f(s, 0, 0, s, 0, 0));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allLmos")
    void zeroMapsToZero(Lmo l) {
        for (int[] s : new int[][] {{1, 1}, {4, 6}, {6, 4}}) {
            float[] x = lmo(l, new float[2 * s[0] * s[1]], 2, s[0], s[1]);
            for (float v : x) {
                assertEquals(0f, v, 0f, l + " of zero");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allLmos")
    void zeroColumnsAndRowsStayZero(Lmo l) {
        Random r = TestMatrices.rng();
        int m = 5;
        int n = 6;
        float[] d = boundedAwayFromZero(r, m * n, 1);
        for (int j = 0; j < n; j++) {
            d[1 * n + j] = 0; // row 1
        }
        for (int i = 0; i < m; i++) {
            d[i * n + 3] = 0; // column 3
        }
        float[] x = lmo(l, d, 1, m, n);
        for (int j = 0; j < n; j++) {
            assertEquals(0f, x[1 * n + j], 1e-6f, l + ": row 1");
        }
        for (int i = 0; i < m; i++) {
            assertEquals(0f, x[i * n + 3], 1e-6f, l + ": column 3");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allLmos")
    void inPlaceEqualsOutOfPlace(Lmo l) {
        Random r = TestMatrices.rng();
        int batch = 3;
        int m = 9;
        int n = 14;
        float[] d = TestMatrices.gaussian(r, batch * m * n);
        float[] expected = lmo(l, d, batch, m, n);
        try (MatrixBatch x = ctx.upload(d, batch, m, n)) {
            ctx.lmo(l, x, x);
            assertArrayEquals(expected, x.toArray(), 0f, l.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allLmos")
    void nonFiniteInputThrowsBeforeWriting(Lmo l) {
        Random r = TestMatrices.rng();
        int batch = 4;
        int m = 5;
        int n = 3;
        float[] d = TestMatrices.gaussian(r, batch * m * n);
        d[m * n + 7] = Float.POSITIVE_INFINITY; // matrix 1
        d[3 * m * n] = Float.NaN; // matrix 3
        try (MatrixBatch in = ctx.upload(d, batch, m, n); MatrixBatch out = ctx.allocate(batch, m, n)) {
            out.fill(7f);
            NonFiniteInputException e = assertThrows(NonFiniteInputException.class, () -> ctx.lmo(l, in, out));
            assertEquals(1, e.batchIndex());
            assertEquals("lmo", e.operation());
            assertEquals("d", e.argument());
            for (float v : out.toArray()) {
                assertEquals(7f, v, 0f, l + ": output written despite non-finite input");
            }
        }
    }
}
