package org.ortho4j.io;

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
 * Fuzzes {@link Npy#read(byte[], String)} with mutated valid files, structurally plausible files with boundary
 * shapes, and noise; the property is {@link NpyFuzzOracle}'s. {@link FuzzTries} sets the number of inputs
 * ({@code -Dortho4j.fuzz.tries}); the coverage-guided run is {@code mvn -Pfuzz test} (README, under the test command).
 */
class NpyFuzzProperties {
    private static final List<byte[]> SEEDS = NpyFuzzOracle.seeds();

    @Property(shrinking = ShrinkingMode.OFF)
    @AddLifecycleHook(FuzzTries.class)
    void readerThrowsOnlyNpyExceptionAndAllocatesWithinTheFile(@ForAll("inputs") byte[] input) {
        NpyFuzzOracle.check(input);
    }

    @Provide
    Arbitrary<byte[]> inputs() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of(SEEDS)),
                Tuple.of(10, Arbitraries.randomValue(r -> NpyFuzzOracle.mutate(SEEDS.get(r.nextInt(SEEDS.size())), SEEDS, r))),
                Tuple.of(8, Arbitraries.randomValue(NpyFuzzOracle::structured)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)));
    }
}
