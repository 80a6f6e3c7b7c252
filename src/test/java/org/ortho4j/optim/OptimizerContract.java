package org.ortho4j.optim;

import org.ortho4j.testing.BackendContract;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Schedule;

/**
 * Each optimizer's step against small cases derived by hand from the formulas in the class javadocs
 * (docs/algorithms.md §5). Written once; every backend subclasses it.
 */
public abstract class OptimizerContract extends BackendContract {

    MatrixBatch m(int rows, int cols, double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return ctx.upload(f, 1, rows, cols);
    }

    static void near(double[] expected, MatrixBatch actual, double tol) {
        float[] a = actual.toArray();
        assertEquals(expected.length, a.length);
        for (int i = 0; i < a.length; i++) {
            assertEquals(expected[i], a[i], tol * Math.max(1, Math.abs(expected[i])), "element " + i + " of " + actual);
        }
    }

    @Test
    void adamWTwoStepsByHand() {
        MatrixBatch w = m(1, 2, 1, -2);
        AdamW.Options o = new AdamW.Options();
        o.lr = 0.1;
        o.weightDecay = 0.1;
        try (AdamW opt = new AdamW(ctx, List.of(ParamGroup.hidden("w", w)), o)) {
            double[] g1 = {0.5, -0.25}, g2 = {0.1, 0.3}, x = {1, -2};
            opt.step(List.of(m(1, 2, g1)));
            // step 1: m̂ = g, v̂ = g², so W ← W − lr·wd·W − lr·g/(|g| + eps)
            double[] e1 = {x[0] - 0.01 * x[0] - 0.1 * 0.5 / (0.5 + 1e-8), x[1] - 0.01 * x[1] + 0.1 * 0.25 / (0.25 + 1e-8)};
            near(e1, w, 1e-6);
            opt.step(List.of(m(1, 2, g2)));
            double[] e2 = new double[2];
            for (int i = 0; i < 2; i++) {
                double mm = 0.9 * 0.1 * g1[i] + 0.1 * g2[i];
                double vv = 0.999 * 0.001 * g1[i] * g1[i] + 0.001 * g2[i] * g2[i];
                double u = (mm / (1 - 0.81)) / (Math.sqrt(vv / (1 - 0.999 * 0.999)) + 1e-8);
                e2[i] = e1[i] - 0.01 * e1[i] - 0.1 * u;
            }
            near(e2, w, 1e-6);
            assertEquals(2, opt.steps());
        }
    }

    @Test
    void muonDiagonalTallByHand() {
        // G = [[3,0],[0,4],[0,0]]: singular values 3, 4; ‖G‖_F = 5, so NS(G) = diag(p(0.6), p(0.8)) padded, p = Muon's
        // composed polynomial; Nesterov momentum only rescales G, which NS ignores. Scale max(1, 3/2)^½.
        MatrixBatch w = m(3, 2, 1, 0, 0, 1, 0.5, 0.5);
        Muon.Options o = new Muon.Options();
        o.lr = 0.1;
        o.weightDecay = 0.5;
        try (Muon opt = new Muon(ctx, List.of(ParamGroup.hidden("w", w)), o)) {
            opt.step(List.of(m(3, 2, 3, 0, 0, 4, 0, 0)));
            Schedule.Coefficients c = Schedule.muon().resolve(3, 2);
            double s = Math.sqrt(1.5);
            double k = 1 - 0.1 * 0.5;
            double[] e = {k - 0.1 * s * c.compose(0.6), 0, 0, k - 0.1 * s * c.compose(0.8), 0.5 * k, 0.5 * k};
            near(e, w, 2e-5);
        }
        assertEquals(0.2 * Math.sqrt(768 * 4), Muon.scale(Muon.Scale.MOONLIGHT, 768, 3072), 1e-12);
        assertEquals(2.0, Muon.scale(Muon.Scale.KELLER, 3072, 768), 1e-12);
        assertEquals(1.0, Muon.scale(Muon.Scale.KELLER, 768, 3072), 1e-12);
    }

    @Test
    void muonSendsVectorsAndHeadsToAdamW() {
        MatrixBatch head = m(2, 2, 1, 2, 3, 4);
        MatrixBatch bias = m(1, 2, 0, 0);
        Muon.Options o = new Muon.Options();
        o.adamLr = 0.01;
        try (Muon opt = new Muon(ctx, List.of(ParamGroup.output("head", head, bias)), o)) {
            opt.step(List.of(m(2, 2, 1, -1, 2, 0.5), m(1, 2, -3, 0.25)));
            // first AdamW step: −lr·g/(|g| + eps)
            near(new double[]{0.99, 2.01, 2.99, 3.99}, head, 1e-6);
            near(new double[]{0.01, -0.01}, bias, 1e-6);
        }
    }

    @Test
    void scionSpectralSignBiasByHand() {
        MatrixBatch w = m(2, 2, 1, 0, 0, 1);
        MatrixBatch head = m(1, 3, 0, 0, 0);
        MatrixBatch b = m(1, 2, 0, 0);
        Scion.Options o = new Scion.Options();
        o.lr = 0.1;
        o.unconstrained = false;
        List<ParamGroup> gs = List.of(ParamGroup.hidden("w", w).radius(2), ParamGroup.output("head", head, null).radius(3),
                ParamGroup.biasGain("b", b).radius(0.5));
        try (Scion opt = new Scion(ctx, gs, o)) {
            opt.step(List.of(m(2, 2, 3, 0, 0, -4), m(1, 3, 0.5, -2, 3), m(1, 2, 3, 4)));
            // d = 0.1·g; polar(diag(3,−4)) = diag(1,−1), scale √(2/2) = 1; SCG: W ← (1−γ)W − γρ·lmo(d)
            near(new double[]{0.9 - 0.2, 0, 0, 0.9 + 0.2}, w, 1e-5);
            // output SIGN: sign(d)/n, n = 3
            near(new double[]{-0.1, 0.1, -0.1}, head, 1e-6);
            // BIAS: d/(RMS(d) + 1e-8), RMS(0.3, 0.4) = √0.125
            double r = Math.sqrt(0.125);
            near(new double[]{-0.05 * 0.3 / r, -0.05 * 0.4 / r}, b, 1e-5);
        }
    }

    @Test
    void scionUnconstrainedKeepsWeights() {
        MatrixBatch w = m(2, 2, 1, 0, 0, 1);
        Scion.Options o = new Scion.Options();
        o.lr = 0.1;
        try (Scion opt = new Scion(ctx, List.of(ParamGroup.hidden("w", w)), o)) {
            opt.step(List.of(m(2, 2, 0, 5, 2, 0)));
            // polar([[0,5],[2,0]]) = [[0,1],[1,0]]: W ← W − γ·1·polar
            near(new double[]{1, -0.1, -0.1, 1}, w, 1e-5);
        }
    }

    // ---------------------------------------------------------------- learningRateScale

    /**
     * Every optimizer on its own copy of a residual MLP (MLP pairs, input layer, biases, head), with learning rates
     * {@code base·f}: option objects are read at every step, so {@link #factor} changes them between steps.
     */
    final class EveryOptimizer implements AutoCloseable {
        final AdamW.Options ao = new AdamW.Options();
        final Muon.Options mo = new Muon.Options();
        final Scion.Options so = new Scion.Options();
        final Root.Options ro = new Root.Options();
        final AdamW.Options dao = new AdamW.Options();
        final Muon.Options dmo = new Muon.Options();
        final ResidualMlp[] nets = new ResidualMlp[6];
        final Optimizer[] opts;

        EveryOptimizer() {
            for (int i = 0; i < nets.length; i++) {
                nets[i] = ResidualMlp.create(ctx, 64, 8, 12, 1, 10, 3);
            }
            factor(1);
            ao.weightDecay = 0.1;
            mo.weightDecay = 0.1;
            mo.adamWeightDecay = 0.2;
            so.unconstrained = false;          // SCG: γ also in the shrink (1 − γ)·W
            dao.weightDecay = 0.1;
            dmo.weightDecay = 0.1;
            opts = new Optimizer[]{new AdamW(ctx, nets[0].groups(), ao), new Muon(ctx, nets[1].groups(), mo),
                    new Scion(ctx, nets[2].groups(), so), new Root(ctx, nets[3].groups(), ro),
                    new DdcAdam(ctx, nets[4].groups(), dao), new DdcMuon(ctx, nets[5].groups(), dmo)};
        }

        /** Every learning rate of the options set to {@code base·f}. */
        void factor(double f) {
            ao.lr = 0.01 * f;
            mo.lr = 0.05 * f;
            mo.adamLr = 0.01 * f;
            so.lr = 0.05 * f;
            ro.lr = 0.01 * f;
            dao.lr = 0.01 * f;
            dmo.lr = 0.05 * f;
            dmo.adamLr = 0.01 * f;
        }

        @Override
        public void close() {
            for (Optimizer o : opts) {
                o.close();
            }
            for (ResidualMlp m : nets) {
                m.close();
            }
        }
    }

    @Test
    void learningRateScaleMultipliesEveryLearningRate() {
        // a schedule of factors with 0 (nothing moves) and > 1: run A changes every learning rate in the options,
        // run B calls learningRateScale; for every optimizer they agree bit for bit, step after step
        double[] schedule = {1.0, 0.5, 0.0, 2.0, 0.25};
        Digits data = Digits.load(1, 0.2);
        int n = 16;
        try (EveryOptimizer a = new EveryOptimizer(); EveryOptimizer b = new EveryOptimizer()) {
            for (Optimizer o : b.opts) {
                assertEquals(1.0, o.learningRateScale(), 0, o.name() + ": default factor");
            }
            for (int t = 0; t < schedule.length; t++) {
                double f = schedule[t];
                a.factor(f);
                for (Optimizer o : b.opts) {
                    o.learningRateScale(f);
                }
                float[] x = java.util.Arrays.copyOfRange(data.train.x, t * n * 64, (t + 1) * n * 64);
                int[] y = java.util.Arrays.copyOfRange(data.train.y, t * n, (t + 1) * n);
                for (int k = 0; k < a.opts.length; k++) {
                    ResidualMlp na = a.nets[k], nb = b.nets[k];
                    List<float[]> before = new java.util.ArrayList<>();
                    for (MatrixBatch p : na.parameters()) {
                        before.add(p.toArray());
                    }
                    List<MatrixBatch> ga = na.newGradients();
                    List<MatrixBatch> gb = nb.newGradients();
                    na.loss(x, y, n, ga, null);
                    nb.loss(x, y, n, gb, null);
                    a.opts[k].step(ga);
                    b.opts[k].step(gb);
                    boolean moved = false;
                    for (int i = 0; i < na.parameters().size(); i++) {
                        float[] pa = na.parameters().get(i).toArray();
                        float[] pb = nb.parameters().get(i).toArray();
                        assertArrayEquals(pa, pb, a.opts[k].name() + ": step " + (t + 1) + " (factor " + f + "), parameter " + i);
                        moved |= !java.util.Arrays.equals(before.get(i), pb);
                    }
                    assertEquals(f != 0, moved, a.opts[k].name() + ": factor " + f + " must " + (f == 0 ? "not " : "") + "move the parameters");
                    for (MatrixBatch m : ga) {
                        m.close();
                    }
                    for (MatrixBatch m : gb) {
                        m.close();
                    }
                }
            }
            for (Optimizer o : b.opts) {
                assertThrows(IllegalArgumentException.class, () -> o.learningRateScale(-1));
                assertThrows(IllegalArgumentException.class, () -> o.learningRateScale(Double.NaN));
                assertThrows(IllegalArgumentException.class, () -> o.learningRateScale(Double.POSITIVE_INFINITY));
                assertEquals(0.25, o.learningRateScale(), 0, o.name() + ": the factor set last");
            }
        }
    }

    @Test
    void rootRowVectorByHand() {
        // g = [1..10] as a 1×10 matrix. Step 1: buf = g, M = g + 0.95·buf = 1.95·g. quantile(|M|, 0.9): index
        // 0.9·9 = 8.1 between the 9th and 10th order statistics, ε = 1.95·9.1 (+1e-9); B = clamp(M, −ε, ε).
        // NS of a 1×n matrix: X0 = B/(‖B‖ + 1e-7) has one singular value ≈ 1, so X = p(1)·B/‖B‖ (Muon's triple: root
        // has no (1, 10) entry). Update scale 0.2·√10; outliers dropped.
        double[] g = new double[10];
        double[] base = new double[10];
        for (int i = 0; i < 10; i++) {
            g[i] = i + 1;
            base[i] = 1.95 * Math.min(i + 1, 9.1);
        }
        double nb = 0;
        for (double v : base) {
            nb += v * v;
        }
        nb = Math.sqrt(nb);
        MatrixBatch w = m(1, 10, new double[10]);
        Root.Options o = new Root.Options();
        o.lr = 0.01;
        try (Root opt = new Root(ctx, List.of(ParamGroup.hidden("w", w)), o)) {
            opt.step(List.of(m(1, 10, g)));
        }
        double p1 = Schedule.muon().resolve(1, 10).compose(nb / (nb + 1e-7));
        double[] e = new double[10];
        for (int i = 0; i < 10; i++) {
            e[i] = -0.01 * 0.2 * Math.sqrt(10) * p1 * base[i] / nb;
        }
        near(e, w, 2e-5);
    }

    @Test
    void ddcAdamScalingPairByHand() {
        // One unit: B₁ = W_in row = [3, 4] (ρ₁ = 5), B₂ = W_out column = [1, 2] (ρ₂ = √5); g₁ = [1, 0], g₂ = [0.5, −1].
        // B₁: ĝ = 3, g_tan = [0.64, −0.48], x = 5·g_tan; first Adam step u = x/(|x|+eps) ≈ [1, −1];
        //     ⟨u,B₁⟩ = −1 → u = [1.12, −0.84]; scalar step sign(ĝ) = +1.
        // B₂: ĝ = −1.5, g_tan = [0.8, −0.4]; u ≈ [1, −1]; ⟨u,B₂⟩ = −1 → u = [1.2, −0.6]; scalar step −1.
        // r = −lr·(1 − 1)/2 − lr·wd; B ← e^r·B − lr·ρ·u.
        MatrixBatch win = m(1, 2, 3, 4);
        MatrixBatch wout = m(2, 1, 1, 2);
        AdamW.Options o = new AdamW.Options();
        o.lr = 0.01;
        o.weightDecay = 0.5;
        try (DdcAdam opt = new DdcAdam(ctx, List.of(ParamGroup.mlpPair("p", win, wout, null)), o)) {
            opt.step(List.of(m(1, 2, 1, 0), m(2, 1, 0.5, -1)));
        }
        double er = Math.exp(-0.01 * 0.5);
        near(new double[]{er * 3 - 0.01 * 5 * 1.12, er * 4 + 0.01 * 5 * 0.84}, win, 1e-6);
        double r5 = Math.sqrt(5);
        near(new double[]{er * 1 - 0.01 * r5 * 1.2, er * 2 + 0.01 * r5 * 0.6}, wout, 1e-6);
    }

    @Test
    void ddcMuonChangeIsHorizontal() {
        try (ResidualMlp model = ResidualMlp.create(ctx, 64, 8, 12, 1, 10, 3)) {
            Digits d = Digits.load(1, 0.2);
            List<MatrixBatch> grads = model.newGradients();
            model.loss(java.util.Arrays.copyOf(d.train.x, 32 * 64), d.train.y, 32, grads, null);
            float[] win = model.win[0].toArray(), wout = model.wout[0].toArray(), b = model.bin[0].toArray(), u = model.u.toArray();
            try (DdcMuon opt = new DdcMuon(ctx, model.groups(), null)) {
                opt.step(grads);
            }
            float[] dwin = diff(model.win[0].toArray(), win), dwout = diff(model.wout[0].toArray(), wout);
            float[] db = diff(model.bin[0].toArray(), b), du = diff(model.u.toArray(), u);
            double scale = 0;
            for (float v : dwin) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(scale > 1e-4, "the step must move the weights");
            for (int i = 0; i < 12; i++) {
                // vertical direction of unit i: ([W_in row i, b_i], −W_out column i)
                double ip = 0, n2 = 0;
                for (int j = 0; j < 8; j++) {
                    ip += dwin[i * 8 + j] * win[i * 8 + j] - dwout[j * 12 + i] * wout[j * 12 + i];
                    n2 += win[i * 8 + j] * win[i * 8 + j] + wout[j * 12 + i] * wout[j * 12 + i];
                }
                ip += db[i] * b[i];
                n2 += b[i] * b[i];
                assertEquals(0, ip / Math.sqrt(n2), 1e-5 * scale * 8, "unit " + i);
            }
            for (int j = 0; j < 8; j++) {
                double s = 0;
                for (int c = 0; c < 10; c++) {
                    s += du[c * 8 + j];
                }
                assertEquals(0, s, 1e-6, "head column " + j + " must not shift every logit");
            }
        }
    }

    static float[] diff(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    @Test
    void stepRefusesMismatchedGradients() {
        MatrixBatch w = m(2, 3, 1, 2, 3, 4, 5, 6);
        try (AdamW opt = new AdamW(ctx, List.of(ParamGroup.hidden("w", w)), null)) {
            assertThrows(IllegalArgumentException.class, () -> opt.step(List.of()));
            assertThrows(IllegalArgumentException.class, () -> opt.step(List.of(m(3, 2, 1, 2, 3, 4, 5, 6))));
            assertEquals(0, opt.steps());
        }
        assertThrows(IllegalArgumentException.class, () -> ParamGroup.mlpPair("p", m(2, 3, 1, 2, 3, 4, 5, 6), m(3, 3, new double[9]), null));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(ctx, List.of(ParamGroup.hidden("a", w), ParamGroup.hidden("b", w)), null));
    }
}
