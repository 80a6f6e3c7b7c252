package org.ortho4j;

import org.ortho4j.testing.BackendContract;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.testing.SoftThresholdOracle;
import org.ortho4j.testing.TestMatrices;

/**
 * ROOT's soft-threshold split and its fused momentum form (docs/algorithms.md §3), for every backend: ε against a
 * full-sort torch.quantile reference (bit for bit), the split's exact arithmetic and invariants, edge quantiles,
 * ties, awkward sizes, momentum/Nesterov, non-finite inputs and argument checks.
 */
public abstract class SoftThresholdContract extends BackendContract {

    /** Runs the split on poisoned outputs and checks every matrix against the oracle; returns ε. */
    private float[] splitAndCheck(String what, float[] m, int batch, int rows, int cols, double q) {
        try (MatrixBatch bm = ctx.upload(m, batch, rows, cols);
             MatrixBatch base = ctx.allocate(batch, rows, cols);
             MatrixBatch out = ctx.allocate(batch, rows, cols)) {
            base.fill(Float.NaN);
            out.fill(Float.NaN);
            float[] eps = ctx.softThreshold(bm, q, base, out);
            assertEquals(batch, eps.length, what + ": one ε per matrix");
            float[] b = base.toArray();
            float[] o = out.toArray();
            int n = rows * cols;
            for (int k = 0; k < batch; k++) {
                SoftThresholdOracle.checkSplit(what + " matrix " + k, m, k * n, n, q, eps[k], b, o);
            }
            assertArrayEquals(m, bm.toArray(), what + ": input modified");
            return eps;
        }
    }

    @Test
    void handComputed() {
        // |M| sorted = 1..5, q = 0.9: pos = 3.6, ε = 4 + 0.6·(5 − 4) + 1e-9 = 4.6
        float[] eps = splitAndCheck("hand", new float[] {1, -2, 3, -4, -5}, 1, 1, 5, 0.9);
        assertEquals(4.6f, eps[0], 1e-6f);
        try (MatrixBatch m = ctx.upload(new float[] {1, -2, 3, -4, -5}, 1, 1, 5);
             MatrixBatch b = ctx.allocate(1, 1, 5);
             MatrixBatch o = ctx.allocate(1, 1, 5)) {
            ctx.softThreshold(m, 0.9, b, o);
            assertArrayEquals(new float[] {1, -2, 3, -4, -4.6f}, b.toArray(), 1e-6f);
            assertArrayEquals(new float[] {0, 0, 0, 0, -0.4f}, o.toArray(), 1e-6f);
        }
        // q = 0.5 on 4 values: pos = 1.5 → (2 + 3)/2
        eps = splitAndCheck("median", new float[] {4, -1, 3, 2}, 1, 2, 2, 0.5);
        assertEquals(2.5f, eps[0], 1e-6f);
    }

    @Test
    void matchesSortedReferenceOnAwkwardSizes() {
        int[][] shapes = {{1, 1}, {1, 2}, {2, 1}, {3, 5}, {7, 11}, {13, 17}, {1, 97}, {64, 33}, {127, 3}, {5, 31}};
        double[] qs = {0, 0.25, 0.5, 0.85, 0.9, 0.999, 1};
        Random r = new Random(TestMatrices.SEED);
        for (int[] s : shapes) {
            for (int batch : new int[] {1, 3}) {
                float[] m = TestMatrices.gaussian(r, batch * s[0] * s[1]);
                for (double q : qs) {
                    splitAndCheck(s[0] + "x" + s[1] + " batch " + batch, m, batch, s[0], s[1], q);
                }
            }
        }
    }

    @Test
    void everySizeFrom1To160() {
        // Sizes across the selection's insertion-sort cutoff and partition paths, 8 matrices each.
        Random r = new Random(99);
        for (int n = 1; n <= 160; n++) {
            float[] m = TestMatrices.gaussian(r, 8 * n);
            splitAndCheck("n=" + n, m, 8, 1, n, n % 2 == 0 ? 0.9 : 0.73);
        }
    }

    @Test
    void edgeQuantiles() {
        float[] m = {0.5f, -3f, 2f, -0.25f, 1f, 7f};
        float[] eps = splitAndCheck("q=1", m, 1, 2, 3, 1.0);
        assertEquals((float) (7.0 + 1e-9), eps[0]);
        try (MatrixBatch bm = ctx.upload(m, 1, 2, 3);
             MatrixBatch b = ctx.allocate(1, 2, 3);
             MatrixBatch o = ctx.allocate(1, 2, 3)) {
            ctx.softThreshold(bm, 1.0, b, o);
            assertArrayEquals(m, b.toArray(), "q = 1: base = M");
            assertArrayEquals(new float[6], o.toArray(), "q = 1: no outliers");
            eps = ctx.softThreshold(bm, 0.0, b, o);
            assertEquals((float) (0.25 + 1e-9), eps[0], "q = 0: ε = min |M|");
        }
        splitAndCheck("q=0", m, 1, 2, 3, 0.0);
        float[] one = splitAndCheck("n=1", new float[] {-2.5f}, 1, 1, 1, 0.9);
        assertEquals((float) (2.5 + 1e-9), one[0]);
    }

    @Test
    void tiesAndZeros() {
        Random r = new Random(3);
        for (int n : new int[] {2, 9, 100, 1001}) {
            float[] m = new float[2 * n];
            for (int i = 0; i < m.length; i++) {
                m[i] = r.nextInt(5) - 2;                                 // values in {−2 … 2}: many ties
            }
            for (double q : new double[] {0, 0.1, 0.5, 0.9, 1}) {
                splitAndCheck("ties n=" + n, m, 2, 1, n, q);
            }
            float[] same = new float[n];
            java.util.Arrays.fill(same, -1.5f);
            float[] eps = splitAndCheck("equal n=" + n, same, 1, n, 1, 0.9);
            assertEquals((float) (1.5 + 1e-9), eps[0]);
        }
        float[] zeros = {0f, -0f, 0f, 0f, -0f, 0f};
        float[] eps = splitAndCheck("zeros", zeros, 2, 1, 3, 0.9);
        assertEquals(1e-9f, eps[0]);
        assertEquals(1e-9f, eps[1]);
    }

    @Test
    void adversarialOrders() {
        int n = 4099;
        float[][] patterns = new float[5][n];
        for (int i = 0; i < n; i++) {
            patterns[0][i] = i;                                          // ascending
            patterns[1][i] = n - i;                                      // descending
            patterns[2][i] = Math.min(i, n - i);                         // organ pipe
            patterns[3][i] = (i % 2 == 0) ? i : -i;                      // alternating signs
            patterns[4][i] = i % 3 == 0 ? 1e-30f : 1e30f;                // two values, wide range
        }
        for (float[] p : patterns) {
            for (double q : new double[] {0.0, 0.37, 0.9, 1.0}) {
                splitAndCheck("pattern", p, 1, 1, n, q);
            }
        }
    }

    // ------------------------------------------------------------------ momentum

    private float[] momentum(float[] grad, float[] buf, int batch, int rows, int cols, double mu, boolean nesterov,
                             double q, float[] baseOut, float[] outlierOut, float[] bufOut) {
        try (MatrixBatch g = ctx.upload(grad, batch, rows, cols);
             MatrixBatch bb = ctx.upload(buf, batch, rows, cols);
             MatrixBatch b = ctx.allocate(batch, rows, cols);
             MatrixBatch o = ctx.allocate(batch, rows, cols)) {
            b.fill(Float.NaN);
            o.fill(Float.NaN);
            float[] eps = ctx.momentumSoftThreshold(g, bb, mu, nesterov, q, b, o);
            System.arraycopy(b.toArray(), 0, baseOut, 0, baseOut.length);
            System.arraycopy(o.toArray(), 0, outlierOut, 0, outlierOut.length);
            System.arraycopy(bb.toArray(), 0, bufOut, 0, bufOut.length);
            assertArrayEquals(grad, g.toArray(), "grad modified");
            return eps;
        }
    }

    @Test
    void momentumHandComputed() {
        float[] grad = {1, 2, -4, 0.5f};
        float[] buf = {0.5f, -1, 2, 0};
        float[] b = new float[4];
        float[] o = new float[4];
        float[] nb = new float[4];
        // buf ← 0.5·buf + grad = [1.25, 1.5, −3, 0.5]; M = buf
        float[] eps = momentum(grad, buf, 1, 2, 2, 0.5, false, 1.0, b, o, nb);
        assertArrayEquals(new float[] {1.25f, 1.5f, -3f, 0.5f}, nb);
        assertArrayEquals(new float[] {1.25f, 1.5f, -3f, 0.5f}, b);
        assertEquals((float) (3 + 1e-9), eps[0]);
        // Nesterov: M = grad + 0.5·buf = [1.625, 2.75, −5.5, 0.75]; q = 0: ε = 0.75
        eps = momentum(grad, buf, 1, 2, 2, 0.5, true, 0.0, b, o, nb);
        assertArrayEquals(new float[] {1.25f, 1.5f, -3f, 0.5f}, nb);
        assertEquals((float) (0.75 + 1e-9), eps[0]);
        float[] m = {1.625f, 2.75f, -5.5f, 0.75f};
        SoftThresholdOracle.checkSplit("nesterov", m, 0, 4, 0.0, eps[0], b, o);
        // μ = 0: M = grad, buf = grad
        eps = momentum(grad, buf, 1, 1, 4, 0.0, true, 0.9, b, o, nb);
        assertArrayEquals(grad, nb);
        SoftThresholdOracle.checkSplit("mu=0", grad, 0, 4, 0.9, eps[0], b, o);
    }

    @Test
    void momentumMatchesDocumentedArithmetic() {
        Random r = new Random(21);
        int[][] shapes = {{1, 1}, {3, 7}, {16, 9}, {1, 257}};
        for (int[] s : shapes) {
            for (int batch : new int[] {1, 4}) {
                int total = batch * s[0] * s[1];
                float[] grad = TestMatrices.gaussian(r, total);
                float[] buf = TestMatrices.gaussian(r, total);
                for (boolean nesterov : new boolean[] {false, true}) {
                    double mu = 0.95;
                    float[] b = new float[total];
                    float[] o = new float[total];
                    float[] nb = new float[total];
                    float[] eps = momentum(grad, buf, batch, s[0], s[1], mu, nesterov, 0.9, b, o, nb);
                    float muf = (float) mu;                                      // fma: one rounding (CpuSoftThreshold)
                    float[] m = new float[total];
                    for (int i = 0; i < total; i++) {
                        float expectBuf = Math.fma(muf, buf[i], grad[i]);
                        assertEquals(expectBuf, nb[i], 0f, "buf at " + i);
                        m[i] = nesterov ? Math.fma(muf, expectBuf, grad[i]) : expectBuf;
                    }
                    int n = s[0] * s[1];
                    for (int k = 0; k < batch; k++) {
                        SoftThresholdOracle.checkSplit("momentum nesterov=" + nesterov + " " + s[0] + "x" + s[1], m, k * n, n,
                                0.9, eps[k], b, o);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ errors

    @Test
    void nonFiniteInputIsRefusedBeforeWriting() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] m = TestMatrices.gaussian(new Random(1), 4 * 6);
            m[2 * 6 + 3] = bad;
            m[3 * 6] = bad;
            try (MatrixBatch bm = ctx.upload(m, 4, 2, 3);
                 MatrixBatch b = ctx.allocate(4, 2, 3);
                 MatrixBatch o = ctx.allocate(4, 2, 3)) {
                b.fill(7f);
                o.fill(7f);
                NonFiniteInputException e = assertThrows(NonFiniteInputException.class, () -> ctx.softThreshold(bm, 0.9, b, o));
                assertEquals("softThreshold", e.operation());
                assertEquals("m", e.argument());
                assertEquals(2, e.batchIndex());
                assertAll7(b.toArray());
                assertAll7(o.toArray());
            }
        }
    }

    @Test
    void momentumNonFiniteLeavesBufAndOutputsUntouched() {
        Random r = new Random(2);
        for (int which = 0; which < 3; which++) {                         // 0: grad, 1: buf, 2: both
            float[] grad = TestMatrices.gaussian(r, 3 * 5);
            float[] buf = TestMatrices.gaussian(r, 3 * 5);
            if (which != 1) {
                grad[2 * 5 + 4] = Float.NaN;
            }
            if (which != 0) {
                buf[5] = Float.POSITIVE_INFINITY;
            }
            try (MatrixBatch g = ctx.upload(grad, 3, 1, 5);
                 MatrixBatch bb = ctx.upload(buf, 3, 1, 5);
                 MatrixBatch b = ctx.allocate(3, 1, 5);
                 MatrixBatch o = ctx.allocate(3, 1, 5)) {
                b.fill(7f);
                o.fill(7f);
                NonFiniteInputException e = assertThrows(NonFiniteInputException.class,
                        () -> ctx.momentumSoftThreshold(g, bb, 0.9, true, 0.9, b, o));
                assertEquals("momentumSoftThreshold", e.operation());
                assertEquals(which == 1 ? "buf" : "grad", e.argument());
                assertEquals(which == 1 ? 1 : 2, e.batchIndex());
                assertArrayEquals(buf, bb.toArray(), "buf modified");
                assertArrayEquals(grad, g.toArray(), "grad modified");
                assertAll7(b.toArray());
                assertAll7(o.toArray());
            }
        }
    }

    @Test
    void badArgumentsAreRefused() {
        try (MatrixBatch m = ctx.allocate(2, 3, 4);
             MatrixBatch buf = ctx.allocate(2, 3, 4);
             MatrixBatch b = ctx.allocate(2, 3, 4);
             MatrixBatch o = ctx.allocate(2, 3, 4);
             MatrixBatch wrong = ctx.allocate(2, 4, 3)) {
            for (double q : new double[] {-0.01, 1.0000001, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.softThreshold(m, q, b, o));
                assertTrue(e.getMessage().contains("quantile"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> ctx.momentumSoftThreshold(m, buf, 0.9, true, q, b, o));
                assertTrue(e.getMessage().contains("quantile"), e.getMessage());
            }
            for (double mu : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> ctx.momentumSoftThreshold(m, buf, mu, false, 0.9, b, o));
                assertTrue(e.getMessage().contains("momentum"), e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.softThreshold(m, 0.9, wrong, o));
            assertTrue(e.getMessage().contains("base"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ctx.softThreshold(m, 0.9, b, m));
            assertTrue(e.getMessage().contains("outlier"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ctx.softThreshold(m, 0.9, b, b));
            assertTrue(e.getMessage().contains("outlier"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ctx.momentumSoftThreshold(m, m, 0.9, true, 0.9, b, o));
            assertTrue(e.getMessage().contains("buf"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ctx.momentumSoftThreshold(m, buf, 0.9, true, 0.9, buf, o));
            assertTrue(e.getMessage().contains("base"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ctx.momentumSoftThreshold(m, wrong, 0.9, true, 0.9, b, o));
            assertTrue(e.getMessage().contains("buf"), e.getMessage());
        }
    }

    private static void assertAll7(float[] a) {
        for (int i = 0; i < a.length; i++) {
            assertEquals(7f, a[i], "output element " + i + " was written");
        }
    }
}
