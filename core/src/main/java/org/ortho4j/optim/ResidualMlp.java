package org.ortho4j.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;

/**
 * A small residual ReLU classifier whose parameters live on a {@link Context}, with forward and backward passes in
 * plain Java on host copies (the model is tiny; the optimizers are what is being exercised):
 * <pre>
 * z₀ = E·x + e                                  # input layer, width D
 * z_l = z_{l−1} + W_out,l · relu(W_in,l · z_{l−1} + b_l)    # L residual MLP blocks, hidden width H
 * logits = U·z_L + c;  loss = mean cross-entropy
 * </pre>
 * Its gauges, declared by {@link #groups()}: each block is an MLP_PAIR (ReLU is positively homogeneous, so row i
 * of W_in and b_l[i] scaled by s with column i of W_out scaled by 1/s leaves the loss unchanged), and the head is
 * OUTPUT (softmax is unchanged by adding the same amount to every logit).
 */
public final class ResidualMlp implements AutoCloseable {
    /** Input features per sample. */
    public final int inputs;
    /** Residual stream width D. */
    public final int width;
    /** Hidden width H of each block. */
    public final int hidden;
    /** Number of residual blocks L. */
    public final int blocks;
    /** Number of classes (logits). */
    public final int classes;
    final MatrixBatch e;
    final MatrixBatch eb;
    final MatrixBatch[] win;
    final MatrixBatch[] bin;
    final MatrixBatch[] wout;
    final MatrixBatch u;
    final MatrixBatch ub;
    private final List<MatrixBatch> params = new ArrayList<>();

    private ResidualMlp(Context ctx, int inputs, int width, int hidden, int blocks, int classes, Random r) {
        this.inputs = inputs;
        this.width = width;
        this.hidden = hidden;
        this.blocks = blocks;
        this.classes = classes;
        e = ctx.upload(gauss(r, width * inputs, Math.sqrt(1.0 / inputs)), 1, width, inputs);
        eb = ctx.upload(new float[width], 1, 1, width);
        params.add(e);
        params.add(eb);
        win = new MatrixBatch[blocks];
        bin = new MatrixBatch[blocks];
        wout = new MatrixBatch[blocks];
        for (int l = 0; l < blocks; l++) {
            win[l] = ctx.upload(gauss(r, hidden * width, Math.sqrt(2.0 / width)), 1, hidden, width);
            wout[l] = ctx.upload(gauss(r, width * hidden, 0.5 * Math.sqrt(1.0 / hidden)), 1, width, hidden);
            bin[l] = ctx.upload(gauss(r, hidden, 0.01), 1, 1, hidden);
            params.add(win[l]);
            params.add(wout[l]);
            params.add(bin[l]);
        }
        u = ctx.upload(gauss(r, classes * width, Math.sqrt(1.0 / width)), 1, classes, width);
        ub = ctx.upload(new float[classes], 1, 1, classes);
        params.add(u);
        params.add(ub);
    }

    /**
     * A model with weights drawn from {@code seed} (same seed, same weights).
     *
     * @param ctx     the context its parameters live on
     * @param inputs  input features per sample
     * @param width   residual stream width D
     * @param hidden  hidden width H of each block
     * @param blocks  number of residual blocks L
     * @param classes number of classes
     * @param seed    seed of the initial weights
     * @return the model (close it to release its parameters)
     */
    public static ResidualMlp create(Context ctx, int inputs, int width, int hidden, int blocks, int classes, long seed) {
        return new ResidualMlp(ctx, inputs, width, hidden, blocks, classes, new Random(seed));
    }

    private static float[] gauss(Random r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * std);
        }
        return a;
    }

    /**
     * The parameter groups, in {@link #parameters()} order.
     *
     * @return the input layer (HIDDEN at the INPUT position), its bias (BIAS_GAIN), one MLP_PAIR per block
     *         {@code (W_in, W_out, b_in)}, the head (OUTPUT with its bias)
     */
    public List<ParamGroup> groups() {
        List<ParamGroup> g = new ArrayList<>();
        g.add(ParamGroup.hidden("input", e).layer(Lmo.Layer.INPUT));
        g.add(ParamGroup.biasGain("input.bias", eb));
        for (int l = 0; l < blocks; l++) {
            g.add(ParamGroup.mlpPair("block" + l, win[l], wout[l], bin[l]));
        }
        g.add(ParamGroup.output("head", u, ub));
        return g;
    }

    /**
     * The parameters.
     *
     * @return every parameter, in the order of {@link #groups()}
     */
    public List<MatrixBatch> parameters() {
        return List.copyOf(params);
    }

    /**
     * Zero-filled gradient batches, one per parameter.
     *
     * @return new batches (the caller closes them), in {@link #parameters()} order
     */
    public List<MatrixBatch> newGradients() {
        List<MatrixBatch> gs = new ArrayList<>();
        for (MatrixBatch p : params) {
            MatrixBatch g = p.context().allocate(p.batch(), p.rows(), p.cols());
            g.fill(0f);
            gs.add(g);
        }
        return gs;
    }

    /**
     * Mean cross-entropy of {@code n} samples, and optionally its gradient.
     *
     * @param x       the samples, {@code n × inputs} row-major
     * @param y       their labels
     * @param n       the number of samples
     * @param grads   when not null, its batches ({@link #newGradients()}) receive the gradient of the loss
     * @param correct when not null, {@code correct[0]} receives the number of correctly classified samples
     * @return the mean cross-entropy
     */
    public double loss(float[] x, int[] y, int n, List<MatrixBatch> grads, int[] correct) {
        float[] E = e.toArray(), Eb = eb.toArray(), U = u.toArray(), Ub = ub.toArray();
        float[][] Wi = new float[blocks][], Bi = new float[blocks][], Wo = new float[blocks][];
        for (int l = 0; l < blocks; l++) {
            Wi[l] = win[l].toArray();
            Bi[l] = bin[l].toArray();
            Wo[l] = wout[l].toArray();
        }
        float[][] z = new float[blocks + 1][];
        float[][] pre = new float[blocks][];
        float[][] act = new float[blocks][];
        z[0] = addRow(mulT(x, E, n, inputs, width), Eb, n, width);                // z₀ = x Eᵀ + e
        for (int l = 0; l < blocks; l++) {
            pre[l] = addRow(mulT(z[l], Wi[l], n, width, hidden), Bi[l], n, hidden); // a = z W_inᵀ + b
            act[l] = new float[n * hidden];
            for (int i = 0; i < act[l].length; i++) {
                act[l][i] = Math.max(0f, pre[l][i]);                                  // h = relu(a)
            }
            float[] o = mulT(act[l], Wo[l], n, hidden, width);                        // h W_outᵀ
            z[l + 1] = new float[n * width];
            for (int i = 0; i < o.length; i++) {
                z[l + 1][i] = z[l][i] + o[i];                                         // residual
            }
        }
        float[] logits = addRow(mulT(z[blocks], U, n, width, classes), Ub, n, classes);
        double loss = 0;
        int ok = 0;
        float[] dlog = new float[n * classes];
        for (int s = 0; s < n; s++) {
            int o = s * classes;
            double mx = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int c = 0; c < classes; c++) {
                if (logits[o + c] > mx) {
                    mx = logits[o + c];
                    arg = c;
                }
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[o + c] - mx);
            }
            loss += Math.log(sum) + mx - logits[o + y[s]];                            // −log softmax_y
            if (arg == y[s]) {
                ok++;
            }
            for (int c = 0; c < classes; c++) {
                double pc = Math.exp(logits[o + c] - mx) / sum;
                dlog[o + c] = (float) ((pc - (c == y[s] ? 1 : 0)) / n);              // ∂loss/∂logits
            }
        }
        if (correct != null) {
            correct[0] = ok;
        }
        if (grads != null) {
            int k = grads.size() - 1;
            grads.get(k--).copyFrom(colSum(dlog, n, classes));                        // ∂c
            grads.get(k--).copyFrom(tMul(dlog, z[blocks], n, classes, width));        // ∂U = dlogᵀ z_L
            float[] dz = mul(dlog, U, n, classes, width);                             // ∂z_L = dlog U
            float[][] gWi = new float[blocks][], gWo = new float[blocks][], gBi = new float[blocks][];
            for (int l = blocks - 1; l >= 0; l--) {
                gWo[l] = tMul(dz, act[l], n, width, hidden);                          // ∂W_out = dzᵀ h
                float[] da = mul(dz, Wo[l], n, width, hidden);                        // ∂h = dz W_out
                for (int i = 0; i < da.length; i++) {
                    if (pre[l][i] <= 0) {
                        da[i] = 0;                                                    // relu'
                    }
                }
                gWi[l] = tMul(da, z[l], n, hidden, width);                            // ∂W_in = daᵀ z
                gBi[l] = colSum(da, n, hidden);
                float[] back = mul(da, Wi[l], n, hidden, width);                      // da W_in
                for (int i = 0; i < dz.length; i++) {
                    dz[i] += back[i];                                                 // ∂z_{l−1} = dz + da W_in
                }
            }
            for (int l = blocks - 1; l >= 0; l--) {
                grads.get(k--).copyFrom(gBi[l]);
                grads.get(k--).copyFrom(gWo[l]);
                grads.get(k--).copyFrom(gWi[l]);
            }
            grads.get(k--).copyFrom(colSum(dz, n, width));                            // ∂e
            grads.get(k).copyFrom(tMul(dz, x, n, width, inputs));                     // ∂E = dz₀ᵀ x
        }
        return loss / n;
    }

    /** {@code a (n×k) · bᵀ} with {@code b} {@code m×k}: {@code n×m}. */
    static float[] mulT(float[] a, float[] b, int n, int k, int m) {
        float[] c = new float[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                float s = 0;
                for (int t = 0; t < k; t++) {
                    s += a[i * k + t] * b[j * k + t];
                }
                c[i * m + j] = s;
            }
        }
        return c;
    }

    /** {@code a (n×k) · b (k×m)}. */
    static float[] mul(float[] a, float[] b, int n, int k, int m) {
        float[] c = new float[n * m];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < k; t++) {
                float av = a[i * k + t];
                if (av == 0) {
                    continue;
                }
                for (int j = 0; j < m; j++) {
                    c[i * m + j] += av * b[t * m + j];
                }
            }
        }
        return c;
    }

    /** {@code aᵀ b} with {@code a} {@code n×p}, {@code b} {@code n×q}: {@code p×q}. */
    static float[] tMul(float[] a, float[] b, int n, int p, int q) {
        float[] c = new float[p * q];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < p; i++) {
                float av = a[s * p + i];
                if (av == 0) {
                    continue;
                }
                for (int j = 0; j < q; j++) {
                    c[i * q + j] += av * b[s * q + j];
                }
            }
        }
        return c;
    }

    private static float[] addRow(float[] a, float[] row, int n, int m) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                a[i * m + j] += row[j];
            }
        }
        return a;
    }

    private static float[] colSum(float[] a, int n, int m) {
        float[] s = new float[m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                s[j] += a[i * m + j];
            }
        }
        return s;
    }

    @Override
    public void close() {
        for (MatrixBatch p : params) {
            p.close();
        }
    }
}
