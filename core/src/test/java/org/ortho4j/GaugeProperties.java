package org.ortho4j;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.ortho4j.RotationGauge.Pair;
import org.ortho4j.RotationGauge.Rope;
import org.ortho4j.testing.GaugeChecks;

/**
 * Gauge projections on random small cases (CPU backend): orthogonal to every vertical direction, idempotent, equal
 * to dense float64 least squares (checks in {@link GaugeChecks}).
 */
class GaugeProperties {
    private static final Context CTX = Context.create(BackendKind.CPU);

    @AfterContainer
    static void closeContext() {
        CTX.close();
    }

    @Property(tries = 60)
    void rotation(@ForAll @IntRange(min = 2, max = 8) int d, @ForAll @IntRange(min = 3, max = 17) int width,
                  @ForAll @IntRange(min = 1, max = 4) int heads, @ForAll @IntRange(min = 0, max = 2) int kvPick,
                  @ForAll boolean vo, @ForAll @IntRange(min = 0, max = 2) int ropePick,
                  @ForAll @IntRange(min = 1, max = 2) int batch, @ForAll long seed) {
        int[] divisors = java.util.stream.IntStream.rangeClosed(1, heads).filter(x -> heads % x == 0).toArray();
        int kv = divisors[kvPick % divisors.length];
        Rope rope = vo ? Rope.NONE : Rope.values()[ropePick];
        int hd = rope != Rope.NONE && d % 2 != 0 ? d - 1 : d;
        RotationGauge gauge = RotationGauge.grouped(vo ? Pair.VO : Pair.QK, heads, kv, rope);
        GaugeChecks.checkRotation(CTX, gauge, batch, hd, width, seed);
    }

    @Property(tries = 40)
    void scaling(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 20) int k,
                 @ForAll @IntRange(min = 1, max = 17) int d1, @ForAll @IntRange(min = 1, max = 17) int d2,
                 @ForAll @IntRange(min = -1, max = 19) int zeroUnit, @ForAll long seed) {
        GaugeChecks.checkScaling(CTX, batch, k, d1, d2, zeroUnit < k ? zeroUnit : -1, seed);
    }

    @Property(tries = 40)
    void logitShift(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 40) int rows,
                    @ForAll @IntRange(min = 1, max = 40) int cols, @ForAll long seed) {
        GaugeChecks.checkLogitShift(CTX, batch, rows, cols, seed);
    }
}
