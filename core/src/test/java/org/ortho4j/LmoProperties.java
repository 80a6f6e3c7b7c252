package org.ortho4j;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.ortho4j.testing.PolarChecks;

/**
 * Invariants of every exact LMO on random shapes (1..24 per side, batch 1..3), layers and scales: unit norm in the
 * layer norm and {@code ⟨d, lmo(d)⟩ = ‖d‖_*} (norms derived in {@link LmoNorms}); oddness
 * {@code lmo(−d) = −lmo(d)} (exact); invariance {@code lmo(c·d) = lmo(d)} for {@code c > 0} up to the
 * {@code eps = 1e-8} of the denominators. Entries have magnitude in [0.5, 1.5]·scale with scale ≥ 0.1, so eps
 * changes the results by at most ~1e-7 relative.
 */
class LmoProperties {
    private static Context ctx;

    @BeforeContainer
    static void open() {
        ctx = Context.create(BackendKind.CPU);
    }

    @AfterContainer
    static void close() {
        ctx.close();
    }

    private static float[] lmo(Lmo l, float[] d, int batch, int m, int n) {
        try (MatrixBatch in = ctx.upload(d, batch, m, n); MatrixBatch out = ctx.lmo(l, in)) {
            return out.toArray();
        }
    }

    @Property(tries = 80)
    boolean unitNormDualPairingOddAndScaleInvariant(@ForAll Lmo.Norm norm, @ForAll Lmo.Layer layer,
                                                    @ForAll @IntRange(min = 1, max = 24) int m,
                                                    @ForAll @IntRange(min = 1, max = 24) int n,
                                                    @ForAll @IntRange(min = 1, max = 3) int batch,
                                                    @ForAll @DoubleRange(min = 0.1, max = 100) double scale,
                                                    @ForAll @DoubleRange(min = 0.25, max = 4) double c,
                                                    @ForAll long seed) {
        Lmo l = Lmo.of(norm, layer);
        Random r = new Random(seed);
        float[] d = LmoContract.boundedAwayFromZero(r, batch * m * n, scale);
        float[] x = lmo(l, d, batch, m, n);
        double tol = LmoNorms.tolerance(l);
        for (int b = 0; b < batch; b++) {
            int off = b * m * n;
            double nrm = LmoNorms.norm(l, x, off, m, n);
            double pair = PolarChecks.dot(d, off, x, off, m * n) / LmoNorms.dual(l, d, off, m, n);
            if (!(Math.abs(nrm - 1) <= tol && Math.abs(pair - 1) <= tol)) {
                throw new AssertionError(l + " " + m + "x" + n + ": norm " + nrm + ", pairing/dual " + pair);
            }
        }
        float[] neg = d.clone();
        float[] scaled = d.clone();
        for (int i = 0; i < d.length; i++) {
            neg[i] = -d[i];
            scaled[i] = (float) (c * d[i]);
        }
        float[] xn = lmo(l, neg, batch, m, n);
        for (int i = 0; i < x.length; i++) {
            if (xn[i] != -x[i]) {
                throw new AssertionError(l + ": lmo(−d) ≠ −lmo(d) at " + i + ": " + xn[i] + " vs " + x[i]);
            }
        }
        double err = org.ortho4j.testing.TestMatrices.relError(lmo(l, scaled, batch, m, n), x);
        if (!(err <= tol)) {
            throw new AssertionError(l + ": lmo(" + c + "·d) vs lmo(d): " + err);
        }
        return true;
    }
}
