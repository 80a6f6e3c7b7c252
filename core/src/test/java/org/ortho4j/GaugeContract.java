package org.ortho4j;

import org.ortho4j.testing.BackendContract;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.RotationGauge.Pair;
import org.ortho4j.RotationGauge.Rope;
import org.ortho4j.testing.GaugeChecks;
import org.ortho4j.testing.TestMatrices;
import org.ortho4j.testing.Tolerances;

/**
 * The gauge projections' contract (docs/algorithms.md §4, invariants in §6), for every backend: orthogonality to every vertical
 * direction, idempotence, agreement with dense float64 least squares, batches of layers, GQA, both RoPE
 * conventions, degenerate weights, non-finite inputs and shape errors.
 */
public abstract class GaugeContract extends BackendContract {

    // ------------------------------------------------------------------ rotation

    @Test
    void rotationQkFullMatchesLeastSquares() {
        // {heads, kvHeads, d, D, batch}
        int[][] cases = {{1, 1, 2, 3, 1}, {1, 1, 8, 3, 2}, {2, 2, 4, 5, 1}, {4, 2, 3, 7, 2}, {4, 1, 5, 17, 1},
                {3, 3, 8, 11, 1}, {2, 1, 7, 13, 3}, {1, 1, 6, 1, 1}};
        for (int[] c : cases) {
            RotationGauge gauge = RotationGauge.grouped(Pair.QK, c[0], c[1], Rope.NONE);
            GaugeChecks.checkRotation(ctx, gauge, c[4], c[2], c[3], 1000L + c[0] * 31 + c[2] * 7 + c[3]);
        }
    }

    @Test
    void rotationVoFullMatchesLeastSquares() {
        int[][] cases = {{1, 1, 2, 3, 1}, {1, 1, 8, 3, 2}, {2, 2, 4, 5, 1}, {4, 2, 3, 7, 2}, {4, 1, 5, 17, 1},
                {3, 1, 6, 9, 1}, {2, 1, 7, 13, 3}};
        for (int[] c : cases) {
            RotationGauge gauge = RotationGauge.grouped(Pair.VO, c[0], c[1], Rope.NONE);
            GaugeChecks.checkRotation(ctx, gauge, c[4], c[2], c[3], 2000L + c[0] * 31 + c[2] * 7 + c[3]);
        }
    }

    @Test
    void rotationRopeMatchesLeastSquares() {
        int[][] cases = {{1, 1, 2, 3, 1}, {1, 1, 8, 3, 2}, {2, 2, 4, 5, 1}, {4, 2, 6, 7, 2}, {4, 1, 2, 17, 1},
                {2, 1, 8, 13, 3}};
        for (Rope rope : new Rope[] {Rope.INTERLEAVED, Rope.HALF}) {
            for (int[] c : cases) {
                RotationGauge gauge = RotationGauge.grouped(Pair.QK, c[0], c[1], rope);
                GaugeChecks.checkRotation(ctx, gauge, c[4], c[2], c[3], 3000L + c[0] * 31 + c[2] * 7 + c[3]);
            }
        }
    }

    @Test
    void ropeConventionsDiffer() {
        // The same data under the two pairings must give different projections (d = 4: pairs (0,1),(2,3) vs (0,2),(1,3)).
        Random r = new Random(17);
        RotationGauge inter = RotationGauge.of(Pair.QK, 1, Rope.INTERLEAVED);
        RotationGauge half = RotationGauge.of(Pair.QK, 1, Rope.HALF);
        int[] s = GaugeChecks.rotationShapes(inter, 4, 5);
        float[] w1 = TestMatrices.gaussian(r, 20);
        float[] w2 = TestMatrices.gaussian(r, 20);
        float[] g1 = TestMatrices.gaussian(r, 20);
        float[] g2 = TestMatrices.gaussian(r, 20);
        float[][] a = GaugeChecks.runRotation(ctx, inter, 1, s, w1, w2, g1, g2);
        float[][] b = GaugeChecks.runRotation(ctx, half, 1, s, w1, w2, g1, g2);
        assertTrue(TestMatrices.relError(a[0], b[0]) > 1e-3, "interleaved and half RoPE pairings gave the same result");
    }

    @Test
    void verticalUpdateProjectsToZero() {
        // G = (A W_Q, A W_K) for a random skew A: entirely vertical, so H ≈ 0.
        Random r = new Random(5);
        int d = 6;
        int width = 9;
        RotationGauge gauge = RotationGauge.grouped(Pair.QK, 2, 1, Rope.NONE);
        int[] s = GaugeChecks.rotationShapes(gauge, d, width);
        float[] w1 = TestMatrices.gaussian(r, s[0] * s[1]);
        float[] w2 = TestMatrices.gaussian(r, s[2] * s[3]);
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                a[i][j] = r.nextGaussian();
                a[j][i] = -a[i][j];
            }
        }
        float[] g1 = leftMultiply(a, w1, s[0] / d, d, width);
        float[] g2 = leftMultiply(a, w2, s[2] / d, d, width);
        float[][] h = GaugeChecks.runRotation(ctx, gauge, 1, s, w1, w2, g1, g2);
        double hn = norm(h[0]) + norm(h[1]);
        double gn = norm(g1) + norm(g2);
        assertTrue(hn <= 10 * Tolerances.GAUGE_ORTHOGONALITY * gn, "vertical update left " + hn / gn);
    }

    @Test
    void ropeVerticalUpdateProjectsToZero() {
        // G = a_k E_k W on pair k only: removed entirely; checks the sign convention of E_k.
        Random r = new Random(6);
        int d = 4;
        int width = 7;
        for (Rope rope : new Rope[] {Rope.INTERLEAVED, Rope.HALF}) {
            RotationGauge gauge = RotationGauge.of(Pair.QK, 1, rope);
            float[] w1 = TestMatrices.gaussian(r, d * width);
            float[] w2 = TestMatrices.gaussian(r, d * width);
            int p0 = rope == Rope.HALF ? 1 : 2;
            int p1 = rope == Rope.HALF ? 3 : 3;
            double[][] e = new double[d][d];
            e[p0][p1] = -0.75;                                           // 0.75·E_k: row p0 ← −w_p1, row p1 ← w_p0
            e[p1][p0] = 0.75;
            float[] g1 = leftMultiply(e, w1, 1, d, width);
            float[] g2 = leftMultiply(e, w2, 1, d, width);
            float[][] h = GaugeChecks.runRotation(ctx, gauge, 1, new int[] {d, width, d, width}, w1, w2, g1, g2);
            double hn = norm(h[0]) + norm(h[1]);
            assertTrue(hn <= 1e-6 * (norm(g1) + norm(g2)), rope + ": vertical RoPE update left " + hn);
        }
    }

    @Test
    void zeroWeightsLeaveUpdateUnchanged() {
        for (Rope rope : Rope.values()) {
            RotationGauge gauge = RotationGauge.of(Pair.QK, 2, rope);
            Random r = new Random(8);
            int[] s = GaugeChecks.rotationShapes(gauge, 4, 3);
            float[] g1 = TestMatrices.gaussian(r, s[0] * s[1]);
            float[] g2 = TestMatrices.gaussian(r, s[2] * s[3]);
            float[][] h = GaugeChecks.runRotation(ctx, gauge, 1, s, new float[g1.length], new float[g2.length], g1, g2);
            assertArrayEquals(g1, h[0], rope + ": h1");
            assertArrayEquals(g2, h[1], rope + ": h2");
        }
        float[][] h = GaugeChecks.runScaling(ctx, 1, 3, 2, 4, new float[6], new float[12], new float[] {1, 2, 3, 4, 5, 6},
                new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, h[0]);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, h[1]);
    }

    @Test
    void rankDeficientWeights() {
        // W_Q = W_K with one row zero and one row repeated: S singular, the projection still equals least squares.
        RotationGauge gauge = RotationGauge.of(Pair.QK, 1, Rope.NONE);
        Random r = new Random(9);
        int d = 4;
        int width = 6;
        float[] w = TestMatrices.gaussian(r, d * width);
        for (int c = 0; c < width; c++) {
            w[c] = 0;
            w[3 * width + c] = w[width + c];
        }
        float[] g1 = TestMatrices.gaussian(r, d * width);
        float[] g2 = TestMatrices.gaussian(r, d * width);
        float[][] h = GaugeChecks.runRotation(ctx, gauge, 1, new int[] {d, width, d, width}, w, w.clone(), g1, g2);
        org.ejml.data.DMatrixRMaj v = org.ortho4j.testing.GaugeOracle.rotationBasis(gauge, w, 0, d, width, w, 0, d, width);
        double[] g = org.ortho4j.testing.GaugeOracle.concat(g1, 0, g1.length, g2, 0, g2.length);
        double[] ref = org.ortho4j.testing.GaugeOracle.project(v, g);
        float[] out = new float[ref.length];
        System.arraycopy(h[0], 0, out, 0, h[0].length);
        System.arraycopy(h[1], 0, out, h[0].length, h[1].length);
        double err = TestMatrices.relError(out, 0, ref, 0, ref.length);
        assertTrue(err <= Tolerances.GAUGE_VS_LSQ, "rank-deficient S: vs least squares " + err);
    }

    @Test
    void largerHeadSize() {
        // d = 16 (120 generators) against least squares; d up to 128 is covered by the eigensolver's own test.
        GaugeChecks.Measured m = GaugeChecks.checkRotation(ctx, RotationGauge.of(Pair.QK, 1, Rope.NONE), 1, 16, 20, 77);
        assertTrue(m.orthogonality <= Tolerances.GAUGE_ORTHOGONALITY);
    }

    // ------------------------------------------------------------------ scaling and logit shift

    @Test
    void scalingMatchesLeastSquares() {
        // {batch, k, D1, D2, zeroUnit}
        int[][] cases = {{1, 1, 1, 1, -1}, {1, 1, 5, 3, -1}, {2, 7, 3, 11, -1}, {3, 13, 17, 5, 4}, {1, 70, 3, 2, 65},
                {1, 5, 1, 9, 0}};
        for (int[] c : cases) {
            GaugeChecks.checkScaling(ctx, c[0], c[1], c[2], c[3], c[4], 4000L + c[1] * 13 + c[2]);
        }
    }

    @Test
    void scalingHandComputed() {
        // One unit: W1 = [1, 2], W2 = [3]ᵀ, G1 = [1, 0], G2 = [1]: α = (1 − 3)/(1 + 4 + 9) = −1/7.
        float[][] h = GaugeChecks.runScaling(ctx, 1, 1, 2, 1, new float[] {1, 2}, new float[] {3}, new float[] {1, 0},
                new float[] {1});
        assertEquals(1 + 1 / 7.0, h[0][0], 1e-6);                        // G1 − α W1
        assertEquals(0 + 2 / 7.0, h[0][1], 1e-6);
        assertEquals(1 - 3 / 7.0, h[1][0], 1e-6);                        // G2 + α W2
    }

    @Test
    void logitShiftRemovesColumnMeans() {
        int[][] cases = {{1, 1, 1}, {1, 1, 9}, {2, 7, 1}, {1, 31, 17}, {2, 3, 130}, {1, 2, 257}};
        for (int[] c : cases) {
            GaugeChecks.checkLogitShift(ctx, c[0], c[1], c[2], 5000L + c[1] * 7 + c[2]);
        }
        float[] h = GaugeChecks.runLogitShift(ctx, 1, 3, 2, new float[] {1, 10, 2, 20, 6, 60});
        assertArrayEquals(new float[] {-2, -20, -1, -10, 3, 30}, h, 1e-5f);
    }

    // ------------------------------------------------------------------ errors

    @Test
    void nonFiniteInputsAreRefusedBeforeWriting() {
        RotationGauge gauge = RotationGauge.grouped(Pair.QK, 4, 2, Rope.NONE);
        int d = 3;
        int width = 5;
        int batch = 3;
        int[] s = GaugeChecks.rotationShapes(gauge, d, width);
        String[] names = {"w1", "w2", "g1", "g2"};
        for (int which = 0; which < 4; which++) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                Random r = new Random(10 + which);
                float[][] in = new float[4][];
                for (int k = 0; k < 4; k++) {
                    in[k] = TestMatrices.gaussian(r, batch * (k % 2 == 0 ? s[0] * s[1] : s[2] * s[3]));
                }
                int n = in[which].length / batch;
                in[which][2 * n + n / 2] = bad;                          // matrix 2
                in[which][n + 1] = which == 0 ? in[which][n + 1] : bad;  // matrix 1 too, except for w1
                int expected = which == 0 ? 2 : 1;
                try (MatrixBatch w1 = ctx.upload(in[0], batch, s[0], s[1]);
                     MatrixBatch w2 = ctx.upload(in[1], batch, s[2], s[3]);
                     MatrixBatch g1 = ctx.upload(in[2], batch, s[0], s[1]);
                     MatrixBatch g2 = ctx.upload(in[3], batch, s[2], s[3]);
                     MatrixBatch h1 = ctx.allocate(batch, s[0], s[1]);
                     MatrixBatch h2 = ctx.allocate(batch, s[2], s[3])) {
                    h1.fill(7f);
                    h2.fill(7f);
                    NonFiniteInputException e = assertThrows(NonFiniteInputException.class,
                            () -> ctx.gaugeRotation(gauge, w1, w2, g1, g2, h1, h2));
                    assertEquals("gaugeRotation", e.operation());
                    assertEquals(names[which], e.argument());
                    assertEquals(expected, e.batchIndex());
                    assertAll7(h1.toArray());
                    assertAll7(h2.toArray());
                }
            }
        }
        try (MatrixBatch w1 = ctx.upload(new float[] {1, 2}, 1, 1, 2);
             MatrixBatch w2 = ctx.upload(new float[] {1}, 1, 1, 1);
             MatrixBatch g1 = ctx.upload(new float[] {1, 2}, 1, 1, 2);
             MatrixBatch g2 = ctx.upload(new float[] {Float.NEGATIVE_INFINITY}, 1, 1, 1);
             MatrixBatch h1 = ctx.allocate(1, 1, 2);
             MatrixBatch h2 = ctx.allocate(1, 1, 1)) {
            h1.fill(7f);
            h2.fill(7f);
            NonFiniteInputException e = assertThrows(NonFiniteInputException.class,
                    () -> ctx.gaugeScaling(w1, w2, g1, g2, h1, h2));
            assertEquals("gaugeScaling", e.operation());
            assertEquals("g2", e.argument());
            assertEquals(0, e.batchIndex());
            assertAll7(h1.toArray());
            assertAll7(h2.toArray());
        }
        try (MatrixBatch g = ctx.upload(new float[] {1, 2, 3, Float.NaN}, 2, 1, 2);
             MatrixBatch h = ctx.allocate(2, 1, 2)) {
            h.fill(7f);
            NonFiniteInputException e = assertThrows(NonFiniteInputException.class, () -> ctx.gaugeLogitShift(g, h));
            assertEquals("gaugeLogitShift", e.operation());
            assertEquals("g", e.argument());
            assertEquals(1, e.batchIndex());
            assertAll7(h.toArray());
        }
    }

    @Test
    void shapeErrorsNameTheArgument() {
        RotationGauge gqa = RotationGauge.grouped(Pair.QK, 4, 2, Rope.NONE);
        try (MatrixBatch wq = ctx.allocate(1, 12, 5);
             MatrixBatch wkBad = ctx.allocate(1, 12, 5);                 // should be kvHeads·d = 6 rows
             MatrixBatch wk = ctx.allocate(1, 6, 5);
             MatrixBatch gk = ctx.allocate(1, 6, 5);
             MatrixBatch gkBad = ctx.allocate(1, 6, 4);
             MatrixBatch hq = ctx.allocate(1, 12, 5);
             MatrixBatch hk = ctx.allocate(1, 6, 5);
             MatrixBatch gq = ctx.allocate(1, 12, 5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ctx.gaugeRotation(gqa, wq, wkBad, gq, gk, hq, hk));
            assertTrue(e.getMessage().contains("w2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ctx.gaugeRotation(gqa, wq, wk, gq, gkBad, hq, hk));
            assertTrue(e.getMessage().contains("g2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ctx.gaugeRotation(gqa, wq, wk, gq, gk, gq, hk));
            assertTrue(e.getMessage().contains("h1"), e.getMessage());
            // d = 3 with RoPE: odd head size.
            RotationGauge rope = RotationGauge.grouped(Pair.QK, 4, 2, Rope.HALF);
            e = assertThrows(IllegalArgumentException.class, () -> ctx.gaugeRotation(rope, wq, wk, gq, gk, hq, hk));
            assertTrue(e.getMessage().contains("d=3"), e.getMessage());
            // W_Q rows not a multiple of heads.
            RotationGauge five = RotationGauge.grouped(Pair.QK, 5, 1, Rope.NONE);
            e = assertThrows(IllegalArgumentException.class, () -> ctx.gaugeRotation(five, wq, wk, gq, gk, hq, hk));
            assertTrue(e.getMessage().contains("w1"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RotationGauge.of(Pair.VO, 2, Rope.INTERLEAVED));
        assertTrue(e.getMessage().contains("rope"), e.getMessage());
        try (MatrixBatch w1 = ctx.allocate(1, 3, 4);
             MatrixBatch w2 = ctx.allocate(1, 5, 2);                     // should have 3 columns
             MatrixBatch h1 = ctx.allocate(1, 3, 4);
             MatrixBatch h2 = ctx.allocate(1, 5, 2)) {
            e = assertThrows(IllegalArgumentException.class, () -> ctx.gaugeScaling(w1, w2, w1, w2, h1, h2));
            assertTrue(e.getMessage().contains("w2"), e.getMessage());
        }
        try (MatrixBatch g = ctx.allocate(1, 3, 4);
             MatrixBatch h = ctx.allocate(1, 4, 3)) {
            e = assertThrows(IllegalArgumentException.class, () -> ctx.gaugeLogitShift(g, h));
            assertTrue(e.getMessage().contains("'h'"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void assertAll7(float[] a) {
        for (int i = 0; i < a.length; i++) {
            assertEquals(7f, a[i], "output element " + i + " was written");
        }
    }

    /** Each d-row block of the row-major (blocks·d) × width matrix w, left-multiplied by a. */
    private static float[] leftMultiply(double[][] a, float[] w, int blocks, int d, int width) {
        float[] out = new float[w.length];
        for (int blk = 0; blk < blocks; blk++) {
            for (int i = 0; i < d; i++) {
                for (int c = 0; c < width; c++) {
                    double s = 0;
                    for (int l = 0; l < d; l++) {
                        s += a[i][l] * w[(blk * d + l) * width + c];
                    }
                    out[(blk * d + i) * width + c] = (float) s;
                }
            }
        }
        return out;
    }

    private static double norm(float[] a) {
        double s = 0;
        for (float x : a) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
