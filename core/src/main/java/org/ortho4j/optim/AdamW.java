package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/**
 * AdamW (Loshchilov &amp; Hutter) on every parameter, whatever its role: the baseline, and the reference against which
 * DDCAdam's equivariance is checked (plain AdamW is not equivariant under the scaling gauge).
 * {@code m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², W ← W − lr·wd·W − lr·m̂/(√v̂ + eps)}, with
 * {@code m̂ = m/(1−β₁ᵗ)}, {@code v̂ = v/(1−β₂ᵗ)} and
 * {@code lr = }{@link Options#lr}{@code ·}{@link ParamGroup#lrScale()}{@code ·}{@link #learningRateScale()}.
 *
 * <h2>Defaults</h2>
 * Beside the reference, torch.optim.AdamW (pytorch/pytorch {@code torch/optim/adamw.py} at commit
 * {@code 002d2f0bb40cf08beb74bce80f52ce4f2eda46a0}, the algorithm in its docstring):
 * <table>
 * <caption>AdamW's options: ortho4j's default and the reference's</caption>
 * <tr><th>option</th><th>ortho4j</th><th>reference</th><th>agreement</th></tr>
 * <tr><td>{@link Options#lr}</td><td>1e-3</td><td>{@code lr=1e-3}</td><td>same</td></tr>
 * <tr><td>{@link Options#beta1}, {@link Options#beta2}</td><td>0.9, 0.999</td><td>{@code betas=(0.9, 0.999)}</td><td>same</td></tr>
 * <tr><td>{@link Options#eps}</td><td>1e-8, added to {@code √v̂}</td><td>{@code eps=1e-8}, added to {@code √v̂}</td><td>same</td></tr>
 * <tr><td>{@link Options#weightDecay}</td><td>0</td><td>{@code weight_decay=1e-2}</td><td>differs</td></tr>
 * </table>
 * The weight decay is 0 so that AdamW (and {@link DdcAdam}, which shares these options) is the plain Adam step, as
 * the other optimizers' references default to for their matrices (Muon's {@code weight_decay=0}); set 0.01 for
 * torch's.
 */
public final class AdamW extends BaseOptimizer {

    /** Hyper-parameters (defaults in brackets; the class comment puts them beside torch's). */
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
        /** Decoupled weight decay [0; torch 0.01]. */
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
