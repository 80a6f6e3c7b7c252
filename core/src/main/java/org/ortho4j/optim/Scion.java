package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * SCION and its unconstrained variant (Pethick et al. 2025, arXiv 2502.07529; LIONS-EPFL/scion {@code scion.py};
 * docs/algorithms.md §2.2 and §5.2) on every parameter, each with its layer's LMO and radius ρ:
 * <pre>
 * d ← α·g + (1−α)·d                        # buf.mul_(1 − momentum).add_(g, alpha=momentum), α = momentum
 * W ← W − γ·ρ·lmo(d)                        # uSCG (unconstrained)
 * W ← (1−γ)·W − γ·ρ·lmo(d)                  # SCG (constrained: W stays in the ρ-ball of the layer norm)
 * </pre>
 * with {@code γ = lr·}{@link ParamGroup#lrScale()}{@code ·}{@link #learningRateScale()}.
 *
 * <h2>Which LMO, on which axis</h2>
 * The LMO of a group is {@link ParamGroup#lmo()} when set, else by role: HIDDEN, ATTENTION and MLP_PAIR matrices
 * SPECTRAL at the group's layer position, EMBEDDING COLNORM (input), OUTPUT SIGN (output), vectors BIAS. Every LMO
 * reads its matrix in {@link Lmo}'s convention, rows = outputs. An EMBEDDING table is stored {@code vocab × width}
 * ({@link ParamGroup#embedding}), the transpose of the layer's {@code width × vocab} matrix (one column per token),
 * so SCION applies the LMO to the transposed table and transposes the result back: COLNORM (input) then
 * normalises each token's row of the table to RMS 1, {@code d_t / (‖d_t‖₂/√width + 1e-8)}, independently of the
 * other tokens, as the reference prescribes for embedding tables stored {@code (vocab, dim)}
 * ({@code ColNorm(transpose=True)}; likewise {@code RowNorm(transpose=True)}). Every other role is stored in the
 * convention already and is used as stored.
 *
 * <p>The spectral LMO uses the exact polar factor ({@code ctx.lmo}: U Vᵀ from an SVD) unless
 * {@link Options#schedule} (or the group's {@link Lmo#spectral(Lmo.Layer, Schedule)}) names a Newton–Schulz schedule,
 * which then runs with {@link Options#precision} ({@code ctx.newtonSchulz}) and is scaled by
 * {@link Lmo#spectralScale}, as the reference code does with Muon's iteration in bf16. The radius is
 * {@link ParamGroup#radiusOr(double)}.
 *
 * <h2>Defaults</h2>
 * Beside the reference, LIONS-EPFL/scion {@code scion.py} at commit {@code a86f93e67d052068cc83f769ad0b833c867280fc}
 * ({@code Scion.__init__}, the norms' {@code lmo}, {@code zeropower_via_newtonschulz5}):
 * <table>
 * <caption>SCION's options: ortho4j's default and the reference's</caption>
 * <tr><th>option</th><th>ortho4j</th><th>reference</th><th>agreement</th></tr>
 * <tr><td>{@link Options#lr} (γ)</td><td>1e-3</td><td>{@code lr=1e-3}</td><td>same</td></tr>
 * <tr><td>{@link Options#alpha}</td><td>0.1</td><td>{@code momentum=1.0}</td><td>differs (1)</td></tr>
 * <tr><td>{@link Options#radius} (ρ)</td><td>1</td><td>{@code scale=1.0}</td><td>same</td></tr>
 * <tr><td>{@link Options#unconstrained}</td><td>true (uSCG)</td><td>{@code unconstrained=False} (SCG)</td>
 *     <td>differs (2)</td></tr>
 * <tr><td>{@link Options#schedule}</td><td>none: exact polar factor</td><td>Muon's NS, 5 steps</td>
 *     <td>differs (3)</td></tr>
 * <tr><td>{@link Options#precision}</td><td>BF16 (with a schedule)</td><td>{@code X = G.bfloat16()}</td><td>same</td></tr>
 * <tr><td>LMO of hidden matrices</td><td>SPECTRAL {@code √(d_out/d_in)·polar}</td><td>{@code Spectral()}</td><td>same</td></tr>
 * <tr><td>LMO of an input-layer matrix</td><td>SPECTRAL {@code max(1, √(d_out/d_in))·polar}</td>
 *     <td>{@code Spectral(max=True)} (README, MLP example)</td><td>same</td></tr>
 * <tr><td>LMO of an embedding table</td><td>COLNORM (input) of the transposed table</td>
 *     <td>{@code ColNorm(transpose=True)}</td><td>same</td></tr>
 * <tr><td>LMO of the output head</td><td>SIGN {@code sign(d)/d_in}</td><td>{@code Sign(normalized=True)}</td><td>same</td></tr>
 * <tr><td>LMO of biases and gains</td><td>BIAS {@code d/(RMS(d)+1e-8)}</td><td>{@code BiasRMS()}</td><td>same</td></tr>
 * </table>
 * (1) {@code momentum=1.0} turns the averaging off ({@code d = g}); the reference's README calls 0.1 "a good
 * default" and every configuration it shows uses 0.1 or 0.5, which is the setting of the paper's experiments.
 * (2) uSCG needs no radius matched to the initialisation (SCG's {@code (1−γ)·W} pulls every layer into its ρ-ball,
 * so ρ must fit the scale the model was initialised at), and {@code ortho4j train} is tuned with it; set
 * {@code unconstrained = false} for the reference's SCG. (3) The LMO the paper defines is the exact polar factor; the
 * reference approximates it with Muon's iteration, which does not converge to it (singular values land in about
 * [0.68, 1.13]); set {@code schedule = Schedule.muon()} for the reference's.
 */
public final class Scion extends BaseOptimizer {

    /** Hyper-parameters (defaults in brackets; the class comment puts them beside the reference's). */
    public static final class Options {
        /** The defaults; set the fields to change them. */
        public Options() {
        }

        /** Step size γ [1e-3; reference 1e-3]. */
        public double lr = 1e-3;
        /** Momentum weight α in {@code d ← α·g + (1−α)·d} (the reference's {@code momentum}) [0.1; reference 1.0]. */
        public double alpha = 0.1;
        /** Default radius ρ of a group (the reference's {@code scale}) [1; reference 1.0]. */
        public double radius = 1.0;
        /** {@code true}: uSCG; {@code false}: SCG [true; reference SCG]. */
        public boolean unconstrained = true;
        /** NS schedule for the spectral LMO, or {@code null} for the exact polar factor [null; reference Muon's NS]. */
        public Schedule schedule;
        /** Operand precision of the NS products when the spectral LMO uses a schedule [BF16; reference bf16]. */
        public Precision precision = Precision.BF16;
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

    /**
     * Whether parameter {@code i} of {@code g} is stored as the transpose of its layer's matrix in {@link Lmo}'s
     * convention (rows = outputs): an embedding table, {@code vocab × width}.
     */
    static boolean storedTransposed(ParamGroup g, int i) {
        return g.role() == Role.EMBEDDING && !g.isVector(i);
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
            if (storedTransposed(group, i)) {
                // lmo on the layer's matrix (width × vocab), transposed back to the table's layout
                try (MatrixBatch dt = temp(transpose(d, p.batch(), p.rows(), p.cols()), p.batch(), p.cols(), p.rows())) {
                    l = transpose(lmo(lmoFor(group, i), dt), p.batch(), p.cols(), p.rows());
                }
            } else {
                l = lmo(lmoFor(group, i), ds);
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

    /** {@code lmo(d)} on the host; a spectral LMO with a schedule runs NS at {@link Options#precision}. */
    private float[] lmo(Lmo lmo, MatrixBatch d) {
        if (lmo.norm() == Lmo.Norm.SPECTRAL && lmo.schedule() != null) {
            float[] x;
            try (MatrixBatch xb = ctx.allocate(d.batch(), d.rows(), d.cols())) {
                ctx.newtonSchulz(d, lmo.schedule(), o.precision, xb);
                x = xb.toArray();                                  // NS(d)
            }
            float s = (float) Lmo.spectralScale(lmo.layer(), d.rows(), d.cols());
            for (int j = 0; j < x.length; j++) {
                x[j] *= s;                                         // √(m/n)·NS(d)  (input layer: max(1, √(m/n)))
            }
            return x;
        }
        try (MatrixBatch lb = ctx.lmo(lmo, d)) {
            return lb.toArray();
        }
    }

    /** The transpose of each {@code rows × cols} matrix of a batch. */
    static float[] transpose(float[] a, int batch, int rows, int cols) {
        float[] t = new float[a.length];
        int size = rows * cols;
        for (int b = 0; b < batch; b++) {
            int off = b * size;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    t[off + j * rows + i] = a[off + i * cols + j];
                }
            }
        }
        return t;
    }
}
