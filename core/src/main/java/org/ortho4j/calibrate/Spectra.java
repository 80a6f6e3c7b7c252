package org.ortho4j.calibrate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Singular-value spectra of the matrix classes the schedules are fitted on, per shape {@code k × n}
 * ({@code k = min(m,n)}, {@code n = max(m,n)}). Every spectrum has {@code k} values, sorted descending, scaled so
 * that {@code Σσ² = k·n} (the Frobenius norm of a unit-variance {@code k × n} matrix, so the {@code eps} of the
 * normalisation is as negligible as in practice).
 *
 * <ul>
 *   <li>{@link Kind#GAUSSIAN}: iid N(0,1) entries. The eigenvalues of {@code G Gᵀ / n} follow the Marchenko–Pastur
 *   law with ratio {@code λ = k/n}, support {@code [(1−√λ)², (1+√λ)²]}; the singular values are
 *   {@code σ = √(n·x)}. For large shapes we sample the k values by jittered stratified inverse-CDF sampling
 *   of that law instead of taking the SVD of a huge matrix: the empirical spectral distribution converges to
 *   MP, and the edges of a finite matrix fluctuate only by {@code O(n^(−2/3))} (Tracy–Widom), far below what
 *   five quintic steps resolve. {@code CalibratedScheduleTest} checks the sampled spectra against EJML SVDs
 *   of real Gaussian matrices for small and medium shapes.</li>
 *   <li>{@link Kind#POWER_LAW}: {@code σ_i ∝ i^(−α)} with a 10% log-normal jitter.</li>
 *   <li>{@link Kind#SPIKED}: low rank plus noise: an MP bulk (the noise) and r spikes whose strengths are
 *   log-uniform in {@code [1.5, 30]} times the bulk edge.</li>
 * </ul>
 * Training and held-out sets use disjoint parameters (α, r) and different seeds.
 */
public final class Spectra {

    /** The spectrum classes. */
    public enum Kind {
        /** iid N(0,1) entries: the Marchenko–Pastur law. */
        GAUSSIAN,
        /** {@code σ_i ∝ i^(−α)}, jittered. */
        POWER_LAW,
        /** Low rank plus noise: spikes above an MP bulk. */
        SPIKED,
        /** Muon's recorded NS inputs ({@link MomentumSpectra}). */
        MOMENTUM;

        /**
         * The class's name in reports.
         *
         * @return {@code gaussian}, {@code power-law}, {@code low-rank+noise} or {@code momentum}
         */
        public String label() {
            switch (this) {
                case GAUSSIAN: return "gaussian";
                case POWER_LAW: return "power-law";
                case SPIKED: return "low-rank+noise";
                default: return "momentum";
            }
        }
    }

    /** One labelled spectrum. */
    public static final class Spectrum {
        /** Its class. */
        public final Kind kind;
        /** Its name in reports, e.g. {@code power-law α=0.5}. */
        public final String label;
        /** The {@code k} singular values, descending, {@code Σσ² = k·n}. */
        public final double[] sigma;

        Spectrum(Kind kind, String label, double[] sigma) {
            this.kind = kind;
            this.label = label;
            this.sigma = sigma;
        }
    }

    /** Power-law exponents of the training set. */
    static final double[] TRAIN_ALPHA = {0.5, 0.6, 0.75, 0.9, 1.0, 1.15, 1.3};
    /** Power-law exponents of the held-out set (disjoint from training, in between its values). */
    static final double[] TEST_ALPHA = {0.55, 0.8, 1.05, 1.2};

    /**
     * Whether training and held-out sets include {@link Kind#MOMENTUM} (default true; {@code Calibrator --no-momentum}
     * turns it off to measure what the synthetic classes alone would ship).
     */
    static volatile boolean momentumClass = true;

    private Spectra() {
    }

    /**
     * The training set for shape {@code m × n}: 4 spectra per class.
     *
     * @param m    rows
     * @param n    columns
     * @param seed seed of the synthetic spectra
     * @return the spectra
     */
    public static List<Spectrum> training(int m, int n, long seed) {
        List<Spectrum> out = build(m, n, new Random(seed), TRAIN_ALPHA, new double[]{1, 3, 8, 0.03}, 4);
        addMomentum(out, m, n, MomentumSpectra.TRAIN_SEED, 4);
        return out;
    }

    /**
     * The held-out set for shape {@code m × n}: 3 spectra per class, other seeds and parameters.
     *
     * @param m    rows
     * @param n    columns
     * @param seed seed of the synthetic spectra (mixed, so that it differs from the training set's)
     * @return the spectra
     */
    public static List<Spectrum> heldOut(int m, int n, long seed) {
        List<Spectrum> out = build(m, n, new Random(seed ^ 0x5DEECE66DL), TEST_ALPHA, new double[]{2, 5, 0.06}, 3);
        addMomentum(out, m, n, MomentumSpectra.HELD_OUT_SEED, 3);
        return out;
    }

    /** {@code count} spectra of {@link Kind#MOMENTUM}: Muon's recorded NS inputs ({@link MomentumSpectra}) for that run seed. */
    private static void addMomentum(List<Spectrum> out, int m, int n, long runSeed, int count) {
        if (!momentumClass) {
            return;
        }
        int k = Math.min(m, n);
        int w = Math.max(m, n);
        int i = 0;
        for (double[] s : MomentumSpectra.forShape(k, w, runSeed, count)) {
            out.add(new Spectrum(Kind.MOMENTUM, "momentum run " + runSeed + " #" + (++i), s));
        }
    }

    private static List<Spectrum> build(int m, int n, Random r, double[] alphas, double[] ranks, int gaussians) {
        int k = Math.min(m, n);
        int w = Math.max(m, n);
        List<Spectrum> out = new ArrayList<>();
        for (int i = 0; i < gaussians; i++) {
            out.add(new Spectrum(Kind.GAUSSIAN, "gaussian #" + (i + 1), gaussian(k, w, r)));
        }
        for (double a : alphas) {
            out.add(new Spectrum(Kind.POWER_LAW, "power-law α=" + a, powerLaw(k, w, a, r)));
        }
        for (double rk : ranks) {
            // rk ≥ 1: that many spikes; rk < 1: that fraction of k
            int spikes = (int) Math.max(1, Math.min(k, rk >= 1 ? rk : Math.round(rk * k)));
            out.add(new Spectrum(Kind.SPIKED, "spiked r=" + spikes, spiked(k, w, spikes, r)));
        }
        return out;
    }

    /**
     * {@code k} singular values of a {@code k × n} standard Gaussian matrix, sampled from the MP law.
     *
     * @param k the smaller side
     * @param n the larger side
     * @param r the source of the jitter
     * @return the values, descending, {@code Σσ² = k·n}
     */
    public static double[] gaussian(int k, int n, Random r) {
        double lambda = (double) k / n;
        double[] s = mpSingularQuantiles(lambda, k, r);
        for (int i = 0; i < k; i++) {
            s[i] *= Math.sqrt(n);
        }
        return normalise(sortDesc(s), k, n);
    }

    /**
     * {@code σ_i ∝ i^(−α)} times {@code exp(0.1·z_i)}, sorted.
     *
     * @param k     the smaller side
     * @param n     the larger side
     * @param alpha the exponent α
     * @param r     the source of {@code z_i}
     * @return the values, descending, {@code Σσ² = k·n}
     */
    public static double[] powerLaw(int k, int n, double alpha, Random r) {
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            s[i] = Math.pow(i + 1, -alpha) * Math.exp(0.1 * r.nextGaussian());
        }
        return normalise(sortDesc(s), k, n);
    }

    /**
     * An MP bulk plus {@code spikes} values log-uniform in [1.5, 30] × the bulk's largest.
     *
     * @param k      the smaller side
     * @param n      the larger side
     * @param spikes the number of spikes r, at most {@code k}
     * @param r      the source of the bulk and the spikes
     * @return the values, descending, {@code Σσ² = k·n}
     */
    public static double[] spiked(int k, int n, int spikes, Random r) {
        double[] s = gaussian(k, n, r);
        double edge = s[0];
        for (int i = 0; i < spikes; i++) {
            s[i] = edge * Math.exp(Math.log(1.5) + r.nextDouble() * Math.log(30 / 1.5));
        }
        return normalise(sortDesc(s), k, n);
    }

    /**
     * {@code k} jittered-stratified samples {@code √x} with {@code x} from the Marchenko–Pastur law of ratio
     * {@code λ ∈ (0, 1]}: density of {@code s = √x} is {@code g(s) = √((b − s²)(s² − a)) / (π λ s)},
     * {@code a = (1−√λ)²}, {@code b = (1+√λ)²}; the i-th sample is {@code G⁻¹((i + U_i)/k)}.
     */
    static double[] mpSingularQuantiles(double lambda, int k, Random r) {
        double a = sq(1 - Math.sqrt(lambda));
        double b = sq(1 + Math.sqrt(lambda));
        double lo = Math.sqrt(a);
        double hi = Math.sqrt(b);
        int grid = 20000;
        double[] s = new double[grid + 1];
        double[] cdf = new double[grid + 1];
        double prev = 0;
        for (int i = 0; i <= grid; i++) {
            s[i] = lo + (hi - lo) * i / grid;
            double x = s[i] * s[i];
            double d = Math.max(0, (b - x) * (x - a));
            double g = s[i] == 0 ? (lambda == 1 ? 2 / Math.PI : 0) : Math.sqrt(d) / (Math.PI * lambda * s[i]);
            if (i > 0) {
                cdf[i] = cdf[i - 1] + 0.5 * (g + prev) * (hi - lo) / grid; // trapezoid
            }
            prev = g;
        }
        double total = cdf[grid];
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            double u = (i + r.nextDouble()) / k * total;
            int j = Arrays.binarySearch(cdf, u);
            if (j < 0) {
                j = -j - 2;
            }
            j = Math.max(0, Math.min(grid - 1, j));
            double t = (u - cdf[j]) / Math.max(1e-300, cdf[j + 1] - cdf[j]);
            out[i] = s[j] + Math.max(0, Math.min(1, t)) * (s[j + 1] - s[j]);
        }
        return out;
    }

    /** Scales {@code s} so that {@code Σσ² = k·n}. */
    static double[] normalise(double[] s, int k, int n) {
        double ss = 0;
        for (double v : s) {
            ss += v * v;
        }
        double f = Math.sqrt((double) k * n / ss);
        for (int i = 0; i < s.length; i++) {
            s[i] *= f;
        }
        return s;
    }

    static double[] sortDesc(double[] s) {
        Arrays.sort(s);
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    private static double sq(double x) {
        return x * x;
    }
}
