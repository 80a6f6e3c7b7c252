package org.ortho4j.optim;

import org.ortho4j.testing.BackendContract;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.RotationGauge;
import org.ortho4j.testing.TestMatrices;

/**
 * The equivariance test of the issue: transform the parameters by a random gauge element, take steps (gradients
 * at the transformed parameters), transform back, and compare with the steps taken from the original parameters.
 * DDCAdam must agree to float32 rounding under the scaling and logit-shift gauges of {@link ResidualMlp} and under
 * per-head rotations of an attention layer; DDCMuon under rotations; plain AdamW must fail the same test.
 */
public abstract class DdcEquivarianceContract extends BackendContract {

    static final int STEPS = 3;
    /** float32 rounding of gradients recomputed at transformed weights, through a few Adam steps. */
    static final double EQUIVARIANT = 2e-4;
    /** What a non-equivariant optimizer must exceed (its differences are of the order of the update itself). */
    static final double NOT_EQUIVARIANT = 1e-2;

    // ---------------------------------------------------------------- scaling pairs + logit shift (ResidualMlp)

    /** Largest relative difference (per parameter) between the plain and the gauge-transformed run. */
    double mlpGaugeGap(BiFunction<Context, List<ParamGroup>, Optimizer> make, long seed) {
        Digits d = Digits.load(5, 0.2);
        int n = 48;
        try (ResidualMlp a = ResidualMlp.create(ctx, 64, 8, 12, 2, 10, seed);
             ResidualMlp b = ResidualMlp.create(ctx, 64, 8, 12, 2, 10, seed);
             Optimizer oa = make.apply(ctx, a.groups());
             Optimizer ob = make.apply(ctx, b.groups())) {
            Random r = new Random(seed + 1);
            double[][] s = new double[2][12];
            for (double[] row : s) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = Math.exp((r.nextDouble() * 2 - 1) * Math.log(2));   // s ∈ [1/2, 2], log-uniform
                }
            }
            double[] shift = new double[8];
            for (int j = 0; j < 8; j++) {
                shift[j] = r.nextGaussian();
            }
            double t = r.nextGaussian();
            transform(b, s, shift, t, false);
            List<MatrixBatch> ga = a.newGradients();
            List<MatrixBatch> gb = b.newGradients();
            for (int k = 0; k < STEPS; k++) {
                float[] x = Arrays.copyOfRange(d.train.x, k * n * 64, (k + 1) * n * 64);
                int[] y = Arrays.copyOfRange(d.train.y, k * n, (k + 1) * n);
                a.loss(x, y, n, ga, null);
                b.loss(x, y, n, gb, null);
                oa.step(ga);
                ob.step(gb);
            }
            transform(b, s, shift, t, true);
            double worst = 0;
            for (int i = 0; i < a.parameters().size(); i++) {
                worst = Math.max(worst, rel(b.parameters().get(i).toArray(), a.parameters().get(i).toArray(), before(a, i)));
            }
            ga.forEach(MatrixBatch::close);
            gb.forEach(MatrixBatch::close);
            return worst;
        }
    }

    /** Scale for the relative error: the size of the parameter (so a no-op step cannot pass by accident). */
    private static float[] before(ResidualMlp m, int i) {
        return m.parameters().get(i).toArray();
    }

    /** Applies (or undoes) the gauge element: unit scalings {@code s[l][i]}, head shift {@code 1·shiftᵀ} and bias shift {@code t}. */
    static void transform(ResidualMlp m, double[][] s, double[] shift, double t, boolean inverse) {
        for (int l = 0; l < m.blocks; l++) {
            float[] win = m.win[l].toArray(), b = m.bin[l].toArray(), wout = m.wout[l].toArray();
            for (int i = 0; i < m.hidden; i++) {
                double f = inverse ? 1 / s[l][i] : s[l][i];
                for (int j = 0; j < m.width; j++) {
                    win[i * m.width + j] *= f;
                    wout[j * m.hidden + i] /= f;
                }
                b[i] *= f;
            }
            m.win[l].copyFrom(win);
            m.bin[l].copyFrom(b);
            m.wout[l].copyFrom(wout);
        }
        float[] u = m.u.toArray(), c = m.ub.toArray();
        double sign = inverse ? -1 : 1;
        for (int k = 0; k < m.classes; k++) {
            for (int j = 0; j < m.width; j++) {
                u[k * m.width + j] += sign * shift[j];
            }
            c[k] += sign * t;
        }
        m.u.copyFrom(u);
        m.ub.copyFrom(c);
    }

    static double rel(float[] a, float[] b, float[] scale) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += scale[i] * (double) scale[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    static DdcAdam ddcAdam(Context c, List<ParamGroup> g) {
        AdamW.Options o = new AdamW.Options();
        o.lr = 0.01;
        o.weightDecay = 0.1;
        return new DdcAdam(c, g, o);
    }

    static AdamW adamW(Context c, List<ParamGroup> g) {
        AdamW.Options o = new AdamW.Options();
        o.lr = 0.01;
        o.weightDecay = 0.1;
        return new AdamW(c, g, o);
    }

    @Test
    void ddcAdamIsEquivariantUnderScalingAndLogitShift() {
        for (long seed = 1; seed <= 3; seed++) {
            double gap = mlpGaugeGap(DdcEquivarianceContract::ddcAdam, seed);
            assertTrue(gap <= EQUIVARIANT, "DDCAdam: transformed-and-back differs from the plain steps by " + gap + " (seed " + seed + ")");
        }
    }

    @Test
    void adamWFailsTheSameScalingTest() {
        double gap = mlpGaugeGap(DdcEquivarianceContract::adamW, 1);
        assertTrue(gap > NOT_EQUIVARIANT, "plain AdamW should not be scaling-equivariant, gap " + gap);
    }

    // ---------------------------------------------------------------- rotation (attention toy)

    /**
     * A rotation-invariant attention loss with hand-written gradients: per head h with Q_h, K_h, V_h (d × D rows)
     * and O_h (D × d columns), {@code S_h = X Q_hᵀ K_h Xᵀ},
     * {@code L = Σ_h ⟨C_h, tanh(S_h)⟩ + ½‖Σ_h X V_hᵀ O_hᵀ − T‖²}. Invariant under {@code Q_h, K_h → R_h Q_h, R_h K_h}
     * and {@code V_h, O_h → P_h V_h, O_h P_hᵀ} for orthogonal R_h, P_h.
     */
    static final class AttentionToy {
        final int heads = 2, d = 4, dm = 8, n = 6;
        final double[] x, c, target;

        AttentionToy(Random r) {
            x = gauss(r, n * dm, 1);
            c = gauss(r, heads * n * n, 1);
            target = gauss(r, n * dm, 1);
        }

        /** Writes the gradients of Q, K, V, O into {@code g}. */
        void gradients(float[][] w, float[][] g) {
            for (float[] gi : g) {
                Arrays.fill(gi, 0f);
            }
            double[] y = new double[n * dm];
            for (int h = 0; h < heads; h++) {
                double[] qx = proj(w[0], h), kx = proj(w[1], h), vx = proj(w[2], h); // n × d: X W_hᵀ
                double[] e = new double[n * n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        double sij = 0;
                        for (int a = 0; a < d; a++) {
                            sij += qx[i * d + a] * kx[j * d + a];
                        }
                        double th = Math.tanh(sij);
                        e[i * n + j] = c[(h * n + i) * n + j] * (1 - th * th);     // E = C ⊙ tanh'(S)
                    }
                }
                // G_Q = K Xᵀ Eᵀ X → row a: Σ_ij e_ij · kx[j][a] · x[i];  G_K row a: Σ_ij e_ij · qx[i][a] · x[j]
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        for (int a = 0; a < d; a++) {
                            for (int col = 0; col < dm; col++) {
                                g[0][(h * d + a) * dm + col] += (float) (e[i * n + j] * kx[j * d + a] * x[i * dm + col]);
                                g[1][(h * d + a) * dm + col] += (float) (e[i * n + j] * qx[i * d + a] * x[j * dm + col]);
                            }
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    for (int o = 0; o < dm; o++) {
                        double s = 0;
                        for (int a = 0; a < d; a++) {
                            s += vx[i * d + a] * w[3][o * heads * d + h * d + a];
                        }
                        y[i * dm + o] += s;                                        // Y = Σ_h X V_hᵀ O_hᵀ
                    }
                }
            }
            for (int h = 0; h < heads; h++) {
                double[] vx = proj(w[2], h);
                for (int i = 0; i < n; i++) {
                    for (int o = 0; o < dm; o++) {
                        double ri = y[i * dm + o] - target[i * dm + o];            // R = Y − T
                        for (int a = 0; a < d; a++) {
                            double oa = w[3][o * heads * d + h * d + a];
                            g[3][o * heads * d + h * d + a] += (float) (ri * vx[i * d + a]); // G_O = Rᵀ X V_hᵀ
                            for (int col = 0; col < dm; col++) {
                                g[2][(h * d + a) * dm + col] += (float) (oa * ri * x[i * dm + col]); // G_V = O_hᵀ Rᵀ X
                            }
                        }
                    }
                }
            }
        }

        private double[] proj(float[] w, int h) {
            double[] p = new double[n * d];
            for (int i = 0; i < n; i++) {
                for (int a = 0; a < d; a++) {
                    double s = 0;
                    for (int col = 0; col < dm; col++) {
                        s += x[i * dm + col] * w[(h * d + a) * dm + col];
                    }
                    p[i * d + a] = s;
                }
            }
            return p;
        }
    }

    static double[] gauss(Random r, int n, double std) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextGaussian() * std;
        }
        return a;
    }

    /** A random d × d orthogonal matrix (Gram–Schmidt of a Gaussian one). */
    static double[] orthogonal(Random r, int d) {
        double[] q = gauss(r, d * d, 1);
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += q[i * d + j] * q[k * d + j];
                }
                for (int j = 0; j < d; j++) {
                    q[i * d + j] -= dot * q[k * d + j];
                }
            }
            double nrm = 0;
            for (int j = 0; j < d; j++) {
                nrm += q[i * d + j] * q[i * d + j];
            }
            for (int j = 0; j < d; j++) {
                q[i * d + j] /= Math.sqrt(nrm);
            }
        }
        return q;
    }

    /** Q_h, K_h → R_h·(·) (rows), V_h → P_h V_h, O_h → O_h P_hᵀ; {@code inverse} applies the transposes. */
    static void rotate(float[][] w, double[][] rq, double[][] pv, int heads, int d, int dm, boolean inverse) {
        for (int h = 0; h < heads; h++) {
            for (int which = 0; which < 3; which++) {
                double[] rot = which < 2 ? rq[h] : pv[h];
                float[] m = w[which];
                float[] old = m.clone();
                for (int a = 0; a < d; a++) {
                    for (int col = 0; col < dm; col++) {
                        double s = 0;
                        for (int b = 0; b < d; b++) {
                            double rab = inverse ? rot[b * d + a] : rot[a * d + b];
                            s += rab * old[(h * d + b) * dm + col];
                        }
                        m[(h * d + a) * dm + col] = (float) s;
                    }
                }
            }
            float[] o = w[3];
            float[] old = o.clone();
            for (int row = 0; row < dm; row++) {
                for (int a = 0; a < d; a++) {
                    double s = 0;
                    for (int b = 0; b < d; b++) {
                        double pab = inverse ? pv[h][b * d + a] : pv[h][a * d + b]; // (O Pᵀ)_{row,a} = Σ_b O_{row,b} P_{a,b}
                        s += old[row * heads * d + h * d + b] * pab;
                    }
                    o[row * heads * d + h * d + a] = (float) s;
                }
            }
        }
    }

    double attentionGap(BiFunction<Context, List<ParamGroup>, Optimizer> make, long seed) {
        Random r = new Random(TestMatrices.SEED + seed);
        AttentionToy toy = new AttentionToy(r);
        int hd = toy.heads * toy.d;
        float[][] w0 = {f(gauss(r, hd * toy.dm, 0.5)), f(gauss(r, hd * toy.dm, 0.5)), f(gauss(r, hd * toy.dm, 0.5)), f(gauss(r, toy.dm * hd, 0.5))};
        double[][] rq = new double[toy.heads][], pv = new double[toy.heads][];
        for (int h = 0; h < toy.heads; h++) {
            rq[h] = orthogonal(r, toy.d);
            pv[h] = orthogonal(r, toy.d);
        }
        float[][] w1 = new float[4][];
        for (int i = 0; i < 4; i++) {
            w1[i] = w0[i].clone();
        }
        rotate(w1, rq, pv, toy.heads, toy.d, toy.dm, false);
        float[][] ra = run(make, toy, w0);
        float[][] rb = run(make, toy, w1);
        rotate(rb, rq, pv, toy.heads, toy.d, toy.dm, true);
        double worst = 0;
        for (int i = 0; i < 4; i++) {
            worst = Math.max(worst, rel(rb[i], ra[i], w0[i]));
        }
        return worst;
    }

    private float[][] run(BiFunction<Context, List<ParamGroup>, Optimizer> make, AttentionToy toy, float[][] w) {
        int hd = toy.heads * toy.d;
        List<MatrixBatch> ps = new ArrayList<>();
        ps.add(ctx.upload(w[0], 1, hd, toy.dm));
        ps.add(ctx.upload(w[1], 1, hd, toy.dm));
        ps.add(ctx.upload(w[2], 1, hd, toy.dm));
        ps.add(ctx.upload(w[3], 1, toy.dm, hd));
        ParamGroup g = ParamGroup.attention("attn", ps.get(0), ps.get(1), ps.get(2), ps.get(3), toy.heads, toy.heads, RotationGauge.Rope.NONE);
        float[][] cur = new float[4][];
        float[][] gr = new float[4][];
        for (int i = 0; i < 4; i++) {
            gr[i] = new float[w[i].length];
        }
        try (Optimizer opt = make.apply(ctx, List.of(g))) {
            for (int k = 0; k < STEPS; k++) {
                for (int i = 0; i < 4; i++) {
                    cur[i] = ps.get(i).toArray();
                }
                toy.gradients(cur, gr);
                List<MatrixBatch> gs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    gs.add(ctx.upload(gr[i], 1, ps.get(i).rows(), ps.get(i).cols()));
                }
                opt.step(gs);
                gs.forEach(MatrixBatch::close);
            }
        }
        for (int i = 0; i < 4; i++) {
            cur[i] = ps.get(i).toArray();
            ps.get(i).close();
        }
        return cur;
    }

    static float[] f(double[] a) {
        float[] o = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            o[i] = (float) a[i];
        }
        return o;
    }

    static DdcMuon ddcMuon(Context c, List<ParamGroup> g) {
        Muon.Options o = new Muon.Options();
        o.lr = 0.05;
        o.weightDecay = 0.1;
        return new DdcMuon(c, g, o);
    }

    @Test
    void ddcAdamIsEquivariantUnderHeadRotations() {
        for (long seed = 1; seed <= 3; seed++) {
            double gap = attentionGap(DdcEquivarianceContract::ddcAdam, seed);
            assertTrue(gap <= EQUIVARIANT, "DDCAdam rotation gap " + gap + " (seed " + seed + ")");
        }
    }

    @Test
    void ddcMuonIsEquivariantUnderHeadRotations() {
        double gap = attentionGap(DdcEquivarianceContract::ddcMuon, 1);
        assertTrue(gap <= EQUIVARIANT, "DDCMuon rotation gap " + gap);
    }

    @Test
    void adamWFailsTheRotationTest() {
        double gap = attentionGap(DdcEquivarianceContract::adamW, 1);
        assertTrue(gap > NOT_EQUIVARIANT, "plain AdamW should not be rotation-equivariant, gap " + gap);
    }
}
