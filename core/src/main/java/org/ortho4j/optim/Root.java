package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * ROOT (He et al. 2025, arXiv 2511.20626; huawei-noah ROOT {@code example_train.py}; docs/algorithms.md §3, §5.3) on the
 * weight matrices of HIDDEN, ATTENTION and MLP_PAIR groups, AdamW (same lr, same weight decay) on the rest:
 * <pre>
 * buf ← μ·buf + g;  M = g + μ·buf (Nesterov)            # μ = 0.95
 * ε = quantile(|M|, 0.9) + 1e-9;  O = sign(M)·max(|M| − ε, 0);  B = M − O     # ctx.momentumSoftThreshold
 * W ← W − lr·wd·W − lr·0.2·√max(m, n)·NS_shape(B)      # Schedule.root(): AdaNewton per shape, Muon's elsewhere
 * other parameters:  W ← W − lr·wd·W − lr·m̂/(√v̂ + eps/√(1−β₂ᵗ))   # the reference's AdamW ({@link AdamEps#ROOT})
 * </pre>
 * with {@code lr = }{@link Options#lr}{@code ·}{@link ParamGroup#lrScale()}{@code ·}{@link #learningRateScale()}.
 * The outlier part {@code O} is dropped, as in the reference code ({@code u = root5(b)}; {@code o} is not used
 * again): the soft-threshold is a proximal step that removes the heavy tail from the orthogonalised direction.
 * The scale {@code 0.2·√max(m, n)} is Moonlight's, which the reference quotes as "original ROOT".
 *
 * <h2>Defaults</h2>
 * Every default is the reference's: huawei-noah/noah-research {@code ROOT/examples/example_train.py} at commit
 * {@code aea3c60d37f8c578f3b5e2594b3bd0cfb8755578} ({@code ROOT.__init__}, {@code ROOT.step}, {@code root5},
 * {@code simple_quantile}):
 * <table>
 * <caption>ROOT's options: ortho4j's default and the reference's</caption>
 * <tr><th>option</th><th>ortho4j</th><th>reference</th></tr>
 * <tr><td>{@link Options#lr}</td><td>1e-3</td><td>{@code lr=1e-3}</td></tr>
 * <tr><td>{@link Options#weightDecay}</td><td>0.1 (all parameters)</td><td>{@code wd=0.1}</td></tr>
 * <tr><td>{@link Options#momentum}</td><td>0.95</td><td>{@code momentum=0.95}</td></tr>
 * <tr><td>{@link Options#nesterov}</td><td>true</td><td>{@code nesterov=True}</td></tr>
 * <tr><td>{@link Options#quantile}</td><td>0.9</td><td>{@code simple_quantile(g.abs(), 0.9) + 1e-9}</td></tr>
 * <tr><td>{@link Options#schedule}</td><td>{@link Schedule#root()}: 4 shapes, Muon's triple elsewhere, 5 steps</td>
 *     <td>{@code COEFF_MAP_CANONICAL}, {@code root_steps=5}</td></tr>
 * <tr><td>{@link Options#precision}</td><td>FP32</td><td>{@code root5} runs in the gradient's dtype, fp32</td></tr>
 * <tr><td>{@link Options#adamBeta1}, {@link Options#adamBeta2}</td><td>0.9, 0.95</td><td>{@code adamw_betas=(0.9, 0.95)}</td></tr>
 * <tr><td>{@link Options#adamEps}</td><td>1e-8</td><td>{@code adamw_eps=1e-8}</td></tr>
 * <tr><td>{@link Options#adamEpsForm}</td><td>{@link AdamEps#ROOT}</td><td>{@code buf1/(eps + buf2.sqrt())},
 *     stepped by {@code lr/(bc₁/√bc₂)}</td></tr>
 * </table>
 */
public final class Root extends BaseOptimizer {

    /** Where the inner AdamW adds eps. */
    public enum AdamEps {
        /**
         * To {@code √v} before the bias correction, {@code m̂/(√v̂ + eps/√(1−β₂ᵗ))}: the ROOT reference's
         * {@code buf1/(eps + buf2.sqrt())} stepped by {@code lr·√(1−β₂ᵗ)/(1−β₁ᵗ)} (the reordering that Kingma &amp; Ba
         * note at the end of §2 of the Adam paper, with their ε̂ = eps).
         */
        ROOT,
        /** To the bias-corrected {@code √v̂}, {@code m̂/(√v̂ + eps)}: torch.optim.AdamW, and {@link AdamW} here. */
        TORCH
    }

    /** Hyper-parameters (defaults in brackets, all the reference's: see the class comment). */
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
        /** Operand precision of the NS products [FP32, as the reference]. */
        public Precision precision = Precision.FP32;
        /** Decoupled weight decay {@code W ← W − lr·wd·W}, all parameters [0.1, as the reference]. */
        public double weightDecay = 0.1;
        /** β₁ of the AdamW inside [0.9]. */
        public double adamBeta1 = 0.9;
        /** β₂ of the AdamW inside [0.95]. */
        public double adamBeta2 = 0.95;
        /** eps of the AdamW inside [1e-8]. */
        public double adamEps = 1e-8;
        /** Where the AdamW inside adds eps [{@link AdamEps#ROOT}, as the reference]. */
        public AdamEps adamEpsForm = AdamEps.ROOT;
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
                apply(p, w, adamWDelta(p, w, host(grads.get(i)), lr, o.adamBeta1, o.adamBeta2, o.adamEps, wd,
                        o.adamEpsForm == AdamEps.ROOT));
                continue;
            }
            MatrixBatch buf = slot(p, "root.buf");
            float[] x;
            try (MatrixBatch base = ctx.allocate(p.batch(), p.rows(), p.cols());
                 MatrixBatch outlier = ctx.allocate(p.batch(), p.rows(), p.cols())) {
                ctx.momentumSoftThreshold(grads.get(i), buf, o.momentum, o.nesterov, o.quantile, base, outlier);
                ctx.newtonSchulz(base, o.schedule, o.precision, base);
                x = base.toArray();                                       // NS_shape(B); O is dropped
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
