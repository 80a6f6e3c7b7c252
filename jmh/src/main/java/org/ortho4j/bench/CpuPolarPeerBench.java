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

/**
 * The exact polar factor ({@code Context.polar}: float64 SVD, {@code U Vᵀ}) on the CPU paths, beside numpy's
 * float32 {@code svd} + {@code U @ Vt} in {@code jmh/peer/numpy_peer.py}: the native path (LAPACK dgesdd) and the
 * pure-Java reference (QR + EJML).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpuPolarPeerBench {
    @Param({"1x512x512", "1x1024x1024"})
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

    /** {@code polar(G)} in float64, stored in float32. */
    @Benchmark
    public MatrixBatch polar() {
        ctx.polar(in, out);
        return out;
    }
}
