package org.ortho4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/**
 * The gauge projections of a 12-layer, 12-head width-768 model; cases in
 * {@link FamilyCases.Gauge}. Work: minimum bytes, reported as GB/s against the device-to-device copy bandwidth.
 * {@link CpuGaugeBench} and {@link GpuGaugeBench} run it on each backend, side by side.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public abstract class GaugeBench {
    /** The context of the backend under test. */
    abstract Context open();

    @Param({"rotationQK", "rotationQKRope", "rotationVO", "scaling", "logitShift"})
    public String gauge;

    private Context ctx;
    private FamilyCases.Gauge c;

    @Setup
    public void setup(BenchmarkParams bp) {
        ctx = open();
        c = new FamilyCases.Gauge(ctx, gauge);
        BenchSupport.record(bp, "gauge", c.batch, c.rows, c.cols, Double.NaN, c.bytes(), null);
    }

    @TearDown
    public void tearDown() {
        if (c != null) {
            c.close();
        }
        if (ctx != null) {
            ctx.close();
        }
    }

    /** ortho4j's projection. */
    @Benchmark
    public MatrixBatch ours() {
        return c.run();
    }
}
