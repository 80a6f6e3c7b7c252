package org.ortho4j.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.ortho4j.Schedule;

/**
 * {@link Bounds}: the error of every bounded schedule is at least the lower bound (any schedule, shape, spectrum),
 * the bound's constant cannot be improved (Chebyshev compositions reach it to first order), and exact values.
 */
class BoundsProperties {

    private static final String[] SCHEDULES = {"muon", "polar-express", "root", "auto"};

    /** A spectrum of one of three synthetic classes for a {@code k × n} shape. */
    private static double[] spectrum(int kind, int k, int n, double alpha, Random r) {
        switch (kind) {
            case 0: return Spectra.gaussian(k, n, r);
            case 1: return Spectra.powerLaw(k, n, alpha, r);
            default: return Spectra.spiked(k, n, 1 + r.nextInt(Math.max(1, k / 8)), r);
        }
    }

    @Property(tries = 200)
    void everyLibrarySchedule_isAboveTheBound(@ForAll @IntRange(min = 0, max = 3) int schedule,
                                              @ForAll @IntRange(min = 2, max = 600) int k,
                                              @ForAll @IntRange(min = 1, max = 8) int aspect,
                                              @ForAll @IntRange(min = 0, max = 2) int kind,
                                              @ForAll @DoubleRange(min = 0.3, max = 2.5) double alpha,
                                              @ForAll @IntRange(min = 1, max = 8) int steps,
                                              @ForAll long seed) {
        Schedule.Coefficients c = Schedule.byName(SCHEDULES[schedule]).withSteps(steps).resolve(k, k * aspect);
        double[] sigma = spectrum(kind, k, k * aspect, alpha, new Random(seed));
        double m = Bounds.outputBound(c.triples(), c.scale(), 20_000);
        double lb = Bounds.errorLowerBound(sigma, steps, m);
        double e = Objective.relError(c, sigma);
        assertTrue(e >= lb - 1e-12, c.source() + " steps " + steps + ": error " + e + " below the bound " + lb + " (M = " + m + ")");
    }

    /** Schedules off the published ones: Polar Express's triples, each coefficient jittered by up to ±3% (larger jitters mostly blow up). */
    @Property(tries = 300)
    void perturbedSchedules_areAboveTheBound(@ForAll long seed, @ForAll @IntRange(min = 2, max = 400) int k,
                                             @ForAll @DoubleRange(min = 0.3, max = 2.0) double alpha) {
        Random r = new Random(seed);
        double[][] abc = Schedule.polarExpress().withSteps(5).resolve(k, k).triples();
        for (double[] t : abc) {
            for (int j = 0; j < 3; j++) {
                t[j] *= 1 + 0.06 * (r.nextDouble() - 0.5);
            }
        }
        double m = Bounds.outputBound(abc, 1.02, 20_000);
        Assume.that(m < 100); // a jitter that blows up is no schedule; the bound needs a finite M
        double[] sigma = Spectra.powerLaw(k, k, alpha, r);
        double e = Objective.relError(abc, Objective.normalised(sigma, 1.02, 0));
        double lb = Bounds.errorLowerBound(sigma, 5, m);
        assertTrue(e >= lb - 1e-12, "error " + e + " below the bound " + lb + " (M = " + m + ")");
    }

    /**
     * Sharpness: T₅(y) = 5y − 20y³ + 16y⁵ is bounded by 1 on [0, 1], and its compositions T₅∘…∘T₅ = T_{5^t} reach
     * the bound's {@code 5^t·arcsin y} to first order near 0, so the constant in the bound cannot be improved.
     */
    @Example
    void chebyshevCompositions_attainTheBoundNearZero() {
        for (int t = 1; t <= 3; t++) {
            double[][] abc = new double[t][];
            for (int i = 0; i < t; i++) {
                abc[i] = new double[]{5, -20, 16};
            }
            assertEquals(1.0, Bounds.outputBound(abc, 1.0, 200_000), 1e-6, "T_5^" + t + " is bounded by 1");
            double y = 1e-3 / Bounds.degree(t);
            double v = y;
            for (double[] s : abc) {
                v = v * (s[0] + v * v * (s[1] + v * v * s[2]));
            }
            double ratio = v / (Bounds.degree(t) * Math.asin(y));
            assertTrue(ratio > 0.999 && ratio <= 1 + 1e-12, "T_{5^" + t + "}(y) / (N arcsin y) = " + ratio);
        }
    }

    @Example
    void exactValues() {
        // one value at the top and k − 1 zeros: the zeros contribute 1 each whatever the schedule
        double[] sigma = new double[10];
        sigma[0] = 3;
        assertEquals(Math.sqrt(9.0 / 10), Bounds.errorLowerBound(sigma, 5, 1.2), 1e-15);
        // flat spectrum, k values at y = 1/√k: N·arcsin(1/√k) ≥ 1 for k ≤ N², so nothing is out of reach
        assertEquals(0.0, Bounds.errorLowerBound(new double[]{2, 2, 2, 2}, 1, 1.0), 0.0);
        // a single value y with N·M·arcsin y < 1: (1 − N·M·arcsin y) exactly
        double[] two = {1, 1e-6};
        double y = 1e-6 / Math.sqrt(1 + 1e-12);
        double d = 1 - 1.2 * 3125 * Math.asin(y);
        assertEquals(Math.sqrt(d * d / 2), Bounds.errorLowerBound(two, 5, 1.2), 1e-15);
    }

    @Example
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Bounds.errorLowerBound(new double[0], 5, 1.2));
        assertThrows(IllegalArgumentException.class, () -> Bounds.errorLowerBound(new double[]{0, 0}, 5, 1.2));
        assertThrows(IllegalArgumentException.class, () -> Bounds.errorLowerBound(new double[]{1, -1}, 5, 1.2));
        assertThrows(IllegalArgumentException.class, () -> Bounds.errorLowerBound(new double[]{1, Double.NaN}, 5, 1.2));
        assertThrows(IllegalArgumentException.class, () -> Bounds.errorLowerBound(new double[]{1}, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> Bounds.errorLowerBound(new double[]{1}, 5, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Bounds.errorLowerBound(new double[]{1}, 0, 1.2));
    }
}
