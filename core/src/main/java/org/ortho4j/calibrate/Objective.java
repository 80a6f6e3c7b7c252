package org.ortho4j.calibrate;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The scalar-domain calibration objective (docs/algorithms.md §1.4): NS maps each normalised singular value
 * {@code x_i = σ_i / (s·‖G‖_F + eps)}, {@code ‖G‖_F² = Σσ²}, through the composed polynomial
 * {@code P = p_T ∘ … ∘ p_1}, {@code p_t(x) = a_t x + b_t x³ + c_t x⁵}, so the relative error against
 * {@code polar(G)} is {@code e = ‖X − U Vᵀ‖_F / ‖U Vᵀ‖_F = √(Σ_i (P(x_i) − 1)² / k)}.
 *
 * <p>Objective, over the classes c of the training set:
 * {@code J = mean_c r_c + 20·Σ_c max(0, r_c − 0.998) + penalty}, with
 * {@code r_c = ē_c(θ) / ē_c(Polar Express)} the class's mean relative error as a fraction of Polar Express's.
 * Constraints (quadratic penalty, weight 1e4) on a dense grid of {@code x ∈ [0, X_MAX]}: every intermediate
 * {@code x_t} stays in {@code [0, }{@value #INTERMEDIATE_BOUND}{@code ]} and the composed value in
 * {@code [0, }{@value #COMPOSED_BOUND}{@code ]}, so no input blows up, even one with a single dominant singular
 * value whose normalised value rounds up past 1.
 *
 * <p>Precision model: {@link Mode#FP32} evaluates exactly; {@link Mode#BF16} multiplies every value after every
 * step by {@code 1 + δ z} with a fixed seeded {@code z ~ N(0,1)} and {@code δ = 2⁻⁸} (bf16's unit roundoff is
 * 2⁻⁹; the extra factor covers the accumulation over a product), which penalises steps whose slope near 1 would
 * amplify rounding noise; {@link Mode#BOTH} averages the two.
 */
public final class Objective {

    /** Precision model of the fit. */
    public enum Mode {
        /** Exact arithmetic on the scalars. */
        FP32,
        /** Every value multiplied by {@code 1 + δz} after every step. */
        BF16,
        /** The mean of the two. */
        BOTH
    }

    static final double INTERMEDIATE_BOUND = 2.0;
    static final double COMPOSED_BOUND = 1.2;
    static final double BF16_DELTA = 1.0 / 256;
    static final int MAX_POINTS = 256;
    /**
     * Per-step multiplicative push applied to every intermediate value in the second trajectory of the bounds check:
     * Polar Express's own margin, measured. Its five triples stay within the bounds on {@code [0, }{@value #X_MAX}{@code ]}
     * with a 2% push after every step (composed value at most 1.211, see {@link #PUSHED_COMPOSED_BOUND}) and leave them
     * at 2.05% (a value near x ≈ 0.09 or 0.005 runs away). A fitted table must be at least as robust to rounding as
     * the schedule it is compared with: with a 1% push the fits sat at their constraint and ran away at 1.05–1.35%,
     * which the bf16 noise model (0.39% per step) reaches at 3σ (one value of a 220x880 Gaussian spectrum did).
     */
    static final double PUSH = 1.02;
    /** Bound on the composed value of the pushed trajectory; Polar Express's is 1.211. */
    static final double PUSHED_COMPOSED_BOUND = 1.22;
    /**
     * Upper end of the checked interval. Normalised inputs are at most {@code 1/1.02 = 0.980}; Polar Express stays
     * bounded up to x = 1.0203, so 1.02 is its margin against rounding of the normalisation (4%).
     */
    public static final double X_MAX = 1.02;
    /** Ratio to Polar Express above which a class is penalised steeply (the "never worse than PE" guard). */
    static final double HINGE = 0.998;
    /**
     * Robustness floor: on {@code [x_lo, X_MAX]} the composed polynomial must stay at or above this value (checked on
     * a dense grid when a fit is shipped). 0.7 is the bottom of the band Muon's own quintic converges to
     * ({@code P_Muon ∈ [0.68, 1.2]} on its working range), so no singular direction of an input, however its spectrum
     * is placed, ends farther below 1 than under Muon.
     */
    public static final double FLOOR = 0.7;
    /** The fit penalises values below this (a margin above {@link #FLOOR}, so that a fit's residual violations between grid points stay above the shipped floor). */
    static final double FLOOR_FIT = 0.73;
    /** Quantile of the shape's Gaussian (Marchenko–Pastur) normalised spectrum that defines {@code x_lo}. */
    public static final double X_LO_QUANTILE = 0.05;

    private final Spectra.Kind[] kinds;
    private final double[][] xs; // normalised, subsampled training values
    private final double[][][] noise; // [spectrum][step][value]
    private final Mode mode;
    private final int steps;
    private final Map<Spectra.Kind, Double> baseline = new EnumMap<>(Spectra.Kind.class);
    private final double[] grid;
    private final double xLo;

    /**
     * The objective of one shape.
     *
     * @param training  the training spectra ({@link Spectra#training})
     * @param scale     the normalisation's {@code s}
     * @param eps       the normalisation's {@code eps}
     * @param steps     the number of steps T
     * @param mode      the precision model
     * @param reference the triples the ratios {@code r_c} are taken against (Polar Express's)
     * @param seed      seed of the bf16 noise
     * @param xLo       the lower end of the floor interval {@code [x_lo, X_MAX]} (see {@link #xLo(int, int, double, double)})
     */
    public Objective(List<Spectra.Spectrum> training, double scale, double eps, int steps, Mode mode,
                     double[][] reference, long seed, double xLo) {
        this.xLo = xLo;
        this.steps = steps;
        this.mode = mode;
        this.kinds = new Spectra.Kind[training.size()];
        this.xs = new double[training.size()][];
        this.noise = new double[training.size()][][];
        Random r = new Random(seed);
        for (int i = 0; i < training.size(); i++) {
            kinds[i] = training.get(i).kind;
            xs[i] = subsample(normalised(training.get(i).sigma, scale, eps), MAX_POINTS);
            noise[i] = new double[steps][xs[i].length];
            for (double[] row : noise[i]) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = 1 + BF16_DELTA * r.nextGaussian();
                }
            }
        }
        this.grid = constraintGrid(2000);
        Map<Spectra.Kind, double[]> acc = classErrors(reference);
        for (Map.Entry<Spectra.Kind, double[]> e : acc.entrySet()) {
            baseline.put(e.getKey(), e.getValue()[0] / e.getValue()[1]);
        }
    }

    /**
     * {@code x_i = σ_i / (s·√(Σσ²) + eps)}, as the iteration normalises.
     *
     * @param sigma the singular values
     * @param scale the normalisation's {@code s}
     * @param eps   the normalisation's {@code eps}
     * @return the normalised values, in the order of {@code sigma}
     */
    public static double[] normalised(double[] sigma, double scale, double eps) {
        double ss = 0;
        for (double v : sigma) {
            ss += v * v;
        }
        double d = scale * Math.sqrt(ss) + eps;
        double[] x = new double[sigma.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = sigma[i] / d;
        }
        return x;
    }

    /** Every ⌈n/max⌉-th value of a sorted spectrum (a stratified subsample: same distribution, fewer points). */
    static double[] subsample(double[] x, int max) {
        if (x.length <= max) {
            return x;
        }
        int stride = (x.length + max - 1) / max;
        double[] out = new double[(x.length + stride - 1) / stride];
        for (int i = 0, j = stride / 2; i < out.length; i++, j += stride) {
            out[i] = x[Math.min(j, x.length - 1)];
        }
        return out;
    }

    /**
     * The relative error of a resolved schedule on singular values {@code sigma}, normalised as that schedule runs.
     *
     * @param c     the coefficients
     * @param sigma the singular values of G
     * @return {@code ‖NS(G) − polar(G)‖_F / ‖polar(G)‖_F} in exact arithmetic
     */
    public static double relError(org.ortho4j.Schedule.Coefficients c, double[] sigma) {
        return relError(c.triples(), normalised(sigma, c.scale(), c.eps()));
    }

    /**
     * The relative error {@code √(Σ (P(x_i) − 1)² / k)} of schedule {@code abc} on normalised values {@code x}.
     *
     * @param abc the triples {@code [step][a|b|c]}
     * @param x   the normalised singular values
     * @return the relative error
     */
    public static double relError(double[][] abc, double[] x) {
        return relError(abc, x, null);
    }

    static double relError(double[][] abc, double[] x, double[][] noise) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            for (int t = 0; t < abc.length; t++) {
                double v2 = v * v;
                v = v * (abc[t][0] + v2 * (abc[t][1] + v2 * abc[t][2])); // p_t(v) = a v + b v³ + c v⁵
                if (noise != null) {
                    v *= noise[t][i];
                }
            }
            double d = v - 1;
            s += d * d;
        }
        return Math.sqrt(s / x.length);
    }

    /** Per class: {sum of errors, count} of {@code abc} on the training set, under this objective's mode. */
    Map<Spectra.Kind, double[]> classErrors(double[][] abc) {
        Map<Spectra.Kind, double[]> acc = new EnumMap<>(Spectra.Kind.class);
        for (int i = 0; i < xs.length; i++) {
            double e;
            switch (mode) {
                case FP32: e = relError(abc, xs[i], null); break;
                case BF16: e = relError(abc, xs[i], noise[i]); break;
                default: e = 0.5 * (relError(abc, xs[i], null) + relError(abc, xs[i], noise[i]));
            }
            double[] a = acc.computeIfAbsent(kinds[i], k -> new double[2]);
            a[0] += e;
            a[1] += 1;
        }
        return acc;
    }

    /**
     * J(θ).
     *
     * @param theta the flattened triples {@code θ = (a_1, b_1, c_1, …, a_T, b_T, c_T)}
     * @return the objective
     */
    public double value(double[] theta) {
        double[][] abc = unflatten(theta);
        double pen = penalty(abc, grid, xLo, FLOOR_FIT);
        double mean = 0;
        double hinge = 0;
        Map<Spectra.Kind, double[]> acc = classErrors(abc);
        for (Map.Entry<Spectra.Kind, double[]> e : acc.entrySet()) {
            double r = e.getValue()[0] / e.getValue()[1] / baseline.get(e.getKey());
            mean += r / acc.size();
            hinge += Math.max(0, r - HINGE);
        }
        return mean + 20 * hinge + 1e4 * pen;
    }

    /**
     * Per-class ratios r_c to Polar Express (for reporting).
     *
     * @param abc the triples {@code [step][a|b|c]}
     * @return {@code r_c} per class of the training set
     */
    public Map<Spectra.Kind, Double> ratios(double[][] abc) {
        Map<Spectra.Kind, Double> out = new EnumMap<>(Spectra.Kind.class);
        for (Map.Entry<Spectra.Kind, double[]> e : classErrors(abc).entrySet()) {
            out.put(e.getKey(), e.getValue()[0] / e.getValue()[1] / baseline.get(e.getKey()));
        }
        return out;
    }

    /**
     * {@code x_lo(k, n)}: the {@value #X_LO_QUANTILE} quantile of the normalised singular values of a Gaussian
     * {@code k × n} matrix (Marchenko–Pastur law, deterministic stratified sample). Below it the Gaussian class puts
     * 5% of its mass and the wide shapes none at all (their MP law starts at {@code (1 − √(k/n))·…}); power-law spectra
     * put more mass there, but where every 5-step schedule, Polar Express included (it reaches 0.7 only at
     * {@code x ≈ 7.7e-4}), is far from 1 anyway.
     *
     * @param k     the smaller side
     * @param n     the larger side
     * @param scale the normalisation's {@code s}
     * @param eps   the normalisation's {@code eps}
     * @return {@code x_lo}
     */
    public static double xLo(int k, int n, double scale, double eps) {
        double[] x = normalised(Spectra.gaussian(k, n, new Random(0)), scale, eps); // sorted descending
        return x[Math.min(x.length - 1, (int) Math.floor((1 - X_LO_QUANTILE) * x.length))];
    }

    /**
     * Σ squared violations of the bounds on the grid (0 when feasible), plus, for grid points {@code x ≥ xLo}, the
     * squared shortfall of the composed value below {@code floor} (exact trajectory only). Each grid trajectory runs twice: exactly,
     * and with every intermediate value pushed up by {@value #PUSH} per step (rounding can only make a value that was
     * inside the bounds land a little outside, and above is where a quintic with {@code c > 0} blows up).
     * Values are clamped to ±10 after scoring so that the penalty stays finite and continuous for the optimiser.
     *
     * @param abc   the triples {@code [step][a|b|c]}
     * @param grid  the points checked ({@link #constraintGrid})
     * @param xLo   the lower end of the floor interval
     * @param floor the floor on the composed value
     * @return the squared violations summed over both trajectories and divided by the number of grid points; 0
     *         when feasible
     */
    public static double penalty(double[][] abc, double[] grid, double xLo, double floor) {
        double pen = 0;
        for (double push : new double[]{1.0, PUSH}) {
            for (double x0 : grid) {
                double v = x0;
                for (int t = 0; t < abc.length; t++) {
                    double v2 = v * v;
                    v = v * (abc[t][0] + v2 * (abc[t][1] + v2 * abc[t][2]));
                    if (!Double.isFinite(v)) {
                        v = 10;
                    }
                    v = Math.max(-10, Math.min(10, v));
                    double bound = t < abc.length - 1 ? INTERMEDIATE_BOUND : push == 1.0 ? COMPOSED_BOUND : PUSHED_COMPOSED_BOUND;
                    if (v > bound) {
                        pen += (v - bound) * (v - bound);
                    } else if (v < 0) {
                        pen += v * v;
                    }
                    v *= push;
                }
                if (push == 1.0 && x0 >= xLo && v < floor) {
                    pen += (floor - v) * (floor - v);
                }
            }
        }
        return pen / grid.length;
    }

    /**
     * The ranges a schedule reaches on a grid.
     *
     * @param abc  the triples {@code [step][a|b|c]}
     * @param grid the points checked
     * @return {@code {max |x_t| over the intermediate steps, max composed value, min composed value (x > 0)}}
     */
    public static double[] ranges(double[][] abc, double[] grid) {
        double maxInt = 0, maxC = -Double.MAX_VALUE, minC = Double.MAX_VALUE;
        for (double x0 : grid) {
            double v = x0;
            for (int t = 0; t < abc.length; t++) {
                double v2 = v * v;
                v = v * (abc[t][0] + v2 * (abc[t][1] + v2 * abc[t][2]));
                if (t < abc.length - 1) {
                    maxInt = Math.max(maxInt, Math.abs(v));
                }
            }
            maxC = Math.max(maxC, v);
            if (x0 > 0) {
                minC = Math.min(minC, v);
            }
        }
        return new double[]{maxInt, maxC, minC};
    }

    /**
     * The smallest composed value {@code P(x)} over grid points {@code x ≥ xLo} (the floor check).
     *
     * @param abc  the triples {@code [step][a|b|c]}
     * @param grid the points checked
     * @param xLo  the lower end of the floor interval
     * @return the smallest {@code P(x)}
     */
    public static double composedMin(double[][] abc, double[] grid, double xLo) {
        double min = Double.POSITIVE_INFINITY;
        for (double x0 : grid) {
            if (x0 < xLo) {
                continue;
            }
            double v = x0;
            for (double[] t : abc) {
                double v2 = v * v;
                v = v * (t[0] + v2 * (t[1] + v2 * t[2]));
            }
            min = Math.min(min, v);
        }
        return min;
    }

    /**
     * {@code n} points on {@code [0, X_MAX]}: half log-spaced from 1e-6, half uniform.
     *
     * @param n the number of points, at least 4
     * @return the points, ascending
     */
    public static double[] constraintGrid(int n) {
        double[] g = new double[n];
        int h = n / 2;
        for (int i = 0; i < h; i++) {
            g[i] = 1e-6 * Math.pow(X_MAX / 1e-6, (double) i / (h - 1));
        }
        for (int i = h; i < n; i++) {
            g[i] = X_MAX * (i - h + 1) / (n - h);
        }
        return g;
    }

    /**
     * The number of steps T the objective fits.
     *
     * @return T
     */
    public int steps() {
        return steps;
    }

    static double[][] unflatten(double[] theta) {
        double[][] abc = new double[theta.length / 3][3];
        for (int i = 0; i < theta.length; i++) {
            abc[i / 3][i % 3] = theta[i];
        }
        return abc;
    }

    static double[] flatten(double[][] abc) {
        double[] t = new double[abc.length * 3];
        for (int i = 0; i < t.length; i++) {
            t[i] = abc[i / 3][i % 3];
        }
        return t;
    }

    static List<double[]> list(double[][] a) {
        return new ArrayList<>(List.of(a));
    }
}
