package org.ortho4j.io;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the {@code .npy} reader with Jazzer: {@code mvn -Pfuzz test} (README, under the test command).
 * Seeds: {@code src/fuzz/resources/org/ortho4j/io/NpyFuzzerInputs/read/} (written by {@link NpyFuzzOracle#main});
 * the property is {@link NpyFuzzOracle#check}. Only compiled and run in the {@code fuzz} profile; without
 * {@code JAZZER_FUZZ=1} a {@code @FuzzTest} only replays its seeds.
 */
class NpyFuzzer {
    // libFuzzer's dictionary syntax: bytes other than printable ASCII as \xNN.
    @FuzzTest(maxExecutions = 100_000, maxDuration = "20m")
    @DictionaryEntries({"\\x93NUMPY", "'descr'", "'fortran_order'", "'shape'", "'<f4'", "'>f4'", "'<f8'", "'>f8'", "True",
        "False", "(1, 1)", "(2, 3, 4)", "2147483647", "2097152", "L,", "{", "}", ": "})
    void read(byte[] input) {
        NpyFuzzOracle.check(input);
    }
}
