package org.ortho4j.bench;

import java.util.ArrayList;
import java.util.List;
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
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.ParamGroup;

/**
 * A whole Muon step (fp32 Newton–Schulz, Muon's schedule; momentum, Nesterov, update) over every 2-D weight of a
 * GPT-2-small-like model: 12 layers of 768×768, 768×2304, 768×3072 and 3072×768, each shape one batch of 12, plus
 * the per-head 64×64 blocks (12 layers × 12 heads, one batch of 144). {@code jmh/peer/numpy_peer.py} times numpy's
 * loop over the same weights ({@code muon_step}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpuOptimizerStepBench {
    /** The weight batches: {@code BATCHxROWSxCOLS}. */
    static final String[] SHAPES = {"12x768x768", "12x768x2304", "12x768x3072", "12x3072x768", "144x64x64"};

    @Param({"native", "java"})
    public String path;

    private Context ctx;
    private Muon muon;
    private final List<MatrixBatch> grads = new ArrayList<>();

    @Setup
    public void setup() {
        ctx = CpuPeerSupport.context(path);
        List<MatrixBatch> weights = new ArrayList<>();
        long seed = 1;
        for (String sh : SHAPES) {
            int[] s = BenchSupport.shape(sh);
            long n = (long) s[0] * s[1] * s[2];
            float[] w = BenchSupport.gaussian(seed++, n);
            for (int i = 0; i < w.length; i++) {
                w[i] *= 0.02f;
            }
            weights.add(ctx.upload(w, s[0], s[1], s[2]));
            grads.add(ctx.upload(BenchSupport.gaussian(seed++, n), s[0], s[1], s[2]));
        }
        Muon.Options o = new Muon.Options();
        o.precision = Precision.FP32;
        muon = new Muon(ctx, List.of(ParamGroup.hidden("gpt2-small", weights.toArray(new MatrixBatch[0]))), o);
    }

    @TearDown
    public void tearDown() {
        muon.close();
        ctx.close();
    }

    /** One optimizer step over every weight. */
    @Benchmark
    public Muon step() {
        muon.step(grads);
        return muon;
    }
}
