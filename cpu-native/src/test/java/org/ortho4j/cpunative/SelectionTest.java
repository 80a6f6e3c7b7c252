package org.ortho4j.cpunative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.testing.NewtonSchulzReference;
import org.ortho4j.testing.TestMatrices;
import org.ortho4j.testing.Tolerances;

/** How {@link Context} picks the CPU path with this module on the class path, and the native thread splits. */
class SelectionTest {

    @Test
    void cpuAndAutoPreferTheNativeProvider() {
        for (BackendKind k : new BackendKind[]{BackendKind.CPU, BackendKind.AUTO}) {
            try (Context ctx = Context.create(k, 2)) {
                assertEquals(BackendKind.CPU, ctx.kind()); // no CUDA device on the test machines
                assertTrue(ctx.selectionReason().contains("native CPU path (OpenBlasBackendProvider loaded)"),
                        ctx.selectionReason());
                assertTrue(ctx.description().startsWith("cpu: OpenBLAS 0.3.31") && ctx.description().contains(", 2 threads"),
                        ctx.description());
            }
        }
    }

    @Test
    void pureJavaCanBeForced() {
        try (Context ctx = Context.cpu(2)) {
            assertTrue(ctx.description().startsWith("cpu: pure Java"), ctx.description());
            assertTrue(ctx.selectionReason().contains("pure Java (Context.cpu)"), ctx.selectionReason());
        }
        String old = System.getProperty(Context.CPU_PATH_PROPERTY);
        System.setProperty(Context.CPU_PATH_PROPERTY, "java");
        try (Context ctx = Context.create(BackendKind.CPU)) {
            assertTrue(ctx.description().startsWith("cpu: pure Java"), ctx.description());
            assertTrue(ctx.selectionReason().contains("-Dortho4j.cpu=java"), ctx.selectionReason());
        } finally {
            if (old == null) {
                System.clearProperty(Context.CPU_PATH_PROPERTY);
            } else {
                System.setProperty(Context.CPU_PATH_PROPERTY, old);
            }
        }
    }

    /**
     * One BLAS thread, several BLAS threads on one large matrix, Java workers over a batch, wide and tall: all
     * within the fp32 tolerance of the float64 iteration, for every precision's operands.
     */
    @Test
    void threadSplitsAndOrientationsAgreeWithTheFloat64Iteration() {
        int[][] shapes = {{1, 160, 400}, {1, 400, 160}, {5, 33, 47}, {3, 47, 33}};
        for (int[] s : shapes) {
            float[] g = TestMatrices.gaussian(new Random(s[1] * 7L + s[2]), s[0] * s[1] * s[2]);
            int size = s[1] * s[2];
            Schedule.Coefficients co = Schedule.polarExpress().resolve(s[1], s[2]);
            for (int threads : new int[]{1, 2, 3}) {
                try (Context ctx = Context.create(BackendKind.CPU, threads);
                     MatrixBatch in = ctx.upload(g, s[0], s[1], s[2]);
                     MatrixBatch out = ctx.allocate(s[0], s[1], s[2])) {
                    ctx.newtonSchulz(in, Schedule.polarExpress(), Precision.FP32, out);
                    float[] x = out.toArray();
                    for (int b = 0; b < s[0]; b++) {
                        double[] ref = NewtonSchulzReference.ns(g, b * size, s[1], s[2], co);
                        double err = TestMatrices.relError(x, b * size, ref, 0, size);
                        assertTrue(err <= Tolerances.NS_FP32_VS_FP64, threads + " threads " + s[1] + "x" + s[2] + ": " + err);
                    }
                }
            }
        }
    }

    /** The operand rounding is the reference's (CpuMatmul's), bit for bit, including ties, NaN and ±∞. */
    @Test
    void roundingMatchesTheReference() {
        Random r = new Random(3);
        float[] xs = new float[4096];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = i < 8 ? new float[]{Float.NaN, Float.POSITIVE_INFINITY, -0f, Float.MAX_VALUE, 1f + 0x1p-8f,
                    1f + 0x1p-11f, 1f + 3 * 0x1p-11f, Float.MIN_VALUE}[i] : Float.intBitsToFloat(r.nextInt());
        }
        for (Precision p : new Precision[]{Precision.TF32, Precision.BF16}) {
            float[] mine = xs.clone();
            NativeNewtonSchulz.round(p, mine, mine.length);
            for (int i = 0; i < xs.length; i++) {
                int bits = Float.floatToRawIntBits(xs[i]);
                int keep = p == Precision.TF32 ? 13 : 16;
                float want = xs[i];
                if ((bits & 0x7f800000) != 0x7f800000) {
                    want = Float.intBitsToFloat((bits + (1 << (keep - 1)) - 1 + ((bits >>> keep) & 1)) & -(1 << keep));
                }
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(mine[i]), p + " " + xs[i]);
            }
        }
    }
}
