package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.RotationGauge;

/**
 * Makes a group's update horizontal for the gauges its role declares (docs/algorithms.md §4), through the
 * {@link Context}'s gauge projections:
 * <ul>
 * <li>ATTENTION: {@code gaugeRotation} on (W_Q, W_K) with the group's RoPE convention, and on (W_V, W_O);</li>
 * <li>MLP_PAIR: {@code gaugeScaling} on {@code [W_in | b_inᵀ]} (the bias joins its unit's row) and {@code W_out};</li>
 * <li>OUTPUT: {@code gaugeLogitShift} on the head's update, and on the bias's update read as a {@code vocab × 1}
 *     column (its mean removed);</li>
 * <li>other roles: unchanged.</li>
 * </ul>
 */
final class Gauges {
    private Gauges() {
    }

    /**
     * Replaces {@code delta} (one host array per parameter of {@code group}, modified) by its horizontal part at
     * the weights {@code w} (not modified).
     */
    static void project(Context ctx, ParamGroup group, List<float[]> w, List<float[]> delta) {
        List<MatrixBatch> p = group.params();
        switch (group.role()) {
            case ATTENTION: {
                rotation(ctx, RotationGauge.grouped(RotationGauge.Pair.QK, group.heads(), group.kvHeads(), group.rope()),
                        p.get(0), p.get(1), w.get(0), w.get(1), delta.get(0), delta.get(1));
                rotation(ctx, RotationGauge.grouped(RotationGauge.Pair.VO, group.heads(), group.kvHeads(), RotationGauge.Rope.NONE),
                        p.get(2), p.get(3), w.get(2), w.get(3), delta.get(2), delta.get(3));
                break;
            }
            case MLP_PAIR: {
                MatrixBatch in = p.get(0);
                MatrixBatch out = p.get(1);
                boolean bias = p.size() == 3;
                int nb = in.batch();
                int k = in.rows();
                int c1 = in.cols() + (bias ? 1 : 0);
                float[] w1 = joinBias(w.get(0), bias ? w.get(2) : null, nb, k, in.cols());
                float[] d1 = joinBias(delta.get(0), bias ? delta.get(2) : null, nb, k, in.cols());
                try (MatrixBatch W1 = ctx.upload(w1, nb, k, c1);
                     MatrixBatch W2 = ctx.upload(w.get(1), nb, out.rows(), k);
                     MatrixBatch G1 = ctx.upload(d1, nb, k, c1);
                     MatrixBatch G2 = ctx.upload(delta.get(1), nb, out.rows(), k);
                     MatrixBatch H1 = ctx.allocate(nb, k, c1);
                     MatrixBatch H2 = ctx.allocate(nb, out.rows(), k)) {
                    ctx.gaugeScaling(W1, W2, G1, G2, H1, H2);
                    splitBias(H1.toArray(), delta.get(0), bias ? delta.get(2) : null, nb, k, in.cols());
                    System.arraycopy(H2.toArray(), 0, delta.get(1), 0, delta.get(1).length);
                }
                break;
            }
            case OUTPUT: {
                MatrixBatch head = p.get(0);
                try (MatrixBatch g = ctx.upload(delta.get(0), head.batch(), head.rows(), head.cols());
                     MatrixBatch h = ctx.allocate(head.batch(), head.rows(), head.cols())) {
                    ctx.gaugeLogitShift(g, h);
                    System.arraycopy(h.toArray(), 0, delta.get(0), 0, delta.get(0).length);
                }
                if (p.size() == 2) {
                    MatrixBatch b = p.get(1);
                    try (MatrixBatch g = ctx.upload(delta.get(1), b.batch(), b.cols(), 1);
                         MatrixBatch h = ctx.allocate(b.batch(), b.cols(), 1)) {
                        ctx.gaugeLogitShift(g, h);
                        System.arraycopy(h.toArray(), 0, delta.get(1), 0, delta.get(1).length);
                    }
                }
                break;
            }
            default:
                break;
        }
    }

    private static void rotation(Context ctx, RotationGauge gauge, MatrixBatch p1, MatrixBatch p2, float[] w1, float[] w2,
                                 float[] d1, float[] d2) {
        int nb = p1.batch();
        try (MatrixBatch W1 = ctx.upload(w1, nb, p1.rows(), p1.cols());
             MatrixBatch W2 = ctx.upload(w2, nb, p2.rows(), p2.cols());
             MatrixBatch G1 = ctx.upload(d1, nb, p1.rows(), p1.cols());
             MatrixBatch G2 = ctx.upload(d2, nb, p2.rows(), p2.cols());
             MatrixBatch H1 = ctx.allocate(nb, p1.rows(), p1.cols());
             MatrixBatch H2 = ctx.allocate(nb, p2.rows(), p2.cols())) {
            ctx.gaugeRotation(gauge, W1, W2, G1, G2, H1, H2);
            System.arraycopy(H1.toArray(), 0, d1, 0, d1.length);
            System.arraycopy(H2.toArray(), 0, d2, 0, d2.length);
        }
    }

    /** {@code [W | bᵀ]}: each of the {@code k} rows gets its bias as an extra last column. */
    static float[] joinBias(float[] w, float[] b, int nb, int k, int cols) {
        if (b == null) {
            return w.clone();
        }
        int c1 = cols + 1;
        float[] out = new float[nb * k * c1];
        for (int m = 0; m < nb; m++) {
            for (int i = 0; i < k; i++) {
                System.arraycopy(w, (m * k + i) * cols, out, (m * k + i) * c1, cols);
                out[(m * k + i) * c1 + cols] = b[m * k + i];
            }
        }
        return out;
    }

    /** Inverse of {@link #joinBias}: writes into {@code w} and {@code b} (both modified). */
    static void splitBias(float[] joined, float[] w, float[] b, int nb, int k, int cols) {
        if (b == null) {
            System.arraycopy(joined, 0, w, 0, w.length);
            return;
        }
        int c1 = cols + 1;
        for (int m = 0; m < nb; m++) {
            for (int i = 0; i < k; i++) {
                System.arraycopy(joined, (m * k + i) * c1, w, (m * k + i) * cols, cols);
                b[m * k + i] = joined[(m * k + i) * c1 + cols];
            }
        }
    }
}
