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
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.cuda.CusolverSvdPolar;

/**
 * The polar factor on the GPU: ortho4j's exact polar ({@code Context.polar}: one-block Jacobi for sides ≤ 128,
 * cuSOLVER {@code Dgesvdj} above) and its bf16 Newton–Schulz approximation (Polar Express, 5 steps) against
 * cuSOLVER float32 SVDs turned into {@code U Vᵀ} ({@link CusolverSvdPolar}: {@code gesvdj} — batched for sides
 * ≤ 32 —, {@code gesvd}, {@code Xgesvdp}; the last two one call per matrix). Work recorded: bytes of input plus
 * output ({@code 8·B·m·n}), no flop count (the SVDs' flops are not comparable); the sidecar also gets each
 * variant's relative error against the CPU's float64 polar factor of matrix 0.
 * Without a CUDA device (or without JCusolver, for the cuSOLVER variants) {@code @Setup} throws with the reason.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GpuPolarBench {
    @Param({"4096x64x64", "1024x128x128", "12x768x768", "1x1024x1024", "1x2048x2048"})
    public String shape;

    private Context ctx;
    private CusolverSvdPolar solver;
    private MatrixBatch[] in;
    private MatrixBatch out;
    private int next;

    @Setup
    public void setup(BenchmarkParams bp) {
        int[] s = BenchSupport.shape(shape);
        String variant = BenchSupport.method(bp);
        ctx = BenchSupport.cuda();
        if (variant.startsWith("cusolver")) {
            solver = CusolverSvdPolar.create(ctx);
        }
        long bytes = 4L * s[0] * s[1] * s[2];
        in = BenchSupport.uploads(ctx, BenchSupport.rotation(bytes), s[0], s[1], s[2], 7);
        out = ctx.allocate(s[0], s[1], s[2]);
        Double err = null;
        float[] exact = BenchSupport.exactPolarFirst(in[0].matrix(0), s[1], s[2], 1024);
        if (exact != null) {
            invoke(variant, in[0]);
            err = BenchSupport.relErr(out.matrix(0), exact, exact.length);
        }
        BenchSupport.record(bp, "polar", s[0], s[1], s[2], Double.NaN, 2.0 * bytes, err);
    }

    private void invoke(String variant, MatrixBatch g) {
        switch (variant) {
            case "oursPolar": ctx.polar(g, out); break;
            case "oursNsBf16": ctx.newtonSchulz(g, Schedule.polarExpress(), Precision.BF16, out); break;
            case "cusolverGesvdj": solver.run(CusolverSvdPolar.Method.GESVDJ, g, out); break;
            case "cusolverGesvd": solver.run(CusolverSvdPolar.Method.GESVD, g, out); break;
            case "cusolverGesvdp": solver.run(CusolverSvdPolar.Method.GESVDP, g, out); break;
            default: throw new IllegalStateException("unknown variant " + variant);
        }
    }

    private MatrixBatch nextInput() {
        MatrixBatch g = in[next];
        next = (next + 1) % in.length;
        return g;
    }

    @TearDown
    public void tearDown() {
        if (solver != null) {
            solver.close();
        }
        if (ctx != null) {
            ctx.close();
        }
    }

    @Benchmark
    public MatrixBatch oursPolar() {
        ctx.polar(nextInput(), out);
        return out;
    }

    @Benchmark
    public MatrixBatch oursNsBf16() {
        ctx.newtonSchulz(nextInput(), Schedule.polarExpress(), Precision.BF16, out);
        return out;
    }

    @Benchmark
    public MatrixBatch cusolverGesvdj() {
        solver.run(CusolverSvdPolar.Method.GESVDJ, nextInput(), out);
        return out;
    }

    @Benchmark
    public MatrixBatch cusolverGesvd() {
        solver.run(CusolverSvdPolar.Method.GESVD, nextInput(), out);
        return out;
    }

    @Benchmark
    public MatrixBatch cusolverGesvdp() {
        solver.run(CusolverSvdPolar.Method.GESVDP, nextInput(), out);
        return out;
    }
}
