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
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * Newton–Schulz fp32 (Polar Express, 5 steps) on the CPU paths, on the shapes of {@code jmh/peer/numpy_peer.py}:
 * the native path (OpenBLAS ssyrk/ssymm) and the pure-Java reference. {@code bench/cpu_peer.sh} runs it beside
 * numpy's same iteration and writes the side-by-side table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpuPeerBench {
    @Param({"1x256x256", "1x512x512", "1x1024x1024", "1x768x3072", "1x1024x4096", "256x64x64", "32x128x128",
            "4096x64x64"})
    public String shape;

    @Param({"native", "java"})
    public String path;

    private Context ctx;
    private MatrixBatch in;
    private MatrixBatch out;

    @Setup
    public void setup() {
        int[] s = BenchSupport.shape(shape);
        ctx = CpuPeerSupport.context(path);
        in = ctx.upload(BenchSupport.gaussian(42, (long) s[0] * s[1] * s[2]), s[0], s[1], s[2]);
        out = ctx.allocate(s[0], s[1], s[2]);
    }

    @TearDown
    public void tearDown() {
        ctx.close();
    }

    /** Polar Express, 5 steps, fp32 operands. */
    @Benchmark
    public MatrixBatch newtonSchulz() {
        ctx.newtonSchulz(in, Schedule.polarExpress(), Precision.FP32, out);
        return out;
    }
}
