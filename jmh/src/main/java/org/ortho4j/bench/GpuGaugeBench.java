package org.ortho4j.bench;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.ortho4j.Context;

/** {@link GaugeBench} on the GPU; without a CUDA device {@code @Setup} throws and JMH reports the failure. */
@State(Scope.Benchmark)
public class GpuGaugeBench extends GaugeBench {
    @Override
    Context open() {
        return BenchSupport.cuda();
    }
}
