package org.ortho4j.bench;

import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.RotationGauge;

/**
 * Inputs and calls of the soft-threshold and gauge benchmarks, shared by the CPU and GPU classes so both measure
 * the same work. Shapes are those of a 12-layer, 12-head model of width 768 (GPT-2 small): one batch entry per
 * layer. Bytes per call are the minimum traffic (every input read once, every output written once, fp32).
 */
final class FamilyCases {
    /** ROOT's quantile (docs/algorithms.md §3.1). */
    static final double QUANTILE = 0.90;
    static final double MOMENTUM = 0.95;
    static final int LAYERS = 12;
    static final int HEADS = 12;
    static final int WIDTH = 768;
    static final int VOCAB = 50257;

    private FamilyCases() {
    }

    /** Soft-threshold: {@code split} (read m, write base and outlier) or {@code momentum} (+ read grad, read/write buf). */
    static final class SoftThreshold implements AutoCloseable {
        final int[] s;
        final MatrixBatch[] m;
        final MatrixBatch buf;
        final MatrixBatch base;
        final MatrixBatch outlier;
        private final Context ctx;
        private int next;

        SoftThreshold(Context ctx, String shape) {
            this.ctx = ctx;
            s = BenchSupport.shape(shape);
            long bytes = 4L * s[0] * s[1] * s[2];
            m = BenchSupport.uploads(ctx, BenchSupport.rotation(bytes), s[0], s[1], s[2], 11);
            buf = ctx.upload(BenchSupport.gaussian(5, (long) s[0] * s[1] * s[2]), s[0], s[1], s[2]);
            base = ctx.allocate(s[0], s[1], s[2]);
            outlier = ctx.allocate(s[0], s[1], s[2]);
        }

        long elements() {
            return (long) s[0] * s[1] * s[2];
        }

        /** Minimum bytes of one call: 12 per element for the split, 20 with the momentum update. */
        double bytes(boolean momentum) {
            return (momentum ? 20.0 : 12.0) * elements();
        }

        private MatrixBatch nextInput() {
            MatrixBatch x = m[next];
            next = (next + 1) % m.length;
            return x;
        }

        float[] split() {
            return ctx.softThreshold(nextInput(), QUANTILE, base, outlier);
        }

        float[] momentum() {
            // buf ← μ·buf + grad stays bounded (|buf| ≤ |grad|/(1−μ)), so repeated calls keep finite values
            return ctx.momentumSoftThreshold(nextInput(), buf, MOMENTUM, true, QUANTILE, base, outlier);
        }

        @Override
        public void close() {
            for (MatrixBatch x : m) {
                x.close();
            }
            buf.close();
            base.close();
            outlier.close();
        }
    }

    /**
     * Gauge projections of the 12-layer model: {@code rotationQK} (W_Q, W_K 768×768 per layer, 12 heads, no RoPE),
     * {@code rotationQKRope} (the same with half-split RoPE), {@code rotationVO} (W_V 768×768, W_O 768×768),
     * {@code scaling} (MLP: W_in 3072×768, W_out 768×3072, 3072 units), {@code logitShift} (one 50257×768
     * gradient). Bytes: read w1, w2, g1, g2, write h1, h2 (rotation, scaling); read g, write h (logit shift).
     */
    static final class Gauge implements AutoCloseable {
        final String kind;
        final int batch;
        final int rows;
        final int cols;
        private final Context ctx;
        private MatrixBatch w1;
        private MatrixBatch w2;
        private MatrixBatch g1;
        private MatrixBatch g2;
        private MatrixBatch h1;
        private MatrixBatch h2;
        private RotationGauge rotation;
        private final double bytes;

        Gauge(Context ctx, String kind) {
            this.ctx = ctx;
            this.kind = kind;
            int d1r;
            int d1c;
            int d2r;
            int d2c;
            switch (kind) {
                case "rotationQK":
                case "rotationQKRope":
                    rotation = RotationGauge.of(RotationGauge.Pair.QK, HEADS,
                            kind.endsWith("Rope") ? RotationGauge.Rope.HALF : RotationGauge.Rope.NONE);
                    d1r = WIDTH; d1c = WIDTH; d2r = WIDTH; d2c = WIDTH;
                    break;
                case "rotationVO":
                    rotation = RotationGauge.of(RotationGauge.Pair.VO, HEADS, RotationGauge.Rope.NONE);
                    d1r = WIDTH; d1c = WIDTH; d2r = WIDTH; d2c = WIDTH;
                    break;
                case "scaling":
                    d1r = 4 * WIDTH; d1c = WIDTH; d2r = WIDTH; d2c = 4 * WIDTH;
                    break;
                case "logitShift":
                    d1r = VOCAB; d1c = WIDTH; d2r = 0; d2c = 0;
                    break;
                default:
                    throw new IllegalArgumentException("unknown gauge case " + kind);
            }
            batch = kind.equals("logitShift") ? 1 : LAYERS;
            rows = d1r;
            cols = d1c;
            long e1 = (long) batch * d1r * d1c;
            g1 = ctx.upload(BenchSupport.gaussian(21, e1), batch, d1r, d1c);
            h1 = ctx.allocate(batch, d1r, d1c);
            if (d2r > 0) {
                long e2 = (long) batch * d2r * d2c;
                w1 = ctx.upload(BenchSupport.gaussian(22, e1), batch, d1r, d1c);
                w2 = ctx.upload(BenchSupport.gaussian(23, e2), batch, d2r, d2c);
                g2 = ctx.upload(BenchSupport.gaussian(24, e2), batch, d2r, d2c);
                h2 = ctx.allocate(batch, d2r, d2c);
                bytes = 4.0 * 3 * (e1 + e2);
            } else {
                bytes = 4.0 * 2 * e1;
            }
        }

        double bytes() {
            return bytes;
        }

        MatrixBatch run() {
            switch (kind) {
                case "scaling":
                    ctx.gaugeScaling(w1, w2, g1, g2, h1, h2);
                    break;
                case "logitShift":
                    ctx.gaugeLogitShift(g1, h1);
                    break;
                default:
                    ctx.gaugeRotation(rotation, w1, w2, g1, g2, h1, h2);
            }
            return h1;
        }

        @Override
        public void close() {
            for (MatrixBatch x : new MatrixBatch[]{w1, w2, g1, g2, h1, h2}) {
                if (x != null) {
                    x.close();
                }
            }
        }
    }
}
