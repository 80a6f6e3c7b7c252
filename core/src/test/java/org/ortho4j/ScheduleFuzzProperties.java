package org.ortho4j;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.ortho4j.testing.FuzzTries;

/**
 * Fuzzes {@link Schedule#parse} with mutated tables (the shipped ones and small ones using every directive) and
 * noise; the property is {@link ScheduleFuzzOracle}'s. {@link FuzzTries} sets the number of inputs
 * ({@code -Dortho4j.fuzz.tries}); the coverage-guided run is {@code mvn -Pfuzz test} (README, under the test command).
 */
class ScheduleFuzzProperties {
    private static final List<byte[]> SEEDS = ScheduleFuzzOracle.seeds();

    @Property(shrinking = ShrinkingMode.OFF)
    @AddLifecycleHook(FuzzTries.class)
    void parseThrowsOnlyIllegalArgumentAndReturnsUsableSchedules(@ForAll("tables") byte[] input) {
        ScheduleFuzzOracle.check(input);
    }

    @Provide
    Arbitrary<byte[]> tables() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of(SEEDS)),
                Tuple.of(18, Arbitraries.randomValue(r -> ScheduleFuzzOracle.mutate(SEEDS.get(r.nextInt(SEEDS.size())), SEEDS, r))),
                Tuple.of(1, Arbitraries.strings().withChars("0123456789 *@#.-\teE\nxnamscalepfbk").ofMaxLength(120)
                        .map(ScheduleFuzzOracle::utf8)));
    }
}
