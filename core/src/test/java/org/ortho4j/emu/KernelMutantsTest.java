package org.ortho4j.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ortho4j.emu.EmuBuffers.doubles;
import static org.ortho4j.emu.EmuBuffers.filled;
import static org.ortho4j.emu.EmuBuffers.floats;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.cuda.CudaBackendProvider;
import org.ortho4j.testing.TestMatrices;

/**
 * The checker can fail: broken variants of the shipped kernels (kernels/mutants/*.patch, compiled by
 * kernels/mutants/build.sh into PTX diffs against the shipped PTX) and broken launches, each run through the CUDA
 * backend or the driver on the emulated device, each caught with the message recorded in kernels/NOTES.md
 * ("Mutants"). The same calls on the shipped PTX pass (the Emulated* batteries run them all).
 */
class KernelMutantsTest {
    private static final String SHIPPED = "/org/ortho4j/cuda/";
    private static final String MUTANTS = "/org/ortho4j/emu/mutants/";

    static String shipped(String module) {
        return PtxInterpreterTest.resource(SHIPPED + module + ".ptx");
    }

    /** The shipped PTX of {@code module} with mutant {@code name}'s diff applied. */
    static String mutant(String module, String name) {
        return UnifiedDiff.apply(shipped(module), PtxInterpreterTest.resource(MUTANTS + name + ".ptx.diff"), name);
    }

    private static Context contextWith(String module, String name) {
        return Context.create(new CudaBackendProvider(new EmulatedCudaDriver().withModule(module + ".ptx", mutant(module, name))));
    }

    /** The emulator's report inside the backend's exception; asserts its kind and message fragments. */
    private static EmulationException caught(Throwable t, EmulationException.Kind kind, String... fragments) {
        Throwable c = t;
        while (c != null && !(c instanceof EmulationException)) {
            c = c.getCause();
        }
        assertTrue(c != null, "no emulator report in " + t);
        EmulationException e = (EmulationException) c;
        assertEquals(kind, e.kind(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        System.out.println("[mutant caught] " + e.getMessage());
        return e;
    }

    private static float[] ns(Context c, float[] g, int batch, int rows, int cols, Precision p) {
        try (MatrixBatch in = c.upload(g, batch, rows, cols); MatrixBatch out = c.allocate(batch, rows, cols)) {
            out.fill(Float.NaN);
            c.newtonSchulz(in, Schedule.polarExpress(), p, out);
            return out.toArray();
        }
    }

    @Test
    void diffsApplyOnlyToTheShippedPtx() {
        String m = mutant("newton_schulz", "ns_small_missing_sync");
        assertNotEquals(shipped("newton_schulz"), m);
        assertEquals(shipped("newton_schulz").split("bar.sync").length - 3, m.split("bar.sync").length, "three bar.sync removed");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> UnifiedDiff.apply(shipped("newton_schulz").replace("bar.sync \t0;", "bar.sync 0;"),
                        PtxInterpreterTest.resource(MUTANTS + "ns_small_missing_sync.ptx.diff"), "stale"));
        assertTrue(e.getMessage().contains("kernels/mutants/build.sh"), e.getMessage());
    }

    /** Mutant 1: ns_small without the barrier between A = X Xᵀ and B = b·A + c·A·A. */
    @Test
    void missingSyncthreads() {
        float[] g = TestMatrices.gaussian(new Random(1), 20 * 30);
        try (Context c = contextWith("newton_schulz", "ns_small_missing_sync")) {
            Ortho4jException e = assertThrows(Ortho4jException.class, () -> ns(c, g, 1, 20, 30, Precision.FP32));
            caught(e, EmulationException.Kind.SHARED_RACE, "ns_small_fp32", "shared-memory race", "since the last barrier");
        }
    }

    /** Mutant 2: the large path's P-tile load reads row M (one past the matrix). */
    @Test
    void offByOneTileBound() {
        float[] g = TestMatrices.gaussian(new Random(2), 140 * 150);
        try (Context c = contextWith("newton_schulz", "ns_gemm_tile_off_by_one")) {
            Ortho4jException e = assertThrows(Ortho4jException.class, () -> ns(c, g, 1, 140, 150, Precision.TF32));
            caught(e, EmulationException.Kind.OUT_OF_BOUNDS, "ns_gemm_tf32_nt", "outside global memory", "past the end of the");
        }
    }

    /** Mutant 3: a1 and a2 of the tf32 A fragment swapped — no check can see it, the CPU comparison does. */
    @Test
    void swappedMmaFragment() {
        int rows = 140;
        int cols = 150;
        float[] g = TestMatrices.gaussian(new Random(3), rows * cols);
        float[] ref;
        try (Context cpu = Context.create(BackendKind.CPU)) {
            ref = ns(cpu, g, 1, rows, cols, Precision.TF32);
        }
        float[] good;
        try (Context c = EmulatedCuda.context()) {
            good = ns(c, g, 1, rows, cols, Precision.TF32);
        }
        float[] bad;
        try (Context c = contextWith("newton_schulz", "ns_gemm_swapped_fragment")) {
            bad = ns(c, g, 1, rows, cols, Precision.TF32);
        }
        double eGood = rel(good, ref);
        double eBad = rel(bad, ref);
        System.out.println("[mutant caught] ns_gemm_swapped_fragment: TF32 NS 140x150 differs from the CPU reference by "
                + eBad + " (shipped kernel: " + eGood + ", tolerance 5e-3)");
        assertTrue(eGood <= 5e-3, "shipped kernel: " + eGood);
        assertTrue(!(eBad <= 5e-3), "swapped fragment went unnoticed: " + eBad);       // NaN counts as caught
    }

    private static double rel(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    /**
     * Broken launch 4: ns_small with one float less dynamic shared memory than X and A use. (The launcher's size,
     * {@code CudaNewtonSchulz.smallSharedBytes}, also counts A's padding column of the last row, which no thread
     * touches: 4 bytes less than that still runs.)
     */
    @Test
    void tooLittleDynamicSharedMemory() {
        EmulatedDevice d = new EmulatedDevice(1L << 26);
        EmulatedDevice.Module m = d.load("newton_schulz.ptx", shipped("newton_schulz"));
        int rows = 24;
        int cols = 40;
        int need = 4 * (rows * (cols | 1) + rows * (rows | 1));      // CudaNewtonSchulz.smallSharedBytes
        int used = 4 * (rows * (cols | 1) + (rows - 1) * (rows | 1) + rows);   // up to A[m−1][m−1]
        long g = floats(d, TestMatrices.gaussian(new Random(4), rows * cols));
        long out = filled(d, rows * cols * 4, 0);
        long denom = doubles(d, 30.0);
        long coef = floats(d, new float[]{3.4445f, -4.775f, 2.0315f});
        d.launch(m, "ns_small_fp32", new int[]{1, 1, 1}, new int[]{256, 1, 1}, need, g, out, denom, coef, 1, rows, cols);
        d.launch(m, "ns_small_fp32", new int[]{1, 1, 1}, new int[]{256, 1, 1}, used, g, out, denom, coef, 1, rows, cols);
        EmulationException e = assertThrows(EmulationException.class, () ->
                d.launch(m, "ns_small_fp32", new int[]{1, 1, 1}, new int[]{256, 1, 1}, used - 4, g, out, denom, coef, 1, rows, cols));
        caught(e, EmulationException.Kind.OUT_OF_BOUNDS, "ns_small_fp32", "outside the block's " + (used - 4) + " bytes");
    }

    /** Mutant 5: the shared histogram of the quantile select counts with plain read-modify-writes. */
    @Test
    void racyReduction() {
        float[] m = TestMatrices.gaussian(new Random(5), 2 * 17 * 19);
        try (Context c = contextWith("soft_threshold", "st_hist_racy_reduction");
             MatrixBatch x = c.upload(m, 2, 17, 19); MatrixBatch b = c.allocate(2, 17, 19); MatrixBatch o = c.allocate(2, 17, 19)) {
            Ortho4jException e = assertThrows(Ortho4jException.class, () -> c.softThreshold(x, 0.9, b, o));
            caught(e, EmulationException.Kind.SHARED_RACE, "st_hist", "shared-memory race");
        }
    }

    /** Broken launch 6: a grid of 65,536 in y, as a launcher that forgets CudaFamilySupport.gridYZ would make. */
    @Test
    void gridOver65535() {
        EmulatedDevice d = new EmulatedDevice(1L << 26);
        EmulatedDevice.Module m = d.load("soft_threshold.ptx", shipped("soft_threshold"));
        long x = floats(d, new float[8]);
        EmulationException e = assertThrows(EmulationException.class, () -> d.launch(m, "st_hist", new int[]{1, 65_536, 1},
                new int[]{256, 1, 1}, 0, x, 0L, 0f, 0, 1L, 65_536, 0, x, x, x, x));
        caught(e, EmulationException.Kind.LAUNCH_LIMIT, "st_hist", "grid y and z must be at most 65535");
    }

    /** Mutant 7: the norm reduction's barrier is reached by threads 0–127 only. */
    @Test
    void divergentBarrier() {
        float[] g = TestMatrices.gaussian(new Random(7), 20 * 30);
        try (Context c = contextWith("newton_schulz", "ns_norm_divergent_barrier")) {
            Ortho4jException e = assertThrows(Ortho4jException.class, () -> ns(c, g, 1, 20, 30, Precision.FP32));
            caught(e, EmulationException.Kind.BARRIER, "ns_norm_partial", "barrier reached while 128 thread(s) of the block have exited");
        }
    }
}
