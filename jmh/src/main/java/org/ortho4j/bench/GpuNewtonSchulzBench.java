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
import org.ortho4j.cuda.CublasNewtonSchulz;

/**
 * Newton–Schulz on the GPU: ortho4j's kernels (small on-chip path for sides ≤ 128, tensor-core GEMM path above)
 * in bf16 and tf32 operands against the same iteration on cuBLAS ({@link CublasNewtonSchulz}:
 * {@code cublasGemmStridedBatchedEx}, bf16 or tf32 operands, fp32 accumulation). Shapes {@code BATCHxROWSxCOLS}:
 * per-head batches, GPT-2 small's 12 layers, larger matrices. Each call returns after the stream has finished
 * (the library's operations are synchronous), so the measured time is the device time plus launch overhead.
 * Inputs rotate over enough copies to exceed the L2. Work: {@link BenchSupport#nsFlops} (symmetric flops); the
 * sidecar also gets the relative error against the exact polar factor of matrix 0 (sides ≤ 1024).
 * Without a CUDA device {@code @Setup} throws and JMH reports the failure for each benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GpuNewtonSchulzBench {
    @Param({"4096x64x64", "1024x128x128", "12x768x768", "12x768x3072", "1x2048x2048", "1x4096x4096", "1x4096x11008"})
    public String shape;

    /** A built-in schedule name ({@link Schedule#byName}). */
    @Param({"polar-express"})
    public String schedule;

    private Context ctx;
    private CublasNewtonSchulz cublas;
    private MatrixBatch[] in;
    private MatrixBatch out;
    private Schedule sched;
    private Schedule.Coefficients co;
    private int next;

    @Setup
    public void setup(BenchmarkParams bp) {
        int[] s = BenchSupport.shape(shape);
        sched = Schedule.byName(schedule);
        co = sched.resolve(s[1], s[2]);
        String variant = BenchSupport.method(bp);
        ctx = BenchSupport.cuda();
        if (variant.startsWith("cublas")) {
            cublas = CublasNewtonSchulz.create(ctx);   // throws with the reason when JCublas does not load
        }
        long bytes = 4L * s[0] * s[1] * s[2];
        in = BenchSupport.uploads(ctx, BenchSupport.rotation(bytes), s[0], s[1], s[2], 42);
        out = ctx.allocate(s[0], s[1], s[2]);
        Double err = null;
        float[] exact = BenchSupport.exactPolarFirst(in[0].matrix(0), s[1], s[2], 1024);
        if (exact != null) {
            invoke(variant, in[0]);
            err = BenchSupport.relErr(out.matrix(0), exact, exact.length);
        }
        BenchSupport.record(bp, "newton_schulz", s[0], s[1], s[2], BenchSupport.nsFlops(s[0], s[1], s[2], co.steps()),
                bytes * 2, err);
    }

    private void invoke(String variant, MatrixBatch g) {
        switch (variant) {
            case "oursBf16": ctx.newtonSchulz(g, sched, Precision.BF16, out); break;
            case "oursTf32": ctx.newtonSchulz(g, sched, Precision.TF32, out); break;
            case "cublasBf16": cublas.run(g, co, Precision.BF16, out); break;
            case "cublasTf32": cublas.run(g, co, Precision.TF32, out); break;
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
        if (cublas != null) {
            cublas.close();
        }
        if (ctx != null) {
            ctx.close();
        }
    }

    /** ortho4j, bf16 operands. */
    @Benchmark
    public MatrixBatch oursBf16() {
        ctx.newtonSchulz(nextInput(), sched, Precision.BF16, out);
        return out;
    }

    /** ortho4j, tf32 operands. */
    @Benchmark
    public MatrixBatch oursTf32() {
        ctx.newtonSchulz(nextInput(), sched, Precision.TF32, out);
        return out;
    }

    /** cuBLAS strided-batched GEMMs, bf16 operand copies. */
    @Benchmark
    public MatrixBatch cublasBf16() {
        cublas.run(nextInput(), co, Precision.BF16, out);
        return out;
    }

    /** cuBLAS strided-batched GEMMs, tf32 tensor-core math. */
    @Benchmark
    public MatrixBatch cublasTf32() {
        cublas.run(nextInput(), co, Precision.TF32, out);
        return out;
    }
}
