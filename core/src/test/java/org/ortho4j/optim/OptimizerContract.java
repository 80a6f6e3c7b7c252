package org.ortho4j.optim;

import org.ortho4j.testing.BackendContract;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
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
        o.precision = Precision.FP32;   // the composed polynomial below is the fp32 iteration's (bf16: ReferenceConformance)
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

    // ---------------------------------------------------------------- SCION: which axis each role's LMO normalises

    /**
     * One SCION step from zero weights with α = 1, γ = 1, ρ = 1 (uSCG), so the parameters become {@code −lmo(g)}:
     * the LMO each role gets, read off directly. Returns {@code lmo(g)} per parameter, as doubles.
     */
    List<double[]> scionLmos(List<ParamGroup> groups, List<MatrixBatch> grads) {
        Scion.Options o = new Scion.Options();
        o.lr = 1;
        o.alpha = 1;
        try (Scion opt = new Scion(ctx, groups, o)) {
            opt.step(grads);
            List<double[]> out = new java.util.ArrayList<>();
            for (MatrixBatch p : opt.parameters()) {
                float[] w = p.toArray();
                double[] l = new double[w.length];
                for (int i = 0; i < w.length; i++) {
                    l[i] = -w[i];
                }
                out.add(l);
            }
            return out;
        }
    }

    MatrixBatch zeros(int batch, int rows, int cols) {
        MatrixBatch z = ctx.allocate(batch, rows, cols);
        z.fill(0f);
        return z;
    }

    MatrixBatch gaussian(long seed, int batch, int rows, int cols) {
        return ctx.upload(org.ortho4j.testing.TestMatrices.gaussian(new java.util.Random(seed), batch * rows * cols), batch, rows, cols);
    }

    /** RMS of row {@code i} (or column, when {@code col}) of matrix {@code b} of a {@code rows × cols} batch. */
    static double rms(double[] a, int b, int rows, int cols, int i, boolean col) {
        double ss = 0;
        int n = col ? rows : cols;
        for (int k = 0; k < n; k++) {
            double v = col ? a[b * rows * cols + k * cols + i] : a[b * rows * cols + i * cols + k];
            ss += v * v;
        }
        return Math.sqrt(ss / n);
    }

    @Test
    void scionEmbeddingNormalisesEachTokenRow() {
        // a batch of two 7 × 5 tables (vocab × width); tokens 2 and 5 of the first table are absent from the batch
        // (zero gradient), and the tokens' gradients differ in size by 1000×
        int vocab = 7, width = 5;
        float[] g = org.ortho4j.testing.TestMatrices.gaussian(new java.util.Random(3), 2 * vocab * width);
        for (int j = 0; j < width; j++) {
            g[2 * width + j] = 0;
            g[5 * width + j] = 0;
            g[width + j] *= 1000;
            g[vocab * width + 3 * width + j] *= 1e-3f;
        }
        List<double[]> l = scionLmos(List.of(ParamGroup.embedding("e", zeros(2, vocab, width))), List.of(ctx.upload(g, 2, vocab, width)));
        double[] e = l.get(0);
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < vocab; t++) {
                boolean absent = b == 0 && (t == 2 || t == 5);
                // each token's row is its own gradient over that row's RMS: d_t / (‖d_t‖₂/√width + 1e-8), RMS 1
                double gr = 0;
                for (int j = 0; j < width; j++) {
                    gr += (double) g[(b * vocab + t) * width + j] * g[(b * vocab + t) * width + j];
                }
                gr = Math.sqrt(gr / width);
                double r = rms(e, b, vocab, width, t, false);
                assertEquals(absent ? 0 : gr / (gr + 1e-8), r, 1e-6, "table " + b + ", token " + t + ": RMS of its row of lmo");
                assertTrue(absent || Math.abs(r - 1) < 2e-5, "table " + b + ", token " + t + ": RMS " + r + ", not 1");
                for (int j = 0; j < width; j++) {
                    int k = (b * vocab + t) * width + j;
                    assertEquals(g[k] / (gr + 1e-8), e[k], 1e-6, "table " + b + ", token " + t + ", column " + j);
                }
            }
        }
        // a token's step does not depend on which other tokens are in the batch
        float[] g2 = g.clone();
        for (int j = 0; j < width; j++) {
            g2[2 * width + j] = 50f;
            g2[4 * width + j] = 0;
        }
        double[] e2 = scionLmos(List.of(ParamGroup.embedding("e", zeros(2, vocab, width))), List.of(ctx.upload(g2, 2, vocab, width))).get(0);
        for (int t : new int[]{0, 1, 3, 6}) {
            for (int j = 0; j < width; j++) {
                assertEquals(e[t * width + j], e2[t * width + j], 0, "token " + t + " changed when tokens 2 and 4 did");
            }
        }
    }

    @Test
    void scionLmoAxisOfEveryRole() {
        List<ParamGroup> gs = List.of(
                ParamGroup.hidden("hidden", zeros(1, 6, 4), zeros(1, 4, 6)),                          // 0, 1
                ParamGroup.hidden("input", zeros(1, 6, 4), zeros(1, 4, 6)).layer(Lmo.Layer.INPUT),    // 2, 3
                ParamGroup.output("head", zeros(1, 5, 4), zeros(1, 1, 5)),                            // 4, 5
                ParamGroup.biasGain("gain", zeros(1, 1, 9)),                                          // 6
                ParamGroup.hidden("colnorm", zeros(1, 6, 4)).lmo(Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.HIDDEN)),  // 7
                ParamGroup.hidden("rownorm", zeros(1, 6, 4)).lmo(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.HIDDEN)),  // 8
                ParamGroup.hidden("rownorm-in", zeros(1, 6, 4)).lmo(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.INPUT)), // 9
                ParamGroup.embedding("emb-rownorm", zeros(1, 7, 3)).lmo(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.INPUT)), // 10
                ParamGroup.mlpPair("mlp", zeros(1, 5, 3), zeros(1, 3, 5), zeros(1, 1, 5)));         // 11, 12, 13
        List<MatrixBatch> grads = new java.util.ArrayList<>();
        long seed = 10;
        for (ParamGroup g : gs) {
            for (MatrixBatch p : g.params()) {
                grads.add(gaussian(seed++, p.batch(), p.rows(), p.cols()));
            }
        }
        List<double[]> l = scionLmos(gs, grads);
        // SPECTRAL, rows = outputs: every singular value √(d_out/d_in); the input layer max(1, ·)
        singularValues(l.get(0), 6, 4, Math.sqrt(6 / 4.0), "hidden 6×4");
        singularValues(l.get(1), 4, 6, Math.sqrt(4 / 6.0), "hidden 4×6");
        singularValues(l.get(2), 6, 4, Math.sqrt(6 / 4.0), "input 6×4");
        singularValues(l.get(3), 4, 6, 1.0, "input 4×6");
        singularValues(l.get(11), 5, 3, Math.sqrt(5 / 3.0), "MLP W_in 5×3");
        singularValues(l.get(12), 3, 5, Math.sqrt(3 / 5.0), "MLP W_out 3×5");
        // OUTPUT head (vocab × width, rows = outputs): ±1/d_in, d_in = width
        for (double v : l.get(4)) {
            assertEquals(0.25, Math.abs(v), 1e-7, "head: sign(d)/width");
        }
        // biases and gains: RMS 1 over the vector
        for (int i : new int[]{5, 6, 13}) {
            double[] v = l.get(i);
            assertEquals(1, rms(v, 0, 1, v.length, 0, false), 1e-6, "vector " + i + ": RMS 1");
        }
        // COLNORM (hidden): every column (input unit) has RMS 1/d_in
        for (int j = 0; j < 4; j++) {
            assertEquals(0.25, rms(l.get(7), 0, 6, 4, j, true), 1e-7, "colnorm column " + j);
        }
        // ROWNORM (hidden): every row (output unit) has RMS 1/d_in (‖row‖₂ = 1/√d_in); input layer ‖row‖₂ = 1
        for (int i = 0; i < 6; i++) {
            assertEquals(0.25, rms(l.get(8), 0, 6, 4, i, false), 1e-7, "rownorm row " + i);
            assertEquals(0.5, rms(l.get(9), 0, 6, 4, i, false), 1e-7, "rownorm (input) row " + i);
        }
        // an embedding (vocab × width) with ROWNORM: rows of the layer's width × vocab matrix, i.e. each width
        // column of the table, ‖·‖₂ = 1 over the vocabulary
        for (int j = 0; j < 3; j++) {
            assertEquals(1 / Math.sqrt(7), rms(l.get(10), 0, 7, 3, j, true), 1e-7, "embedding rownorm column " + j);
        }
    }

    /** Every singular value of the {@code m × n} matrix {@code a} is {@code s}. */
    static void singularValues(double[] a, int m, int n, double s, String what) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        for (double v : org.ortho4j.testing.TestMatrices.singularValues(f, 0, m, n)) {
            assertEquals(s, v, 1e-5, what + ": singular values");
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
