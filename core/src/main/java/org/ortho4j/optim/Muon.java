package org.ortho4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * Muon (KellerJordan/Muon {@code muon.py}; Moonlight's scaling as an option) on the weight matrices of HIDDEN,
 * ATTENTION and MLP_PAIR groups; AdamW on embeddings, output heads, biases and gains, inside the same optimizer
 * (the reference's {@code SingleDeviceMuonWithAuxAdam}). Per matrix:
 * <pre>
 * buf ← β·buf + (1−β)·g                          # momentum.lerp_(grad, 1 − β), β = 0.95
 * u   = (1−β)·g + β·buf   (Nesterov)  or  buf   # grad.lerp_(momentum, β)
 * X   = NS(u)                                    # ctx.newtonSchulz: Muon's schedule, bf16 operands by default
 * W   ← W − lr·wd·W − lr·s·X,   s = max(1, m/n)^½ (KELLER)  or  0.2·√max(m, n) (MOONLIGHT, matches AdamW's RMS)
 * </pre>
 * and for the other parameters the reference's {@code adam_update}, {@code W ← W − lr·wd·W − lr·m̂/(√v̂ + eps)}
 * (eps added to the bias-corrected {@code √v̂}, as torch's AdamW). Each matrix of a batch is orthogonalised on its
 * own (ATTENTION's Q, K, V, O as whole matrices, as Muon does). Every learning rate is multiplied by the group's
 * {@link ParamGroup#lrScale()} and by {@link #learningRateScale()}.
 *
 * <h2>Defaults</h2>
 * Every default is the reference's (DDCMuon's precision excepted, see {@link DdcMuon}): KellerJordan/Muon {@code muon.py} at commit
 * {@code 00ba60d3a0d188993831f86e4d62597bb0e9b21c} ({@code SingleDeviceMuonWithAuxAdam}, {@code muon_update},
 * {@code zeropower_via_newtonschulz5}, {@code adam_update}):
 * <table>
 * <caption>Muon's options: ortho4j's default and the reference's</caption>
 * <tr><th>option</th><th>ortho4j</th><th>reference</th></tr>
 * <tr><td>{@link Options#lr}</td><td>0.02</td><td>{@code lr=0.02}</td></tr>
 * <tr><td>{@link Options#momentum}</td><td>0.95</td><td>{@code momentum=0.95}</td></tr>
 * <tr><td>{@link Options#nesterov}</td><td>true</td><td>{@code nesterov=True}</td></tr>
 * <tr><td>{@link Options#schedule}</td><td>Muon's (3.4445, −4.7750, 2.0315), 5 steps, {@code X/(‖X‖+1e-7)}</td>
 *     <td>the same ({@code ns_steps=5})</td></tr>
 * <tr><td>{@link Options#precision}</td><td>BF16 ({@link DdcMuon}: FP32)</td><td>{@code X = G.bfloat16()}</td></tr>
 * <tr><td>{@link Options#scale}</td><td>KELLER, {@code max(1, m/n)^½}</td><td>the same</td></tr>
 * <tr><td>{@link Options#weightDecay}</td><td>0</td><td>{@code weight_decay=0}</td></tr>
 * <tr><td>{@link Options#adamLr}</td><td>3e-4</td><td>{@code lr=3e-4}</td></tr>
 * <tr><td>{@link Options#adamBeta1}, {@link Options#adamBeta2}</td><td>0.9, 0.95</td><td>{@code betas=(0.9, 0.95)}</td></tr>
 * <tr><td>{@link Options#adamEps}</td><td>1e-10</td><td>{@code eps=1e-10}</td></tr>
 * <tr><td>{@link Options#adamWeightDecay}</td><td>0</td><td>{@code weight_decay=0}</td></tr>
 * </table>
 * BF16 here is the CPU backend's emulation of tensor-core products (each product operand rounded to bf16, sums and
 * storage in float32, {@link Precision}); the reference's torch code also stores A, B and X in bf16 between the
 * products, so the two agree to bf16 rounding, not bit for bit. {@link Precision#FP32} gives the fp32 iteration.
 */
public class Muon extends BaseOptimizer {

    /** How the orthogonalised update is scaled. */
    public enum Scale {
        /** {@code max(1, rows/cols)^½} (KellerJordan/Muon). */
        KELLER,
        /** {@code 0.2·√max(rows, cols)}, so the update RMS matches AdamW's and one lr serves both (Moonlight). */
        MOONLIGHT
    }

    /** Hyper-parameters (defaults in brackets, all the reference's: see the class comment). */
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
        /**
         * Operand precision of the NS products, or {@code null} for the optimizer's default [null: BF16 for
         * {@link Muon}, as the reference's {@code G.bfloat16()}; FP32 for {@link DdcMuon}, whose rotation
         * equivariance is exact only in fp32].
         */
        public Precision precision;
        /** How the orthogonalised update is scaled [KELLER]. */
        public Scale scale = Scale.KELLER;
        /** Decoupled weight decay of the Muon matrices [0]. */
        public double weightDecay = 0.0;
        /** Learning rate of the AdamW inside, for the other parameters [3e-4]. */
        public double adamLr = 3e-4;
        /** β₁ of the AdamW inside [0.9]. */
        public double adamBeta1 = 0.9;
        /** β₂ of the AdamW inside [0.95]. */
        public double adamBeta2 = 0.95;
        /** eps of the AdamW inside, added to the bias-corrected {@code √v̂} [1e-10]. */
        public double adamEps = 1e-10;
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

    /**
     * The operand precision of the NS products this optimizer uses.
     *
     * @return {@link Options#precision}, or when that is {@code null} the optimizer's default (BF16 here)
     */
    public Precision precision() {
        return o.precision != null ? o.precision : defaultPrecision();
    }

    /** The precision when {@link Options#precision} is {@code null}: the reference's bf16. */
    Precision defaultPrecision() {
        return Precision.BF16;
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
        try (MatrixBatch ub = temp(u, p.batch(), p.rows(), p.cols())) {
            ctx.newtonSchulz(ub, o.schedule, precision(), ub);
            x = ub.toArray();                                                // X = NS(u)
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
