package org.ortho4j;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@link Schedule#parse} with Jazzer: {@code mvn -Pfuzz test} (README, under the test command).
 * Seeds: {@code src/fuzz/resources/org/ortho4j/ScheduleFuzzerInputs/parse/} (written by
 * {@link ScheduleFuzzOracle#main}, the auto table then cut to two shapes); the property is
 * {@link ScheduleFuzzOracle#check}. Only compiled and run in the {@code fuzz} profile.
 */
class ScheduleFuzzer {
    // libFuzzer's dictionary syntax: bytes other than printable ASCII as \xNN.
    @FuzzTest(maxExecutions = 100_000, maxDuration = "20m")
    @DictionaryEntries({"@name ", "@scale ", "@eps ", "@fallback ", "@provenance ", "@interpolate ", "nearest", "muon",
        "polar-express", "root", "auto", "* * * ", "* * 1 ", "64 64 1 ", "\\x09", "\\x0a", "# ", "1e-7", "NaN", "Infinity"})
    void parse(byte[] input) {
        ScheduleFuzzOracle.check(input);
    }
}
