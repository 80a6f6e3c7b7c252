package org.ortho4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/**
 * DDCAdam: Adam whose update is horizontal for the gauges each group declares (DDC, arXiv 2606.29176;
 * docs/algorithms.md §4, §5.4) and exactly equivariant under them: transforming the parameters by a gauge element,
 * stepping and transforming back gives the plain step (to float32 rounding). Per role:
 * <ul>
 * <li><b>MLP_PAIR</b> (scaling gauge), the "DDCAdam for scaling pairs" recipe of docs/algorithms.md §5.4. Unit i
 * has two blocks, {@code B₁ = [W_in row i, b_in[i]]} and {@code B₂ = W_out column i}; per block, with {@code ρ = ‖B‖}:
 * <pre>
 * ĝ = ⟨g, B⟩;  g_tan = g − (ĝ/ρ²)·B;  x = ρ·g_tan            # x is invariant under B → sB, g → g/s
 * m ← β₁m + (1−β₁)x;  v ← β₂v + (1−β₂)x²;  u = m̂/(√v̂ + eps);  u ← u − (⟨u,B⟩/ρ²)·B
 * scalar Adam on ĝ (invariant) gives s_B; the pair's log-norm step is made horizontal, the vertical direction
 * in (log ρ₁, log ρ₂) being (1, −1):  r = −lr·(s_B₁ + s_B₂)/2 − lr·wd
 * B ← e^r·B − lr·ρ·u
 * </pre>
 * A zero block (ρ = 0) is left to plain Adam on g.</li>
 * <li><b>OUTPUT</b> (logit shift): the Adam change of the head and bias, with weight decay acting on the
 * column-centred head and centred bias, then {@code ctx.gaugeLogitShift} (column means removed). The gradient of a
 * shift-invariant loss is unchanged by a shift, so the change is too.</li>
 * <li><b>ATTENTION</b> (rotation per head): elementwise Adam is not rotation-equivariant, so the second moment is
 * one scalar per head block (the mean of g² over head h's rows of W_Q, W_K, W_V and columns of W_O, as in
 * Adam-mini), which rotations leave unchanged; the first moment is elementwise (covariant). The change
 * {@code −lr·m̂/(√v̂_h + eps) − lr·wd·W} is then projected with {@code ctx.gaugeRotation} on (Q, K) with the
 * group's RoPE convention and on (V, O).</li>
 * <li>HIDDEN, EMBEDDING, BIAS_GAIN: AdamW (no gauge declared).</li>
 * </ul>
 * A matrix should belong to at most one scaling pair per side (true of transformer MLPs and residual MLPs).
 */
public final class DdcAdam extends BaseOptimizer {

    private final AdamW.Options o;

    /**
     * A DDCAdam optimizer over {@code groups}.
     *
     * @param ctx     the context the parameters live on
     * @param groups  the parameter groups; each group's {@link Role} selects its gauge
     * @param options Adam's hyper-parameters, shared with {@link AdamW} ({@code null}: the defaults)
     */
    public DdcAdam(Context ctx, List<ParamGroup> groups, AdamW.Options options) {
        super(ctx, groups);
        this.o = options == null ? new AdamW.Options() : options;
    }

    @Override
    public String name() {
        return "ddcadam";
    }

    @Override
    void update(ParamGroup group, List<MatrixBatch> grads) {
        double lr = lr(o.lr, group);
        double wd = group.weightDecayOr(o.weightDecay);
        switch (group.role()) {
            case MLP_PAIR:
                scalingPair(group, grads, lr, wd);
                break;
            case OUTPUT:
                output(group, grads, lr, wd);
                break;
            case ATTENTION:
                attention(group, grads, lr, wd);
                break;
            default:
                for (int i = 0; i < grads.size(); i++) {
                    MatrixBatch p = group.params().get(i);
                    float[] w = host(p);
                    apply(p, w, adamWDelta(p, w, host(grads.get(i)), lr, o.beta1, o.beta2, o.eps, wd));
                }
        }
    }

    // ---------------------------------------------------------------- scaling pairs

    private void scalingPair(ParamGroup group, List<MatrixBatch> grads, double lr, double wd) {
        MatrixBatch in = group.params().get(0);
        MatrixBatch out = group.params().get(1);
        boolean hasBias = group.params().size() == 3;
        int nb = in.batch();
        int k = in.rows();
        int d1 = in.cols();
        int d2 = out.rows();
        float[] w1 = Gauges.joinBias(host(in), hasBias ? host(group.params().get(2)) : null, nb, k, d1);
        float[] g1 = Gauges.joinBias(host(grads.get(0)), hasBias ? host(grads.get(2)) : null, nb, k, d1);
        float[] w2 = host(out);
        float[] g2 = host(grads.get(1));
        int c1 = d1 + (hasBias ? 1 : 0);
        MatrixBatch m1s = slot(in, "ddc.m", nb, k, c1);
        MatrixBatch v1s = slot(in, "ddc.v", nb, k, c1);
        MatrixBatch m2s = slot(out, "ddc.m");
        MatrixBatch v2s = slot(out, "ddc.v");
        float[] m1 = host(m1s), v1 = host(v1s), m2 = host(m2s), v2 = host(v2s);
        double[] sc = scalars(group.name() + "/ddc.scalar", nb * k * 4); // per unit: m̂ and v̂ of ĝ for B₁ and B₂
        double bc1 = 1 - Math.pow(o.beta1, step);
        double bc2 = 1 - Math.pow(o.beta2, step);
        float[] n1 = new float[w1.length];
        float[] n2 = new float[w2.length];
        double[] b1 = new double[c1], gb1 = new double[c1], u1 = new double[c1];
        double[] b2 = new double[d2], gb2 = new double[d2], u2 = new double[d2];
        int[] idx1 = new int[c1], idx2 = new int[d2];
        for (int m = 0; m < nb; m++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < c1; j++) {
                    idx1[j] = (m * k + i) * c1 + j;                 // row i of [W_in | b]
                }
                for (int r = 0; r < d2; r++) {
                    idx2[r] = (m * d2 + r) * k + i;                 // column i of W_out
                }
                int u = (m * k + i) * 4;
                double s1 = block(w1, g1, m1, v1, idx1, b1, gb1, u1, sc, u, bc1, bc2);
                double s2 = block(w2, g2, m2, v2, idx2, b2, gb2, u2, sc, u + 2, bc1, bc2);
                double rho1 = norm(b1), rho2 = norm(b2);
                double r = -lr * 0.5 * (s1 + s2) - lr * wd;           // horizontal log-norm step
                double e = Math.exp(r);
                for (int j = 0; j < c1; j++) {
                    n1[idx1[j]] = (float) (rho1 > 0 ? e * b1[j] - lr * rho1 * u1[j] : b1[j] - lr * u1[j] - lr * wd * b1[j]);
                }
                for (int j = 0; j < d2; j++) {
                    n2[idx2[j]] = (float) (rho2 > 0 ? e * b2[j] - lr * rho2 * u2[j] : b2[j] - lr * u2[j] - lr * wd * b2[j]);
                }
            }
        }
        store(m1s, m1);
        store(v1s, v1);
        store(m2s, m2);
        store(v2s, v2);
        float[] wi = new float[nb * k * d1];
        float[] bi = hasBias ? new float[nb * k] : null;
        Gauges.splitBias(n1, wi, bi, nb, k, d1);
        store(in, wi);
        if (hasBias) {
            store(group.params().get(2), bi);
        }
        store(out, n2);
    }

    /**
     * One block of the scaling recipe: gathers {@code B} and {@code g} at {@code idx}, updates the moments of
     * {@code x = ρ·g_tan} and of {@code ĝ} (at {@code sc[s]}, {@code sc[s+1]}), writes the re-projected Adam
     * direction into {@code u} and returns the scalar Adam step {@code s_B} of the log-norm (0 when ρ = 0).
     */
    private double block(float[] w, float[] g, float[] m, float[] v, int[] idx, double[] b, double[] gb, double[] u,
                         double[] sc, int s, double bc1, double bc2) {
        int n = idx.length;
        double rho2 = 0, ghat = 0;
        for (int j = 0; j < n; j++) {
            b[j] = w[idx[j]];
            gb[j] = g[idx[j]];
            rho2 += b[j] * b[j];                                       // ρ² = ‖B‖²
            ghat += gb[j] * b[j];                                      // ĝ = ⟨g, B⟩
        }
        double rho = Math.sqrt(rho2);
        for (int j = 0; j < n; j++) {
            double x = rho > 0 ? rho * (gb[j] - ghat / rho2 * b[j]) : gb[j]; // x = ρ·(g − (ĝ/ρ²)B)
            int t = idx[j];
            m[t] = (float) (o.beta1 * m[t] + (1 - o.beta1) * x);
            v[t] = (float) (o.beta2 * v[t] + (1 - o.beta2) * x * x);
            u[j] = (m[t] / bc1) / (Math.sqrt(v[t] / bc2) + o.eps);   // u = m̂/(√v̂ + eps)
        }
        if (rho == 0) {
            return 0;
        }
        double ub = 0;
        for (int j = 0; j < n; j++) {
            ub += u[j] * b[j];
        }
        for (int j = 0; j < n; j++) {
            u[j] -= ub / rho2 * b[j];                                  // u ← u − (⟨u,B⟩/ρ²)B
        }
        sc[s] = o.beta1 * sc[s] + (1 - o.beta1) * ghat;
        sc[s + 1] = o.beta2 * sc[s + 1] + (1 - o.beta2) * ghat * ghat;
        return (sc[s] / bc1) / (Math.sqrt(sc[s + 1] / bc2) + o.eps); // scalar Adam on ĝ
    }

    private static double norm(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    // ---------------------------------------------------------------- output head

    private void output(ParamGroup group, List<MatrixBatch> grads, double lr, double wd) {
        List<float[]> ws = new ArrayList<>();
        List<float[]> ds = new ArrayList<>();
        for (int i = 0; i < grads.size(); i++) {
            MatrixBatch p = group.params().get(i);
            float[] w = host(p);
            float[] d = adamWDelta(p, w, host(grads.get(i)), lr, o.beta1, o.beta2, o.eps, 0.0);
            // weight decay on the shift-invariant (centred) part only: Δ −= lr·wd·(W − mean over the vocabulary)
            float[] c = i == 0 ? centreColumns(w, p.batch(), p.rows(), p.cols()) : centreColumns(w, p.batch(), p.cols(), 1);
            for (int j = 0; j < d.length; j++) {
                d[j] -= (float) (lr * wd * c[j]);
            }
            ws.add(w);
            ds.add(d);
        }
        Gauges.project(ctx, group, ws, ds);
        for (int i = 0; i < ws.size(); i++) {
            apply(group.params().get(i), ws.get(i), ds.get(i));
        }
    }

    /** Each column of each {@code rows × cols} matrix minus its mean. */
    static float[] centreColumns(float[] a, int nb, int rows, int cols) {
        float[] out = new float[a.length];
        for (int m = 0; m < nb; m++) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int i = 0; i < rows; i++) {
                    s += a[(m * rows + i) * cols + j];
                }
                double mean = s / rows;
                for (int i = 0; i < rows; i++) {
                    out[(m * rows + i) * cols + j] = (float) (a[(m * rows + i) * cols + j] - mean);
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- attention

    private void attention(ParamGroup group, List<MatrixBatch> grads, double lr, double wd) {
        int heads = group.heads();
        int kv = group.kvHeads();
        int d = group.params().get(0).rows() / heads;
        double bc1 = 1 - Math.pow(o.beta1, step);
        double bc2 = 1 - Math.pow(o.beta2, step);
        List<float[]> ws = new ArrayList<>();
        List<float[]> ds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            MatrixBatch p = group.params().get(i);
            int nb = p.batch();
            boolean columns = i == 3;                                    // W_O: head blocks are column blocks
            int nh = i == 0 || i == 3 ? heads : kv;
            float[] w = host(p);
            float[] g = host(grads.get(i));
            MatrixBatch ms = slot(p, "ddc.m");
            float[] m = host(ms);
            double[] v = scalars(group.name() + "/ddc.v" + i, nb * nh);
            float[] delta = new float[w.length];
            int rows = p.rows(), cols = p.cols();
            for (int b = 0; b < nb; b++) {
                for (int h = 0; h < nh; h++) {
                    int r0 = columns ? 0 : h * d, r1 = columns ? rows : (h + 1) * d;
                    int c0 = columns ? h * d : 0, c1 = columns ? (h + 1) * d : cols;
                    double sq = 0;
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            int t = (b * rows + r) * cols + c;
                            m[t] = (float) (o.beta1 * m[t] + (1 - o.beta1) * g[t]);
                            sq += (double) g[t] * g[t];
                        }
                    }
                    int vi = b * nh + h;
                    v[vi] = o.beta2 * v[vi] + (1 - o.beta2) * sq / ((r1 - r0) * (c1 - c0)); // v_h: mean g² of the block
                    double den = Math.sqrt(v[vi] / bc2) + o.eps;
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            int t = (b * rows + r) * cols + c;
                            delta[t] = (float) (-lr * (m[t] / bc1) / den - lr * wd * w[t]);
                        }
                    }
                }
            }
            store(ms, m);
            ws.add(w);
            ds.add(delta);
        }
        Gauges.project(ctx, group, ws, ds);
        for (int i = 0; i < 4; i++) {
            apply(group.params().get(i), ws.get(i), ds.get(i));
        }
    }
}
