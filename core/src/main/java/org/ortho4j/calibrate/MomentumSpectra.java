package org.ortho4j.calibrate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.ResidualMlp;

/**
 * Singular-value spectra of the Newton–Schulz <em>inputs</em> of a real optimisation run of the library's own
 * {@link Muon} (the settings of {@code ortho4j train}: residual MLP 64-64, 2 blocks of 128 hidden, UCI digits,
 * batch 64, lr 0.01, AdamW lr 2e-3 on the rest, β = 0.95, Nesterov). For every Muon matrix (the input layer
 * {@code E} 64×64 and each block's {@code W_in} 128×64 and {@code W_out} 64×128) the recorder keeps Muon's own
 * momentum recursion on the gradients it hands to {@code step}:
 * <pre>
 * buf ← β·buf + (1−β)·g,   u = (1−β)·g + β·buf      # exactly the matrix Muon passes to ctx.newtonSchulz
 * </pre>
 * and every {@link #EVERY} steps takes the singular values of {@code u} (EJML float64 SVD), sorted and normalised
 * as {@link Spectra} does ({@code Σσ² = k·n}). Deterministic for a seed (same weights, same minibatch order, CPU
 * backend). {@link #TRAIN_SEED} gives the training class, {@link #HELD_OUT_SEED} the held-out class.
 *
 * <p>Transfer to other shapes (a spectral shape model, an assumption, not measured there): the recorded spectrum
 * is read as a function of the relative index {@code t = (i + ½)/k}, and a {@code k' × n'} spectrum takes the
 * log-linear interpolation of it at {@code t = (j + ½)/k'}, then the same normalisation. This keeps what the
 * recorded spectra show (a few dominant directions, a fast-decaying head and a long small tail; see
 * {@code docs/schedules.md}) at the same fraction of the rank; it does not model how a larger layer's gradient
 * rank grows with width, which no run here measures.
 */
public final class MomentumSpectra {
    /** Run seed of the training class. */
    public static final long TRAIN_SEED = 1;
    /** Run seed of the held-out class. */
    public static final long HELD_OUT_SEED = 2;
    /** Steps of a recorded run. */
    public static final int STEPS = 300;
    /** Steps between two recorded spectra. */
    public static final int EVERY = 50;

    /** One recorded spectrum: the matrix it came from, its step, shape {@code k ≤ n}, sorted singular values. */
    public static final class Record {
        /** The matrix: {@code E}, {@code W_in0}, {@code W_out0}, … */
        public final String matrix;
        /** The optimizer step it was recorded at. */
        public final int step;
        /** The smaller side. */
        public final int k;
        /** The larger side. */
        public final int n;
        /** The singular values, descending, {@code Σσ² = k·n}. */
        public final double[] sigma;

        Record(String matrix, int step, int k, int n, double[] sigma) {
            this.matrix = matrix;
            this.step = step;
            this.k = k;
            this.n = n;
            this.sigma = sigma;
        }
    }

    private static final Map<Long, List<Record>> CACHE = new HashMap<>();

    private MomentumSpectra() {
    }

    /**
     * The recorded spectra of the run with {@code seed} (cached per seed).
     *
     * @param seed the run seed, e.g. {@link #TRAIN_SEED}
     * @return the spectra of {@link #STEPS} steps every {@link #EVERY} (unmodifiable)
     */
    public static synchronized List<Record> recorded(long seed) {
        return CACHE.computeIfAbsent(seed, s -> Collections.unmodifiableList(record(s, STEPS, EVERY)));
    }

    /**
     * Runs Muon for {@code steps} steps from {@code seed} and records the NS-input spectra every {@code every} steps.
     *
     * @param seed  the run seed
     * @param steps the number of steps, at least 1
     * @param every steps between two records, at least 1
     * @return the spectra, in step order
     */
    public static List<Record> record(long seed, int steps, int every) {
        return record(seed, steps, every, 64, 128);
    }

    /**
     * As {@link #record(long, int, int)} with a residual MLP of the given {@code width} and block {@code hidden} size,
     * so E is {@code width × 64} and W_in/W_out {@code hidden × width}/{@code width × hidden}: momentum recorded at those
     * shapes directly (used to check the relative-index {@link #transfer} from the default 64-wide model).
     *
     * @param seed   the run seed
     * @param steps  the number of steps, at least 1
     * @param every  steps between two records, at least 1
     * @param width  the residual width, at least 1
     * @param hidden the blocks' hidden width, at least 1
     * @return the spectra, in step order
     */
    public static List<Record> record(long seed, int steps, int every, int width, int hidden) {
        if (width < 1 || hidden < 1 || steps < 1 || every < 1) {
            throw new IllegalArgumentException("width, hidden, steps and every must be ≥ 1, got " + width + ", " + hidden + ", " + steps + ", " + every);
        }
        int batch = 64;
        Digits data = Digits.load(20250101L, 0.2);
        List<Record> out = new ArrayList<>();
        try (Context ctx = Context.create(BackendKind.CPU);
             ResidualMlp model = ResidualMlp.create(ctx, Digits.FEATURES, width, hidden, 2, Digits.CLASSES, seed)) {
            Muon.Options o = new Muon.Options();
            o.lr = 0.01;
            o.adamLr = 2e-3;
            List<MatrixBatch> params = model.parameters();
            // the Muon matrices: E (index 0), then per block W_in (2 + 3l) and W_out (3 + 3l)
            List<Integer> idx = new ArrayList<>();
            List<String> names = new ArrayList<>();
            idx.add(0);
            names.add("E");
            for (int l = 0; l < model.blocks; l++) {
                idx.add(2 + 3 * l);
                names.add("W_in" + l);
                idx.add(3 + 3 * l);
                names.add("W_out" + l);
            }
            float[][] buf = new float[idx.size()][];
            float beta = (float) o.momentum;
            try (Muon opt = new Muon(ctx, model.groups(), o)) {
                List<MatrixBatch> grads = model.newGradients();
                Random order = new Random(seed * 31 + 7);
                float[] xb = new float[batch * Digits.FEATURES];
                int[] yb = new int[batch];
                for (int s = 1; s <= steps; s++) {
                    for (int b = 0; b < batch; b++) {
                        int i = order.nextInt(data.train.n);
                        System.arraycopy(data.train.x, i * Digits.FEATURES, xb, b * Digits.FEATURES, Digits.FEATURES);
                        yb[b] = data.train.y[i];
                    }
                    model.loss(xb, yb, batch, grads, null);
                    for (int q = 0; q < idx.size(); q++) {
                        float[] g = grads.get(idx.get(q)).toArray();
                        if (buf[q] == null) {
                            buf[q] = new float[g.length];
                        }
                        float[] u = new float[g.length];
                        for (int i = 0; i < g.length; i++) {
                            buf[q][i] = beta * buf[q][i] + (1 - beta) * g[i];   // buf ← β·buf + (1−β)·g
                            u[i] = (1 - beta) * g[i] + beta * buf[q][i];        // Nesterov NS input
                        }
                        if (s % every == 0) {
                            MatrixBatch p = params.get(idx.get(q));
                            out.add(new Record(names.get(q), s, Math.min(p.rows(), p.cols()), Math.max(p.rows(), p.cols()),
                                    singularValues(u, p.rows(), p.cols())));
                        }
                    }
                    opt.step(grads);
                }
                for (MatrixBatch g : grads) {
                    g.close();
                }
            }
        }
        return out;
    }

    /** Sorted singular values of the row-major {@code m × n} matrix {@code a}, normalised to {@code Σσ² = k·n}. */
    static double[] singularValues(float[] a, int m, int n) {
        DMatrixRMaj d = new DMatrixRMaj(m, n);
        for (int i = 0; i < a.length; i++) {
            d.data[i] = a[i];
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, false, false, true);
        if (!svd.decompose(d)) {
            throw new IllegalStateException("SVD failed");
        }
        int k = Math.min(m, n);
        double[] s = new double[k];
        System.arraycopy(svd.getSingularValues(), 0, s, 0, k);
        return Spectra.normalise(Spectra.sortDesc(s), k, Math.max(m, n));
    }

    /**
     * {@code count} momentum spectra for shape {@code k × n} from the run with {@code seed}: the recorded spectra of
     * matrices of exactly that shape when there are any, otherwise all recorded spectra transferred by
     * {@link #transfer}; evenly spaced over the recorded list (steps × matrices).
     *
     * @param k     the smaller side
     * @param n     the larger side
     * @param seed  the run seed
     * @param count how many spectra
     * @return the spectra, each {@code k} values, descending
     */
    public static List<double[]> forShape(int k, int n, long seed, int count) {
        List<Record> all = recorded(seed);
        List<Record> same = new ArrayList<>();
        for (Record r : all) {
            if (r.k == k && r.n == n) {
                same.add(r);
            }
        }
        List<Record> pool = same.isEmpty() ? all : same;
        List<double[]> out = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            // the later half of the run weighs more: pick from the end, evenly spaced
            int i = pool.size() - 1 - (int) ((long) c * pool.size() / count);
            Record r = pool.get(i);
            out.add(same.isEmpty() ? transfer(r.sigma, k, n) : r.sigma.clone());
        }
        return out;
    }

    /**
     * The relative-index transfer of a sorted spectrum to {@code k × n} (log-linear interpolation in {@code (i+½)/k}).
     *
     * @param sigma a spectrum, descending, its first value positive
     * @param k     the smaller side of the target shape
     * @param n     the larger side of the target shape
     * @return {@code k} values, descending, {@code Σσ² = k·n}
     */
    public static double[] transfer(double[] sigma, int k, int n) {
        int k0 = sigma.length;
        double floor = 1e-12 * sigma[0];
        double[] out = new double[k];
        for (int j = 0; j < k; j++) {
            double pos = (j + 0.5) / k * k0 - 0.5;                  // position in the recorded index
            int i = (int) Math.floor(pos);
            double t = pos - i;
            int i0 = Math.max(0, Math.min(k0 - 1, i));
            int i1 = Math.max(0, Math.min(k0 - 1, i + 1));
            double l0 = Math.log(Math.max(floor, sigma[i0]));
            double l1 = Math.log(Math.max(floor, sigma[i1]));
            out[j] = Math.exp(l0 + Math.max(0, Math.min(1, t)) * (l1 - l0));
        }
        return Spectra.normalise(Spectra.sortDesc(out), k, n);
    }
}
