package org.ortho4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

/**
 * Ground truth for ROOT's soft-threshold split (docs/algorithms.md §3.1–§3.2), by a full sort as the ROOT reference code does:
 * {@code ε = (float)(quantile(|M|, q) + 1e-9)} with torch.quantile's linear interpolation in double, and the
 * split's invariants.
 */
public final class SoftThresholdOracle {
    private SoftThresholdOracle() {
    }

    /** ε of {@code m[off, off + n)}: sort |M| ascending, {@code pos = q(n−1)}, lerp between floor and ceil. */
    public static float epsilon(float[] m, int off, int n, double q) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = Math.abs(m[off + i]);
        }
        Arrays.sort(a);
        double pos = q * (n - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(n - 1, (int) Math.ceil(pos));
        double v = (double) a[lo] + (pos - lo) * ((double) a[hi] - (double) a[lo]);
        return (float) (v + 1e-9);
    }

    /**
     * Checks one matrix's split against {@code m}: ε equals the sorted reference bit for bit, {@code base} and
     * {@code outlier} are exactly {@code clamp(M, −ε, ε)} and {@code M − base} in float, {@code |base| ≤ ε},
     * {@code base + outlier} is within one ulp of {@code M}, the outlier has the sign of {@code M} or is zero.
     */
    public static void checkSplit(String what, float[] m, int off, int n, double q, float eps, float[] base, float[] outlier) {
        float ref = epsilon(m, off, n, q);
        assertEquals(ref, eps, () -> what + ": ε differs from the sorted reference (q=" + q + ", n=" + n + ")");
        assertTrue(eps > 0, () -> what + ": ε must be positive");
        for (int i = off; i < off + n; i++) {
            float x = m[i];
            float b = base[i];
            float o = outlier[i];
            int at = i - off;
            assertTrue(Float.isFinite(b) && Float.isFinite(o), () -> what + ": element " + at + " not written or not finite");
            assertTrue(Math.abs(b) <= eps, () -> what + ": |base| > ε at " + at);
            float clamp = Math.min(Math.max(x, -eps), eps);
            assertEquals(clamp, b, 0f, () -> what + ": base != clamp(M, −ε, ε) at " + at);
            assertEquals(x - clamp, o, 0f, () -> what + ": outlier != M − base at " + at);
            float sum = b + o;
            assertTrue(Math.abs(sum - x) <= Math.ulp(x), () -> what + ": base + outlier not within 1 ulp of M at " + at);
            assertTrue(o == 0 || Math.signum(o) == Math.signum(x), () -> what + ": outlier sign at " + at);
            if (Math.abs(x) <= eps) {
                assertEquals(0f, o, 0f, () -> what + ": outlier of |M| ≤ ε must be 0 at " + at);
            }
        }
    }
}
