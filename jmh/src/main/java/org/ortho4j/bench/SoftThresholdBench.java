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

/**
 * ROOT's soft-threshold split (quantile {@value FamilyCases#QUANTILE}) and its fused momentum form.
 * Shapes: the MLP and attention matrices of a 12-layer width-768 model. Work: minimum bytes
 * ({@link FamilyCases.SoftThreshold#bytes}), reported as GB/s against the device-to-device copy bandwidth.
 * {@link CpuSoftThresholdBench} and {@link GpuSoftThresholdBench} run it on each backend, side by side.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public abstract class SoftThresholdBench {
    /** The context of the backend under test. */
    abstract Context open();

    @Param({"12x768x768", "12x768x3072", "12x3072x768"})
    public String shape;

    private Context ctx;
    private FamilyCases.SoftThreshold c;

    @Setup
    public void setup(BenchmarkParams bp) {
        ctx = open();
        c = new FamilyCases.SoftThreshold(ctx, shape);
        boolean momentum = BenchSupport.method(bp).equals("momentum");
        BenchSupport.record(bp, "soft_threshold", c.s[0], c.s[1], c.s[2], Double.NaN, c.bytes(momentum), null);
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

    /** {@code Context.softThreshold}. */
    @Benchmark
    public float[] split() {
        return c.split();
    }

    /** {@code Context.momentumSoftThreshold} (Nesterov). */
    @Benchmark
    public float[] momentum() {
        return c.momentum();
    }
}
