package org.ortho4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Schedule;

/**
 * Muon (KellerJordan/Muon {@code muon.py}; Moonlight's scaling as an option) on the weight matrices of HIDDEN,
 * ATTENTION and MLP_PAIR groups; AdamW on embeddings, output heads, biases and gains, inside the same optimizer.
 * Per matrix:
 * <pre>
 * buf ← β·buf + (1−β)·g                          # momentum.lerp_(grad, 1 − β), β = 0.95
 * u   = (1−β)·g + β·buf   (Nesterov)  or  buf   # grad.lerp_(momentum, β)
 * X   = NS(u)                                    # ctx.newtonSchulz, Muon's schedule by default
 * W   ← W − lr·wd·W − lr·s·X,   s = max(1, m/n)^½ (KELLER)  or  0.2·√max(m, n) (MOONLIGHT, matches AdamW's RMS)
 * </pre>
 * Each matrix of a batch is orthogonalised on its own (ATTENTION's Q, K, V, O as whole matrices, as Muon does).
 */
public class Muon extends BaseOptimizer {

    /** How the orthogonalised update is scaled. */
    public enum Scale {
        /** {@code max(1, rows/cols)^½} (KellerJordan/Muon). */
        KELLER,
        /** {@code 0.2·√max(rows, cols)}, so the update RMS matches AdamW's and one lr serves both (Moonlight). */
        MOONLIGHT
    }

    /** Hyper-parameters (defaults in brackets). */
    public static final class Options {
        /** The defaults; set the fields to change them. */
        public Options() {
        }

        /** Learning rate of the Muon matrices [0.02]. */
        public double lr = 0.02;
        /** Momentum β [0.95]. */
        public double momentum = 0.95;
        /** Nesterov momentum: orthogonalise {@code (1−β)·g + β·buf} rather than {@code buf} [true]. */
        public boolean nesterov = true;
        /** NS schedule [Muon's: 5 steps of (3.4445, −4.7750, 2.0315)]. */
        public Schedule schedule = Schedule.muon();
        /** How the orthogonalised update is scaled [KELLER]. */
        public Scale scale = Scale.KELLER;
        /** Decoupled weight decay of the Muon matrices [0]. */
        public double weightDecay = 0.0;
        /** The AdamW inside, for the other parameters. */
        public double adamLr = 3e-3;
        /** β₁ of the AdamW inside [0.9]. */
        public double adamBeta1 = 0.9;
        /** β₂ of the AdamW inside [0.95]. */
        public double adamBeta2 = 0.95;
        /** eps of the AdamW inside [1e-8]. */
        public double adamEps = 1e-8;
        /** Decoupled weight decay of the AdamW inside [0]. */
        public double adamWeightDecay = 0.0;
    }

    final Options o;

    /**
     * A Muon optimizer over {@code groups}.
     *
     * @param ctx     the context the parameters live on
     * @param groups  the parameter groups; each group's {@link Role} selects its update rule
     * @param options the hyper-parameters ({@code null}: the defaults)
     */
    public Muon(Context ctx, List<ParamGroup> groups, Options options) {
        super(ctx, groups);
        this.o = options == null ? new Options() : options;
    }

    @Override
    public String name() {
        return "muon";
    }

    /** Whether parameter {@code i} of {@code g} is updated as a matrix (Muon) rather than by AdamW. */
    static boolean isMatrix(ParamGroup g, int i) {
        Role r = g.role();
        return !g.isVector(i) && (r == Role.HIDDEN || r == Role.ATTENTION || r == Role.MLP_PAIR);
    }

    @Override
    void update(ParamGroup group, List<MatrixBatch> grads) {
        List<float[]> ws = new ArrayList<>();
        List<float[]> ds = new ArrayList<>();
        for (int i = 0; i < grads.size(); i++) {
            MatrixBatch p = group.params().get(i);
            float[] w = host(p);
            ws.add(w);
            if (isMatrix(group, i)) {
                ds.add(muonDelta(p, w, host(grads.get(i)), lr(o.lr, group), group.weightDecayOr(o.weightDecay)));
            } else {
                ds.add(adamWDelta(p, w, host(grads.get(i)), lr(o.adamLr, group), o.adamBeta1, o.adamBeta2, o.adamEps,
                        group.weightDecayOr(o.adamWeightDecay)));
            }
        }
        finish(group, ws, ds);
        for (int i = 0; i < ws.size(); i++) {
            apply(group.params().get(i), ws.get(i), ds.get(i));
        }
    }

    /** Hook between computing and applying the changes; DDCMuon projects them here. */
    void finish(ParamGroup group, List<float[]> w, List<float[]> delta) {
    }

    /** The Muon change of one matrix batch (not applied); updates the momentum slot. */
    float[] muonDelta(MatrixBatch p, float[] w, float[] g, double lr, double wd) {
        MatrixBatch bs = slot(p, "muon.buf");
        float[] buf = host(bs);
        float beta = (float) o.momentum;
        float[] u = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            buf[i] = beta * buf[i] + (1 - beta) * g[i];                    // buf ← β·buf + (1−β)·g
            u[i] = o.nesterov ? (1 - beta) * g[i] + beta * buf[i] : buf[i]; // Nesterov: g.lerp(buf, β)
        }
        store(bs, buf);
        float[] x;
        try (MatrixBatch ub = temp(u, p.batch(), p.rows(), p.cols());
             MatrixBatch xb = ctx.newtonSchulz(ub, o.schedule)) {
            x = xb.toArray();                                                // X = NS(u)
        }
        double s = scale(o.scale, p.rows(), p.cols());
        float[] d = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            d[i] = (float) (-lr * wd * w[i] - lr * s * x[i]);               // W ← W − lr·wd·W − lr·s·X
        }
        return d;
    }

    /**
     * The update scale of an {@code m × n} matrix.
     *
     * @param scale the rule
     * @param m     rows
     * @param n     columns
     * @return {@code max(1, m/n)^½} (KELLER) or {@code 0.2·√max(m, n)} (MOONLIGHT)
     */
    public static double scale(Scale scale, int m, int n) {
        return scale == Scale.KELLER ? Math.sqrt(Math.max(1.0, (double) m / n)) : 0.2 * Math.sqrt(Math.max(m, n));
    }
}
