package org.ortho4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Ortho4jException;
import org.ortho4j.RotationGauge;
import org.ortho4j.testing.TestMatrices;
import org.ortho4j.testing.Tolerances;

/**
 * The CUDA soft-threshold, LMO and gauge kernels against the CPU reference (and float64 SVD for the polar factor),
 * on fresh seeded inputs of awkward sizes, with outputs poisoned with NaN before every call. A subclass opens the
 * device ({@link #openDevice()}) and chooses the sizes it can afford: {@code tests-gpu/.../CudaFamiliesVsCpuTest}
 * the full lists on a real device, {@link EmulatedFamiliesVsCpuTest} smaller ones on the emulated device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CudaFamiliesBattery {
    protected Context gpu;
    protected Context cpu;

    /** A CUDA context on the device under test (closed after the last test). */
    protected abstract Context openDevice();

    /** {@code batch, rows, cols, q} of {@link #softThresholdMatchesCpu}. */
    protected abstract Stream<Arguments> softThresholdCases();

    /** {@code batch, rows, cols, nesterov} of {@link #momentumSoftThresholdMatchesCpu}. */
    protected abstract Stream<Arguments> momentumCases();

    /** {@code batch, rows, cols} of {@link #polarMatchesFloat64Svd}. */
    protected abstract Stream<Arguments> polarCases();

    /** {@code norm, layer} of {@link #lmoMatchesCpu}. */
    protected abstract Stream<Arguments> lmoCases();

    /** {@code {batch, rows, cols}} each LMO of {@link #lmoMatchesCpu} runs on. */
    protected abstract int[][] lmoShapes();

    /** {@code pair, heads, kvHeads, rope, headDim, width} of {@link #rotationGaugeMatchesCpu}. */
    protected abstract Stream<Arguments> rotationCases();

    /** Matrices per batch in {@link #rotationGaugeMatchesCpu}. */
    protected abstract int rotationBatch();

    /** {@code batch, k, d1, d2} of {@link #scalingAndLogitShiftMatchCpu}. */
    protected abstract Stream<Arguments> scalingCases();

    @BeforeAll
    void open() {
        gpu = openDevice();
        cpu = Context.create(BackendKind.CPU);
    }

    @AfterAll
    void close() {
        if (gpu != null) {
            gpu.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    private static Random rng(long salt) {
        return new Random(TestMatrices.SEED ^ salt);
    }

    /** ‖a − b‖_F / max(‖b‖_F, tiny); every a must be finite (catches unwritten NaN-poisoned outputs). */
    private static double rel(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.isFinite(a[i]), "element " + i + " not written or not finite: " + a[i]);
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }

    private static MatrixBatch poisoned(Context c, int batch, int rows, int cols) {
        MatrixBatch m = c.allocate(batch, rows, cols);
        m.fill(Float.NaN);
        return m;
    }

    // ------------------------------------------------------------------ soft-threshold

    @ParameterizedTest(name = "{0}x{1}x{2} q={3}")
    @MethodSource("softThresholdCases")
    void softThresholdMatchesCpu(int batch, int rows, int cols, double q) {
        float[] data = TestMatrices.gaussian(rng(batch * 31L + rows), batch * rows * cols);
        checkSoftThreshold(data, batch, rows, cols, q);
    }

    @ParameterizedTest
    @CsvSource({"0", "0.9", "1", "0.37"})
    void softThresholdWithTiesMatchesCpu(double q) {
        int batch = 3;
        int rows = 17;
        int cols = 19;
        Random r = rng(77);
        float[] data = new float[batch * rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextInt(7) - 3;   // heavy ties, zeros included
        }
        checkSoftThreshold(data, batch, rows, cols, q);
    }

    private void checkSoftThreshold(float[] data, int batch, int rows, int cols, double q) {
        try (MatrixBatch mg = gpu.upload(data, batch, rows, cols); MatrixBatch bg = poisoned(gpu, batch, rows, cols);
             MatrixBatch og = poisoned(gpu, batch, rows, cols); MatrixBatch mc = cpu.upload(data, batch, rows, cols);
             MatrixBatch bc = cpu.allocate(batch, rows, cols); MatrixBatch oc = cpu.allocate(batch, rows, cols)) {
            float[] eg = gpu.softThreshold(mg, q, bg, og);
            float[] ec = cpu.softThreshold(mc, q, bc, oc);
            for (int b = 0; b < batch; b++) {
                assertEquals(ec[b], eg[b], Math.abs(ec[b]) * 1e-6 + 1e-12, "eps of matrix " + b);
            }
            assertTrue(rel(bg.toArray(), bc.toArray()) <= Tolerances.ELEMENTWISE, "base");
            assertTrue(rel(og.toArray(), oc.toArray()) <= Tolerances.ELEMENTWISE * 10 + 1e-30 || max(oc.toArray()) == 0,
                    "outlier");
            assertArrayEquals(data, mg.toArray(), "input modified");
        }
    }

    private static double max(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @ParameterizedTest(name = "{0}x{1}x{2} nesterov={3}")
    @MethodSource("momentumCases")
    void momentumSoftThresholdMatchesCpu(int batch, int rows, int cols, boolean nesterov) {
        Random r = rng(rows * 7L + cols);
        float[] grad = TestMatrices.gaussian(r, batch * rows * cols);
        float[] buf = TestMatrices.gaussian(r, batch * rows * cols);
        try (MatrixBatch gg = gpu.upload(grad, batch, rows, cols); MatrixBatch ug = gpu.upload(buf, batch, rows, cols);
             MatrixBatch bg = poisoned(gpu, batch, rows, cols); MatrixBatch og = poisoned(gpu, batch, rows, cols);
             MatrixBatch gc = cpu.upload(grad, batch, rows, cols); MatrixBatch uc = cpu.upload(buf, batch, rows, cols);
             MatrixBatch bc = cpu.allocate(batch, rows, cols); MatrixBatch oc = cpu.allocate(batch, rows, cols)) {
            float[] eg = gpu.momentumSoftThreshold(gg, ug, 0.9, nesterov, 0.9, bg, og);
            float[] ec = cpu.momentumSoftThreshold(gc, uc, 0.9, nesterov, 0.9, bc, oc);
            for (int b = 0; b < batch; b++) {
                assertEquals(ec[b], eg[b], Math.abs(ec[b]) * 1e-6, "eps of matrix " + b);
            }
            assertTrue(rel(ug.toArray(), uc.toArray()) <= Tolerances.ELEMENTWISE, "buf");
            assertTrue(rel(bg.toArray(), bc.toArray()) <= Tolerances.ELEMENTWISE, "base");
            assertTrue(rel(og.toArray(), oc.toArray()) <= 1e-5, "outlier");
        }
    }

    @Test
    void softThresholdNonFiniteThrowsAndWritesNothing() {
        int batch = 5;
        int rows = 9;
        int cols = 11;
        Random r = rng(5);
        float[] grad = TestMatrices.gaussian(r, batch * rows * cols);
        float[] buf = TestMatrices.gaussian(r, batch * rows * cols);
        buf[3 * rows * cols + 17] = Float.POSITIVE_INFINITY;
        grad[4 * rows * cols] = Float.NaN;
        try (MatrixBatch gg = gpu.upload(grad, batch, rows, cols); MatrixBatch ug = gpu.upload(buf, batch, rows, cols);
             MatrixBatch bg = poisoned(gpu, batch, rows, cols); MatrixBatch og = poisoned(gpu, batch, rows, cols)) {
            NonFiniteInputException e = assertThrows(NonFiniteInputException.class,
                    () -> gpu.momentumSoftThreshold(gg, ug, 0.9, true, 0.9, bg, og));
            // the CPU backend's order: the first bad argument (grad before buf), then its lowest bad matrix
            assertEquals(4, e.batchIndex());
            assertEquals("grad", e.argument());
            assertArrayEquals(buf, ug.toArray(), "buf was modified");
            for (float v : bg.toArray()) {
                assertTrue(Float.isNaN(v), "base was written");
            }
            for (float v : og.toArray()) {
                assertTrue(Float.isNaN(v), "outlier was written");
            }
            NonFiniteInputException e2 = assertThrows(NonFiniteInputException.class, () -> gpu.softThreshold(gg, 0.5, bg, og));
            assertEquals(4, e2.batchIndex());
        }
    }

    // ------------------------------------------------------------------ polar and LMOs

    @ParameterizedTest(name = "{0}x{1}x{2}")
    @MethodSource("polarCases")
    void polarMatchesFloat64Svd(int batch, int rows, int cols) {
        Random r = rng(rows * 1000L + cols);
        float[] data = new float[batch * rows * cols];
        for (int b = 0; b < batch; b++) {
            float[] one = TestMatrices.withSpectrum(r, rows, cols, TestMatrices.conditioned(rows, cols, 10));
            System.arraycopy(one, 0, data, b * rows * cols, one.length);
        }
        try (MatrixBatch g = gpu.upload(data, batch, rows, cols); MatrixBatch out = poisoned(gpu, batch, rows, cols)) {
            gpu.polar(g, out);
            float[] q = out.toArray();
            for (int b = 0; b < batch; b++) {
                double[] ref = TestMatrices.polar64(data, b * rows * cols, rows, cols);
                float[] qb = java.util.Arrays.copyOfRange(q, b * rows * cols, (b + 1) * rows * cols);
                double err = rel(qb, TestMatrices.toFloat(ref));
                assertTrue(err <= Tolerances.POLAR_VS_SVD, "matrix " + b + " of " + rows + "x" + cols + ": " + err);
            }
        }
    }

    @Test
    void polarOfZeroIsZeroAndInPlaceWorks() {
        try (MatrixBatch z = gpu.upload(new float[2 * 6 * 4], 2, 6, 4)) {
            gpu.polar(z, z);
            for (float v : z.toArray()) {
                assertEquals(0f, v);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("lmoCases")
    void lmoMatchesCpu(Lmo.Norm norm, Lmo.Layer layer) {
        for (int[] s : lmoShapes()) {
            float[] data = TestMatrices.gaussian(rng(s[1] * 13L + s[2]), s[0] * s[1] * s[2]);
            if (norm == Lmo.Norm.SIGN) {
                data[0] = 0f;
            }
            Lmo lmo = Lmo.of(norm, layer);
            try (MatrixBatch dg = gpu.upload(data, s[0], s[1], s[2]); MatrixBatch og = poisoned(gpu, s[0], s[1], s[2]);
                 MatrixBatch dc = cpu.upload(data, s[0], s[1], s[2]); MatrixBatch oc = cpu.allocate(s[0], s[1], s[2])) {
                gpu.lmo(lmo, dg, og);
                cpu.lmo(lmo, dc, oc);
                double tol = norm == Lmo.Norm.SPECTRAL ? 2e-5 : Tolerances.ELEMENTWISE;
                double err = rel(og.toArray(), oc.toArray());
                assertTrue(err <= tol, lmo + " " + s[0] + "x" + s[1] + "x" + s[2] + ": " + err);
            }
        }
    }

    @Test
    void lmoNonFiniteThrowsWithIndex() {
        float[] data = TestMatrices.gaussian(rng(9), 4 * 6 * 6);
        data[2 * 36 + 5] = Float.NaN;
        for (Lmo.Norm norm : Lmo.Norm.values()) {
            try (MatrixBatch d = gpu.upload(data, 4, 6, 6); MatrixBatch out = poisoned(gpu, 4, 6, 6)) {
                NonFiniteInputException e = assertThrows(NonFiniteInputException.class,
                        () -> gpu.lmo(Lmo.of(norm, Lmo.Layer.HIDDEN), d, out));
                assertEquals(2, e.batchIndex(), norm.toString());
                for (float v : out.toArray()) {
                    assertTrue(Float.isNaN(v), norm + ": output was written");
                }
            }
        }
    }

    // ------------------------------------------------------------------ gauges

    @ParameterizedTest(name = "{0} heads={1} kv={2} {3} d={4} width={5}")
    @MethodSource("rotationCases")
    void rotationGaugeMatchesCpu(RotationGauge.Pair pair, int heads, int kv, RotationGauge.Rope rope, int d, int width) {
        RotationGauge gauge = RotationGauge.grouped(pair, heads, kv, rope);
        int batch = rotationBatch();
        int r1 = pair == RotationGauge.Pair.QK ? heads * d : kv * d;
        int c1 = width;
        int r2 = pair == RotationGauge.Pair.QK ? kv * d : width;
        int c2 = pair == RotationGauge.Pair.QK ? width : heads * d;
        Random r = rng(d * 7L + width + heads);
        float[] w1 = TestMatrices.gaussian(r, batch * r1 * c1);
        float[] w2 = TestMatrices.gaussian(r, batch * r2 * c2);
        float[] g1 = TestMatrices.gaussian(r, batch * r1 * c1);
        float[] g2 = TestMatrices.gaussian(r, batch * r2 * c2);
        float[][] hg = runRotation(gpu, gauge, batch, r1, c1, r2, c2, w1, w2, g1, g2);
        float[][] hc = runRotation(cpu, gauge, batch, r1, c1, r2, c2, w1, w2, g1, g2);
        assertTrue(rel(hg[0], hc[0]) <= Tolerances.GAUGE_VS_LSQ, "h1 " + gauge);
        assertTrue(rel(hg[1], hc[1]) <= Tolerances.GAUGE_VS_LSQ, "h2 " + gauge);
    }

    private static float[][] runRotation(Context c, RotationGauge gauge, int batch, int r1, int c1, int r2, int c2,
                                         float[] w1, float[] w2, float[] g1, float[] g2) {
        try (MatrixBatch a = c.upload(w1, batch, r1, c1); MatrixBatch b = c.upload(w2, batch, r2, c2);
             MatrixBatch ga = c.upload(g1, batch, r1, c1); MatrixBatch gb = c.upload(g2, batch, r2, c2);
             MatrixBatch ha = poisoned(c, batch, r1, c1); MatrixBatch hb = poisoned(c, batch, r2, c2)) {
            c.gaugeRotation(gauge, a, b, ga, gb, ha, hb);
            return new float[][]{ha.toArray(), hb.toArray()};
        }
    }

    @Test
    void fullRotationAboveHeadLimitIsRefusedAndContextStaysUsable() {
        RotationGauge gauge = RotationGauge.of(RotationGauge.Pair.QK, 1, RotationGauge.Rope.NONE);
        int d = 130;
        int width = 8;
        float[] w = TestMatrices.gaussian(rng(130), d * width);
        try (MatrixBatch a = gpu.upload(w, 1, d, width); MatrixBatch b = gpu.upload(w, 1, d, width);
             MatrixBatch ga = gpu.upload(w, 1, d, width); MatrixBatch gb = gpu.upload(w, 1, d, width);
             MatrixBatch ha = poisoned(gpu, 1, d, width); MatrixBatch hb = poisoned(gpu, 1, d, width)) {
            Ortho4jException e = assertThrows(Ortho4jException.class, () -> gpu.gaugeRotation(gauge, a, b, ga, gb, ha, hb));
            assertTrue(e.getMessage().contains("128"), e.getMessage());
            assertFalse(e instanceof NonFiniteInputException);
            gpu.gaugeLogitShift(ga, ha);   // still usable
            assertTrue(rel(ha.toArray(), cpuLogitShift(w, 1, d, width)) <= Tolerances.ELEMENTWISE);
        }
    }

    private float[] cpuLogitShift(float[] g, int batch, int rows, int cols) {
        try (MatrixBatch a = cpu.upload(g, batch, rows, cols); MatrixBatch h = cpu.allocate(batch, rows, cols)) {
            cpu.gaugeLogitShift(a, h);
            return h.toArray();
        }
    }

    @ParameterizedTest(name = "batch={0} k={1} d1={2} d2={3}")
    @MethodSource("scalingCases")
    void scalingAndLogitShiftMatchCpu(int batch, int k, int d1, int d2) {
        Random r = rng(k * 3L + d1 + d2);
        float[] w1 = TestMatrices.gaussian(r, batch * k * d1);
        float[] w2 = TestMatrices.gaussian(r, batch * d2 * k);
        float[] g1 = TestMatrices.gaussian(r, batch * k * d1);
        float[] g2 = TestMatrices.gaussian(r, batch * d2 * k);
        float[][] out = new float[2][];
        for (Context c : new Context[]{gpu, cpu}) {
            try (MatrixBatch a = c.upload(w1, batch, k, d1); MatrixBatch b = c.upload(w2, batch, d2, k);
                 MatrixBatch ga = c.upload(g1, batch, k, d1); MatrixBatch gb = c.upload(g2, batch, d2, k);
                 MatrixBatch ha = poisoned(c, batch, k, d1); MatrixBatch hb = poisoned(c, batch, d2, k)) {
                c.gaugeScaling(a, b, ga, gb, ha, hb);
                float[] h = new float[(int) (ha.elements() + hb.elements())];
                System.arraycopy(ha.toArray(), 0, h, 0, (int) ha.elements());
                System.arraycopy(hb.toArray(), 0, h, (int) ha.elements(), (int) hb.elements());
                out[c == gpu ? 0 : 1] = h;
            }
        }
        assertTrue(rel(out[0], out[1]) <= Tolerances.ELEMENTWISE * 10);
        try (MatrixBatch a = gpu.upload(g2, batch, d2, k); MatrixBatch h = poisoned(gpu, batch, d2, k)) {
            gpu.gaugeLogitShift(a, h);
            assertTrue(rel(h.toArray(), cpuLogitShift(g2, batch, d2, k)) <= Tolerances.ELEMENTWISE * 10);
        }
    }

    @Test
    void gaugeNonFiniteThrowsWithIndexAndArgument() {
        RotationGauge gauge = RotationGauge.of(RotationGauge.Pair.QK, 2, RotationGauge.Rope.NONE);
        int batch = 3;
        int d = 8;
        int width = 12;
        Random r = rng(3);
        float[] w1 = TestMatrices.gaussian(r, batch * 2 * d * width);
        float[] g2 = TestMatrices.gaussian(r, batch * 2 * d * width);
        g2[2 * 2 * d * width + 5] = Float.NEGATIVE_INFINITY;
        try (MatrixBatch a = gpu.upload(w1, batch, 2 * d, width); MatrixBatch b = gpu.upload(w1, batch, 2 * d, width);
             MatrixBatch ga = gpu.upload(w1, batch, 2 * d, width); MatrixBatch gb = gpu.upload(g2, batch, 2 * d, width);
             MatrixBatch ha = poisoned(gpu, batch, 2 * d, width); MatrixBatch hb = poisoned(gpu, batch, 2 * d, width)) {
            NonFiniteInputException e = assertThrows(NonFiniteInputException.class,
                    () -> gpu.gaugeRotation(gauge, a, b, ga, gb, ha, hb));
            assertEquals(2, e.batchIndex());
            assertEquals("g2", e.argument());
            for (float v : ha.toArray()) {
                assertTrue(Float.isNaN(v), "h1 was written");
            }
        }
    }

    /**
     * One {@code Arguments} per comma-separated row, as {@code @CsvSource} writes them (JUnit converts the strings
     * to the parameter types).
     */
    protected static Stream<Arguments> csv(String... rows) {
        return Stream.of(rows).map(row -> Arguments.of((Object[]) row.split(",")));
    }
}
