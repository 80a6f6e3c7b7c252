package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Schedule;

/**
 * SCION and its unconstrained variant (Pethick et al. 2025, arXiv 2502.07529; LIONS-EPFL/scion {@code scion.py};
 * docs/algorithms.md §2.2 and §5.2) on every parameter, each with its layer's LMO and radius ρ:
 * <pre>
 * d ← α·g + (1−α)·d                        # α = 0.1
 * W ← W − γ·ρ·lmo(d)                        # uSCG (unconstrained)
 * W ← (1−γ)·W − γ·ρ·lmo(d)                  # SCG (constrained: W stays in the ρ-ball of the layer norm)
 * </pre>
 * The LMO of a group is {@link ParamGroup#lmo()} when set, else by role: HIDDEN, ATTENTION and MLP_PAIR matrices
 * SPECTRAL at the group's layer position, EMBEDDING COLNORM (input), OUTPUT SIGN (output), vectors BIAS. The
 * spectral LMO uses the exact polar factor ({@code ctx.polar} via {@code ctx.lmo}) unless {@link Options#schedule}
 * is set, as the reference code does with Muon's NS. The radius is {@link ParamGroup#radiusOr(double)}.
 */
public final class Scion extends BaseOptimizer {

    /** Hyper-parameters (defaults in brackets). */
    public static final class Options {
        /** The defaults; set the fields to change them. */
        public Options() {
        }

        /** Step size γ [1e-3]. */
        public double lr = 1e-3;
        /** Momentum weight α in {@code d ← α·g + (1−α)·d} [0.1]. */
        public double alpha = 0.1;
        /** Default radius ρ of a group [1]. */
        public double radius = 1.0;
        /** {@code true}: uSCG; {@code false}: SCG [true]. */
        public boolean unconstrained = true;
        /** NS schedule for the spectral LMO, or {@code null} for the exact polar factor [null]. */
        public Schedule schedule;
    }

    private final Options o;

    /**
     * A SCION optimizer (uSCG or SCG, see {@link Options#unconstrained}) over {@code groups}.
     *
     * @param ctx     the context the parameters live on
     * @param groups  the parameter groups; each group's {@link Role} selects its update rule
     * @param options the hyper-parameters ({@code null}: the defaults)
     */
    public Scion(Context ctx, List<ParamGroup> groups, Options options) {
        super(ctx, groups);
        this.o = options == null ? new Options() : options;
    }

    @Override
    public String name() {
        return o.unconstrained ? "scion" : "scion-scg";
    }

    /** The LMO SCION uses for parameter {@code i} of {@code g}. */
    Lmo lmoFor(ParamGroup g, int i) {
        if (g.isVector(i)) {
            return Lmo.of(Lmo.Norm.BIAS, g.layer());
        }
        if (g.lmo() != null) {
            return g.lmo();
        }
        switch (g.role()) {
            case EMBEDDING:
                return Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.INPUT);
            case OUTPUT:
                return Lmo.of(Lmo.Norm.SIGN, Lmo.Layer.OUTPUT);
            default:
                return o.schedule == null ? Lmo.of(Lmo.Norm.SPECTRAL, g.layer()) : Lmo.spectral(g.layer(), o.schedule);
        }
    }

    @Override
    void update(ParamGroup group, List<MatrixBatch> grads) {
        double gamma = lr(o.lr, group);
        double rho = group.radiusOr(o.radius);
        for (int i = 0; i < grads.size(); i++) {
            MatrixBatch p = group.params().get(i);
            MatrixBatch ds = slot(p, "scion.d");
            float[] d = host(ds);
            float[] g = host(grads.get(i));
            float a = (float) o.alpha;
            for (int j = 0; j < d.length; j++) {
                d[j] = a * g[j] + (1 - a) * d[j];                 // d ← α·g + (1−α)·d
            }
            store(ds, d);
            float[] l;
            try (MatrixBatch lb = ctx.lmo(lmoFor(group, i), ds)) {
                l = lb.toArray();
            }
            float[] w = host(p);
            float[] out = new float[w.length];
            double keep = o.unconstrained ? 1.0 : 1.0 - gamma;
            for (int j = 0; j < w.length; j++) {
                out[j] = (float) (keep * w[j] - gamma * rho * l[j]); // W ← (1−γ)W − γρ·lmo(d)  (or W − γρ·lmo(d))
            }
            store(p, out);
        }
    }
}
