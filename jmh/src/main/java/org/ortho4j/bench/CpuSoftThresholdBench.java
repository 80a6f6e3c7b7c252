package org.ortho4j.bench;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;

/** {@link SoftThresholdBench} on the CPU backend (all threads). */
@State(Scope.Benchmark)
public class CpuSoftThresholdBench extends SoftThresholdBench {
    @Override
    Context open() {
        return Context.create(BackendKind.CPU);
    }
}
