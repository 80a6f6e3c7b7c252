package org.ortho4j.calibrate;

/**
 * What no Newton–Schulz schedule can beat: a lower bound on the relative error of <em>every</em> {@code T}-step
 * odd-quintic schedule on a given spectrum, whatever its coefficients and normalisation, as long as its output stays
 * bounded.
 *
 * <p>Derivation. Write {@code y = σ/‖G‖_F ∈ [0, 1]} for the singular values normalised by the Frobenius norm (every
 * input's values lie there, and every point of {@code [0, 1]} is some input's top value). A schedule with scale
 * {@code s} and triples {@code (a_t, b_t, c_t)} maps {@code y} to {@code Q(y) = P(y / s)}, {@code P = p_T ∘ … ∘ p_1},
 * {@code p_t(x) = a_t x + b_t x³ + c_t x⁵}; {@code Q} is an odd polynomial of degree at most {@code N = 5^T}. If
 * {@code |Q| ≤ M} on {@code [0, 1]} (hence on {@code [−1, 1]}, {@code Q} being odd), Bernstein's inequality
 * {@code |Q′(y)| ≤ N·M / √(1 − y²)} integrates from {@code Q(0) = 0} to {@code |Q(y)| ≤ N·M·arcsin y}. So
 * {@code Q(y) ≤ M·min(1, N·arcsin y)}, and each value contributes at least
 * {@code max(0, 1 − M·min(1, N·arcsin y))²} to {@code Σ (Q(y_i) − 1)²}. A positive {@code eps} in the normalisation
 * only shrinks {@code y}, which the bound (increasing in {@code y}) already covers.
 *
 * <p>Consequence. Values below {@code 1/(N·M)} (for 5 steps and {@code M = 1.2}: {@code 2.7e-4}) stay far from 1
 * under any bounded 5-step schedule; a spectrum with much of its mass there has an error floor no fitting can lower.
 * Polar Express's composed slope at 0 is {@code Π a_t / 1.02 ≈ 1.0e3}, a third of {@code N}, so the bound is not
 * tight, but it is a proof: a target below it is unreachable.
 */
public final class Bounds {

    private Bounds() {
    }

    /**
     * The degree of a {@code steps}-fold composition of odd quintics.
     *
     * @param steps the number of steps, at least 1
     * @return {@code 5^steps}
     */
    public static double degree(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be ≥ 1, got " + steps);
        }
        return Math.pow(5, steps);
    }

    /**
     * The lower bound on {@code √(Σ (Q(y_i) − 1)² / k)} for every {@code steps}-step odd-quintic schedule whose map
     * {@code y ↦ Q(y)} stays within {@code [−bound, bound]} on {@code [0, 1]}.
     *
     * @param sigma singular values (any order, non-negative, not all zero)
     * @param steps the number of steps T, at least 1
     * @param bound {@code M > 0}: the largest output value a schedule may produce on normalised inputs
     * @return the bound, in the units of the relative error
     */
    public static double errorLowerBound(double[] sigma, int steps, double bound) {
        if (!(bound > 0) || Double.isInfinite(bound)) {
            throw new IllegalArgumentException("bound must be positive and finite, got " + bound);
        }
        double ss = 0;
        for (double v : sigma) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("singular values must be finite and ≥ 0, got " + v);
            }
            ss += v * v;
        }
        if (sigma.length == 0 || ss == 0) {
            throw new IllegalArgumentException("need a non-empty, non-zero spectrum");
        }
        double f = Math.sqrt(ss);
        double n = degree(steps);
        double s = 0;
        for (double v : sigma) {
            double y = Math.min(1, v / f);
            double reach = bound * Math.min(1, n * Math.asin(y));
            double d = Math.max(0, 1 - reach);
            s += d * d;
        }
        return Math.sqrt(s / sigma.length);
    }

    /**
     * The largest {@code |Q(y)|} of a schedule over {@code y ∈ [0, 1]} (dense grid of {@code points}, log-spaced below
     * 1e-3 and uniform above), with {@code Q(y) = P(y / (scale + eps/‖G‖))} taken at {@code eps = 0} (its largest reach).
     *
     * @param abc    the triples {@code [step][a|b|c]}
     * @param scale  the normalisation's {@code s}
     * @param points the number of grid points
     * @return the largest {@code |Q(y)|} on the grid: the {@code M} to give {@link #errorLowerBound}
     */
    public static double outputBound(double[][] abc, double scale, int points) {
        double max = 0;
        for (int i = 1; i <= points; i++) {
            double y = i <= points / 2
                    ? 1e-9 * Math.pow(1e-3 / 1e-9, (double) i / (points / 2))
                    : 1e-3 + (1 - 1e-3) * (i - points / 2) / (double) (points - points / 2);
            double v = y / scale;
            for (double[] t : abc) {
                double v2 = v * v;
                v = v * (t[0] + v2 * (t[1] + v2 * t[2]));
            }
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
