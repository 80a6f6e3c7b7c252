package org.ortho4j.bench;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.ortho4j.Context;

/** {@link SoftThresholdBench} on the GPU; without a CUDA device {@code @Setup} throws and JMH reports the failure. */
@State(Scope.Benchmark)
public class GpuSoftThresholdBench extends SoftThresholdBench {
    @Override
    Context open() {
        return BenchSupport.cuda();
    }
}
