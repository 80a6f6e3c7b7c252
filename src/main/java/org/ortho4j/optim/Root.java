package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Schedule;

/**
 * ROOT (He et al. 2025, arXiv 2511.20626; huawei-noah ROOT {@code example_train.py}; docs/algorithms.md §3, §5.3) on the
 * weight matrices of HIDDEN, ATTENTION and MLP_PAIR groups, AdamW (same lr) on the rest:
 * <pre>
 * buf ← μ·buf + g;  M = g + μ·buf (Nesterov)            # μ = 0.95
 * ε = quantile(|M|, 0.9) + 1e-9;  O = sign(M)·max(|M| − ε, 0);  B = M − O     # ctx.momentumSoftThreshold
 * W ← W − lr·wd·W − lr·0.2·√max(m, n)·NS_shape(B)      # Schedule.root(): AdaNewton per shape, Muon's elsewhere
 * </pre>
 * The outlier part {@code O} is dropped, as in the reference code ({@code u = root5(b)}; {@code o} is not used
 * again): the soft-threshold is a proximal step that removes the heavy tail from the orthogonalised direction.
 * The scale {@code 0.2·√max(m, n)} is Moonlight's, which the reference quotes as "original ROOT".
 */
public final class Root extends BaseOptimizer {

    /** Hyper-parameters (defaults in brackets). */
    public static final class Options {
        /** The defaults; set the fields to change them. */
        public Options() {
        }

        /** Learning rate, shared by the ROOT matrices and the AdamW inside [1e-3]. */
        public double lr = 1e-3;
        /** Momentum μ in {@code buf ← μ·buf + g} [0.95]. */
        public double momentum = 0.95;
        /** Nesterov momentum: {@code M = g + μ·buf} rather than {@code buf} [true]. */
        public boolean nesterov = true;
        /** Soft-threshold quantile [0.9]. */
        public double quantile = 0.9;
        /** NS schedule of the base part [{@link Schedule#root()}]. */
        public Schedule schedule = Schedule.root();
        /** Decoupled weight decay, all parameters [0; the reference uses 0.1]. */
        public double weightDecay = 0.0;
        /** β₁ of the AdamW inside [0.9]. */
        public double adamBeta1 = 0.9;
        /** β₂ of the AdamW inside [0.95]. */
        public double adamBeta2 = 0.95;
        /** eps of the AdamW inside [1e-8]. */
        public double adamEps = 1e-8;
    }

    private final Options o;

    /**
     * A ROOT optimizer over {@code groups}.
     *
     * @param ctx     the context the parameters live on
     * @param groups  the parameter groups; each group's {@link Role} selects its update rule
     * @param options the hyper-parameters ({@code null}: the defaults)
     */
    public Root(Context ctx, List<ParamGroup> groups, Options options) {
        super(ctx, groups);
        this.o = options == null ? new Options() : options;
    }

    @Override
    public String name() {
        return "root";
    }

    @Override
    void update(ParamGroup group, List<MatrixBatch> grads) {
        double lr = lr(o.lr, group);
        double wd = group.weightDecayOr(o.weightDecay);
        for (int i = 0; i < grads.size(); i++) {
            MatrixBatch p = group.params().get(i);
            float[] w = host(p);
            if (!Muon.isMatrix(group, i)) {
                apply(p, w, adamWDelta(p, w, host(grads.get(i)), lr, o.adamBeta1, o.adamBeta2, o.adamEps, wd));
                continue;
            }
            MatrixBatch buf = slot(p, "root.buf");
            float[] x;
            try (MatrixBatch base = ctx.allocate(p.batch(), p.rows(), p.cols());
                 MatrixBatch outlier = ctx.allocate(p.batch(), p.rows(), p.cols())) {
                ctx.momentumSoftThreshold(grads.get(i), buf, o.momentum, o.nesterov, o.quantile, base, outlier);
                try (MatrixBatch xb = ctx.newtonSchulz(base, o.schedule)) {
                    x = xb.toArray();                                     // NS_shape(B); O is dropped
                }
            }
            double s = Muon.scale(Muon.Scale.MOONLIGHT, p.rows(), p.cols());
            float[] out = new float[w.length];
            for (int j = 0; j < w.length; j++) {
                out[j] = (float) (w[j] - lr * wd * w[j] - lr * s * x[j]);  // W ← W − lr·wd·W − lr·0.2√max(m,n)·X
            }
            store(p, out);
        }
    }
}
