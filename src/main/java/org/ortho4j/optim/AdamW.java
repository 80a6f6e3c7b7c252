package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/**
 * AdamW (Loshchilov &amp; Hutter) on every parameter, whatever its role: the baseline, and the reference against which
 * DDCAdam's equivariance is checked (plain AdamW is not equivariant under the scaling gauge).
 * {@code m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², W ← W − lr·wd·W − lr·m̂/(√v̂ + eps)}.
 */
public final class AdamW extends BaseOptimizer {

    /** Hyper-parameters (defaults in brackets). */
    public static final class Options {
        /** The defaults; set the fields to change them. */
        public Options() {
        }

        /** Learning rate [1e-3]. */
        public double lr = 1e-3;
        /** First-moment decay β₁ [0.9]. */
        public double beta1 = 0.9;
        /** Second-moment decay β₂ [0.999]. */
        public double beta2 = 0.999;
        /** Added to {@code √v̂} in the denominator [1e-8]. */
        public double eps = 1e-8;
        /** Decoupled weight decay [0]. */
        public double weightDecay = 0.0;
    }

    private final Options o;

    /**
     * An AdamW optimizer over {@code groups}.
     *
     * @param ctx     the context the parameters live on
     * @param groups  the parameter groups (roles are ignored: every parameter gets AdamW)
     * @param options the hyper-parameters ({@code null}: the defaults)
     */
    public AdamW(Context ctx, List<ParamGroup> groups, Options options) {
        super(ctx, groups);
        this.o = options == null ? new Options() : options;
    }

    @Override
    public String name() {
        return "adamw";
    }

    @Override
    void update(ParamGroup group, List<MatrixBatch> grads) {
        for (int i = 0; i < grads.size(); i++) {
            MatrixBatch p = group.params().get(i);
            float[] w = host(p);
            float[] d = adamWDelta(p, w, host(grads.get(i)), lr(o.lr, group), o.beta1, o.beta2, o.eps,
                    group.weightDecayOr(o.weightDecay));
            apply(p, w, d);
        }
    }
}
