package org.ortho4j.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.RotationGauge;

/**
 * The gauge checks shared by the contract and the property tests: run a projection on any backend, then check
 * per layer (1) every output element was written, (2) zero inner product with every vertical direction
 * ({@link Tolerances#GAUGE_ORTHOGONALITY}, relative to {@code ‖G‖·‖v‖}), (3) agreement with the float64
 * least-squares projection ({@link Tolerances#GAUGE_VS_LSQ}), (4) projecting the output again changes it by at most
 * {@link Tolerances#GAUGE_ORTHOGONALITY} relative.
 */
public final class GaugeChecks {
    private GaugeChecks() {
    }

    /** Worst measured values of the last checks (for reports). */
    public static final class Measured {
        public double orthogonality;
        public double vsLsq;
        public double twice;

        void merge(double o, double l, double t) {
            orthogonality = Math.max(orthogonality, o);
            vsLsq = Math.max(vsLsq, l);
            twice = Math.max(twice, t);
        }

        @Override
        public String toString() {
            return String.format("orthogonality %.2e, vs lsq %.2e, twice %.2e", orthogonality, vsLsq, twice);
        }
    }

    /** {rows1, cols1, rows2, cols2} of the rotation gauge's (w1, w2) for head size d and width D. */
    public static int[] rotationShapes(RotationGauge gauge, int d, int width) {
        int heads = gauge.heads();
        int kv = gauge.kvHeads();
        if (gauge.pair() == RotationGauge.Pair.QK) {
            return new int[] {heads * d, width, kv * d, width};
        }
        return new int[] {kv * d, width, width, heads * d};
    }

    /** Runs and checks the rotation gauge on random Gaussian weights and updates. */
    public static Measured checkRotation(Context ctx, RotationGauge gauge, int batch, int d, int width, long seed) {
        Random rnd = new Random(seed);
        int[] s = rotationShapes(gauge, d, width);
        int n1 = s[0] * s[1];
        int n2 = s[2] * s[3];
        float[] w1 = TestMatrices.gaussian(rnd, batch * n1);
        float[] w2 = TestMatrices.gaussian(rnd, batch * n2);
        float[] g1 = TestMatrices.gaussian(rnd, batch * n1);
        float[] g2 = TestMatrices.gaussian(rnd, batch * n2);
        float[][] h = runRotation(ctx, gauge, batch, s, w1, w2, g1, g2);
        String what = "rotation " + gauge + " batch=" + batch + " d=" + d + " D=" + width + " seed=" + seed;
        assertWritten(what, h);
        float[][] hh = runRotation(ctx, gauge, batch, s, w1, w2, h[0], h[1]);
        Measured m = new Measured();
        for (int b = 0; b < batch; b++) {
            DMatrixRMaj v = GaugeOracle.rotationBasis(gauge, w1, b * n1, s[0], s[1], w2, b * n2, s[2], s[3]);
            checkLayer(what + " layer " + b, v, g1, g2, h, hh, b * n1, n1, b * n2, n2, m);
        }
        return m;
    }

    public static float[][] runRotation(Context ctx, RotationGauge gauge, int batch, int[] s, float[] w1, float[] w2,
                                        float[] g1, float[] g2) {
        try (MatrixBatch bw1 = ctx.upload(w1, batch, s[0], s[1]);
             MatrixBatch bw2 = ctx.upload(w2, batch, s[2], s[3]);
             MatrixBatch bg1 = ctx.upload(g1, batch, s[0], s[1]);
             MatrixBatch bg2 = ctx.upload(g2, batch, s[2], s[3]);
             MatrixBatch bh1 = ctx.allocate(batch, s[0], s[1]);
             MatrixBatch bh2 = ctx.allocate(batch, s[2], s[3])) {
            bh1.fill(Float.NaN);
            bh2.fill(Float.NaN);
            ctx.gaugeRotation(gauge, bw1, bw2, bg1, bg2, bh1, bh2);
            return new float[][] {bh1.toArray(), bh2.toArray()};
        }
    }

    /** Runs and checks the scaling gauge; {@code zeroUnit ≥ 0} zeroes that unit's weights in every layer. */
    public static Measured checkScaling(Context ctx, int batch, int k, int d1, int d2, int zeroUnit, long seed) {
        Random rnd = new Random(seed);
        int n1 = k * d1;
        int n2 = d2 * k;
        float[] w1 = TestMatrices.gaussian(rnd, batch * n1);
        float[] w2 = TestMatrices.gaussian(rnd, batch * n2);
        float[] g1 = TestMatrices.gaussian(rnd, batch * n1);
        float[] g2 = TestMatrices.gaussian(rnd, batch * n2);
        if (zeroUnit >= 0) {
            for (int b = 0; b < batch; b++) {
                for (int c = 0; c < d1; c++) {
                    w1[b * n1 + zeroUnit * d1 + c] = 0;
                }
                for (int row = 0; row < d2; row++) {
                    w2[b * n2 + row * k + zeroUnit] = 0;
                }
            }
        }
        float[][] h = runScaling(ctx, batch, k, d1, d2, w1, w2, g1, g2);
        String what = "scaling batch=" + batch + " k=" + k + " D1=" + d1 + " D2=" + d2 + " seed=" + seed;
        assertWritten(what, h);
        float[][] hh = runScaling(ctx, batch, k, d1, d2, w1, w2, h[0], h[1]);
        Measured m = new Measured();
        for (int b = 0; b < batch; b++) {
            DMatrixRMaj v = GaugeOracle.scalingBasis(w1, b * n1, k, d1, w2, b * n2, d2);
            checkLayer(what + " layer " + b, v, g1, g2, h, hh, b * n1, n1, b * n2, n2, m);
        }
        return m;
    }

    public static float[][] runScaling(Context ctx, int batch, int k, int d1, int d2, float[] w1, float[] w2, float[] g1,
                                       float[] g2) {
        try (MatrixBatch bw1 = ctx.upload(w1, batch, k, d1);
             MatrixBatch bw2 = ctx.upload(w2, batch, d2, k);
             MatrixBatch bg1 = ctx.upload(g1, batch, k, d1);
             MatrixBatch bg2 = ctx.upload(g2, batch, d2, k);
             MatrixBatch bh1 = ctx.allocate(batch, k, d1);
             MatrixBatch bh2 = ctx.allocate(batch, d2, k)) {
            bh1.fill(Float.NaN);
            bh2.fill(Float.NaN);
            ctx.gaugeScaling(bw1, bw2, bg1, bg2, bh1, bh2);
            return new float[][] {bh1.toArray(), bh2.toArray()};
        }
    }

    /** Runs and checks the logit-shift gauge on a Gaussian update. */
    public static Measured checkLogitShift(Context ctx, int batch, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        int n = rows * cols;
        float[] g = TestMatrices.gaussian(rnd, batch * n);
        for (int i = 0; i < g.length; i++) {
            g[i] += 3f;                                                  // a mean to remove
        }
        float[] h = runLogitShift(ctx, batch, rows, cols, g);
        String what = "logitShift batch=" + batch + " " + rows + "x" + cols + " seed=" + seed;
        assertWritten(what, new float[][] {h});
        float[] hh = runLogitShift(ctx, batch, rows, cols, h);
        Measured m = new Measured();
        float[] none = new float[0];
        for (int b = 0; b < batch; b++) {
            DMatrixRMaj v = GaugeOracle.logitBasis(rows, cols);
            checkLayer(what + " layer " + b, v, g, none, new float[][] {h, none}, new float[][] {hh, none}, b * n, n, 0, 0, m);
        }
        return m;
    }

    public static float[] runLogitShift(Context ctx, int batch, int rows, int cols, float[] g) {
        try (MatrixBatch bg = ctx.upload(g, batch, rows, cols);
             MatrixBatch bh = ctx.allocate(batch, rows, cols)) {
            bh.fill(Float.NaN);
            ctx.gaugeLogitShift(bg, bh);
            return bh.toArray();
        }
    }

    /** Every element of every output array is finite (outputs are poisoned with NaN before the call). */
    private static void assertWritten(String what, float[][] outs) {
        for (int k = 0; k < outs.length; k++) {
            for (int i = 0; i < outs[k].length; i++) {
                int at = i;
                int arg = k + 1;
                assertTrue(Float.isFinite(outs[k][i]), () -> what + ": h" + arg + " element " + at + " not written or not finite");
            }
        }
    }

    private static void checkLayer(String what, DMatrixRMaj v, float[] g1, float[] g2, float[][] h, float[][] hh,
                                   int o1, int n1, int o2, int n2, Measured m) {
        double[] g = GaugeOracle.concat(g1, o1, n1, g2, o2, n2);
        double[] out = GaugeOracle.concat(h[0], o1, n1, h[1], o2, n2);
        double[] again = GaugeOracle.concat(hh[0], o1, n1, hh[1], o2, n2);
        for (int i = 0; i < out.length; i++) {
            assertTrue(Double.isFinite(out[i]), () -> what + ": output element not written or not finite");
        }
        double gNorm = GaugeOracle.norm(g);
        double ortho = GaugeOracle.worstInnerProduct(v, out, gNorm);
        assertTrue(ortho <= Tolerances.GAUGE_ORTHOGONALITY, () -> what + ": inner product with a vertical direction " + ortho);
        double[] ref = GaugeOracle.project(v, g);
        float[] outF = new float[out.length];
        for (int i = 0; i < out.length; i++) {
            outF[i] = (float) out[i];
        }
        double lsq = TestMatrices.relError(outF, 0, ref, 0, out.length);
        assertTrue(lsq <= Tolerances.GAUGE_VS_LSQ, () -> what + ": differs from least squares by " + lsq);
        double diff = 0;
        for (int i = 0; i < out.length; i++) {
            diff += (again[i] - out[i]) * (again[i] - out[i]);
        }
        double outNorm = GaugeOracle.norm(out);
        double twice = outNorm == 0 ? Math.sqrt(diff) : Math.sqrt(diff) / outNorm;
        assertTrue(twice <= Tolerances.GAUGE_ORTHOGONALITY, () -> what + ": projecting twice changed it by " + twice);
        m.merge(ortho, lsq, twice);
    }
}
