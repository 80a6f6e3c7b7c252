package org.ortho4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.emu.EmulatedCuda;
import org.ortho4j.testing.TestMatrices;

/**
 * Regression tests for the kernel and launcher bugs the emulated device found (kernels/NOTES.md, "Found by the
 * emulator"): each failed on the emulated device before its fix, with the message recorded there, and compares
 * the CUDA backend bit for bit with the CPU backend where the fix made them identical.
 */
class EmulatedKernelFixesTest {
    private static Context gpu;
    private static Context cpu;

    @BeforeAll
    static void open() {
        gpu = EmulatedCuda.context();
        cpu = Context.create(BackendKind.CPU);
    }

    @AfterAll
    static void close() {
        gpu.close();
        cpu.close();
    }

    private static float[] run(Context c, float[] g, int batch, int rows, int cols, Schedule s, boolean inPlace) {
        try (MatrixBatch in = c.upload(g, batch, rows, cols); MatrixBatch out = c.allocate(batch, rows, cols)) {
            out.fill(Float.NaN);
            c.newtonSchulz(in, s, Precision.FP32, inPlace ? in : out);
            return (inPlace ? in : out).toArray();
        }
    }

    /**
     * E1: ns_small read g through ld.global.nc while writing out == g (in-place NS). (ns_scale had the same
     * qualifiers; only the cuBLAS baseline scales in place, and cuBLAS cannot be emulated.)
     */
    @Test
    void inPlaceNewtonSchulzOnBothPathsEqualsOutOfPlace() {
        int[][] shapes = {{2, 9, 17}, {1, 140, 131}};                 // small path, large path
        for (int[] s : shapes) {
            float[] g = TestMatrices.gaussian(new Random(s[1]), s[0] * s[1] * s[2]);
            for (Schedule sched : new Schedule[]{Schedule.polarExpress(), Schedule.muon().withSteps(1)}) {
                float[] apart = run(gpu, g, s[0], s[1], s[2], sched, false);
                float[] same = run(gpu, g, s[0], s[1], s[2], sched, true);
                assertArrayEquals(apart, same, s[1] + "x" + s[2] + " " + sched.name());
            }
        }
    }

    /** E2: X0 = g/denom gave 0/0 = NaN for a zero matrix with eps = 0 (now X0 = g·inv, inv = 0, as CpuNewtonSchulz). */
    @Test
    void zeroMatrixWithoutEpsMapsToZeroOnBothPaths() {
        Schedule noEps = Schedule.of("no-eps", Schedule.polarExpress().resolve(1, 1).triples(), 1.0, 0.0, null);
        int rows = 33;
        for (int cols : new int[]{20, 150}) {                          // small path, large path
            float[] g = TestMatrices.gaussian(new Random(5), 3 * rows * cols);
            java.util.Arrays.fill(g, rows * cols, 2 * rows * cols, 0f);
            for (Precision p : Precision.values()) {
                float[] x;
                try (MatrixBatch in = gpu.upload(g, 3, rows, cols); MatrixBatch out = gpu.allocate(3, rows, cols)) {
                    out.fill(Float.NaN);
                    gpu.newtonSchulz(in, noEps, p, out);
                    x = out.toArray();
                }
                for (int i = rows * cols; i < 2 * rows * cols; i++) {
                    assertEquals(0f, x[i], cols + " cols " + p + " element " + i);
                }
            }
        }
    }

    /** E3: st_write read buf through __ldg while writing it; E4: the momentum update rounded twice (fmul, fadd). */
    @Test
    void momentumSoftThresholdIsTheCpuBackendsBitForBit() {
        int batch = 3;
        int n = 257;
        Random r = new Random(11);
        float[] grad = TestMatrices.gaussian(r, batch * n);
        float[] buf = TestMatrices.gaussian(r, batch * n);
        for (boolean nesterov : new boolean[]{false, true}) {
            float[][] res = new float[2][];
            for (Context c : new Context[]{gpu, cpu}) {
                try (MatrixBatch gm = c.upload(grad, batch, 1, n); MatrixBatch bm = c.upload(buf, batch, 1, n);
                     MatrixBatch base = c.allocate(batch, 1, n); MatrixBatch out = c.allocate(batch, 1, n)) {
                    c.momentumSoftThreshold(gm, bm, 0.95, nesterov, 0.9, base, out);
                    res[c == gpu ? 0 : 1] = bm.toArray();
                }
            }
            assertArrayEquals(res[1], res[0], "new buf, nesterov=" + nesterov);
        }
    }

    /** E5: the CUDA flags named the lowest bad matrix of any argument; the CPU backend names the first bad argument. */
    @Test
    void nonFiniteReportNamesTheFirstBadArgumentAsTheCpuBackendDoes() {
        float[] grad = TestMatrices.gaussian(new Random(2), 3 * 5);
        float[] buf = TestMatrices.gaussian(new Random(3), 3 * 5);
        grad[2 * 5 + 1] = Float.NaN;                                  // grad bad in matrix 2
        buf[5] = Float.POSITIVE_INFINITY;                             // buf bad in matrix 1
        for (Context c : new Context[]{gpu, cpu}) {
            try (MatrixBatch g = c.upload(grad, 3, 1, 5); MatrixBatch b = c.upload(buf, 3, 1, 5);
                 MatrixBatch base = c.allocate(3, 1, 5); MatrixBatch out = c.allocate(3, 1, 5)) {
                NonFiniteInputException e = assertThrows(NonFiniteInputException.class,
                        () -> c.momentumSoftThreshold(g, b, 0.9, true, 0.9, base, out));
                assertEquals("grad", e.argument(), c.description());
                assertEquals(2, e.batchIndex(), c.description());
            }
        }
    }

    /** E6: without cuSOLVER, polar above 128 per side used a float32 Newton–Schulz fallback, not exact. */
    @Test
    void largePolarWithoutCusolverIsTheExactOne() {
        int rows = 140;
        int cols = 133;
        float[] g = TestMatrices.gaussian(new Random(13), rows * cols);
        float[][] res = new float[2][];
        for (Context c : new Context[]{gpu, cpu}) {
            try (MatrixBatch in = c.upload(g, 1, rows, cols); MatrixBatch q = c.polar(in);
                 MatrixBatch l = c.lmo(Lmo.of(Lmo.Norm.SPECTRAL, Lmo.Layer.OUTPUT), in)) {
                res[c == gpu ? 0 : 1] = q.toArray();
                float[] lmo = l.toArray();
                float scale = (float) Lmo.spectralScale(Lmo.Layer.OUTPUT, rows, cols);
                for (int i = 0; i < lmo.length; i += 97) {
                    assertEquals(scale * res[c == gpu ? 0 : 1][i], lmo[i], 1e-6f * Math.abs(scale), "LMO = scale · polar");
                }
            }
        }
        assertArrayEquals(res[1], res[0], "host polar on the CUDA context = the CPU backend's");
    }
}
