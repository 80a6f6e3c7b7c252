package org.ortho4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
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
import org.ortho4j.emu.EmulatedCuda;
import org.ortho4j.emu.EmulatedDevice;

/**
 * The PTX interpreter's speed (the emulated device of the tests, every check on): a 5-step Polar Express
 * Newton–Schulz through the CUDA backend at {@code BATCHxROWSxCOLS} in each precision — 1x128x128 is the small
 * path's largest case (132 KiB of shared memory), 1x129x300 the large path's tensor-core GEMMs — with the
 * interpreter's thread-instructions as auxiliary counters (rate = threadInstructions / operations / score). Run with
 * {@code jmh/run.sh EmulatorBench -f 1 -wi 1 -i 5 -r 4s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class EmulatorBench {
    @Param({"1x128x128", "1x129x300"})
    public String shape;

    @Param({"FP32", "TF32", "BF16"})
    public Precision precision;

    private EmulatedCuda.Opened opened;
    private MatrixBatch in;
    private MatrixBatch out;

    /**
     * Thread-instructions and operations per iteration (raw sums): the interpreter's rate is
     * {@code threadInstructions / operations / score}.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters {
        public long threadInstructions;
        public long operations;
    }

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("x");
        int batch = Integer.parseInt(p[0]);
        int rows = Integer.parseInt(p[1]);
        int cols = Integer.parseInt(p[2]);
        Random r = new Random(42);
        float[] g = new float[batch * rows * cols];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        opened = EmulatedCuda.open();
        Context ctx = opened.context;
        in = ctx.upload(g, batch, rows, cols);
        out = ctx.allocate(batch, rows, cols);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        in.close();
        out.close();
        opened.context.close();
    }

    @Benchmark
    public MatrixBatch newtonSchulz5(Counters c) {
        EmulatedDevice d = opened.device;
        long before = d.threadInstructions();
        opened.context.newtonSchulz(in, Schedule.polarExpress(), precision, out);
        c.threadInstructions += d.threadInstructions() - before;
        c.operations++;
        return out;
    }
}
