package org.ortho4j.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ortho4j.emu.EmuBuffers.filled;
import static org.ortho4j.emu.EmuBuffers.floats;
import static org.ortho4j.emu.EmuBuffers.grid;
import static org.ortho4j.emu.EmuBuffers.ints;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every check of the emulated device fails the launch of a kernel with the bug it is for ({@code bug_*} in
 * {@code interp_cases.cu}), with a message that names the kernel, the PTX line, the block and thread, and the
 * address; and the same kernels written correctly (or launched correctly) pass.
 */
class PtxChecksTest {
    static EmulatedDevice dev;
    static EmulatedDevice.Module mod;

    @BeforeAll
    static void load() {
        dev = new EmulatedDevice(1L << 28);
        mod = dev.load("interp_cases.ptx", PtxInterpreterTest.resource("interp_cases.ptx"));
    }

    private static EmulationException fails(EmulationException.Kind kind, Executable launch, String... fragments) {
        EmulationException e = assertThrows(EmulationException.class, launch);
        assertEquals(kind, e.kind(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void sharedRaceBetweenBarriers() {
        long out = filled(dev, 256 * 4, 0);
        fails(EmulationException.Kind.SHARED_RACE, () -> dev.launch(mod, "bug_shared_race", grid(1), grid(256), 0, out),
                "bug_shared_race", "shared-memory race", "interp_cases.ptx:", "block (0,0,0)", "thread (");
    }

    @Test
    void uninitialisedSharedRead() {
        long out = filled(dev, 256 * 4, 0);
        fails(EmulationException.Kind.UNINITIALISED, () -> dev.launch(mod, "bug_shared_uninit", grid(1), grid(256), 0, out),
                "bug_shared_uninit", "shared byte 1024", "no thread of this block has written", "thread (255,0,0)");
    }

    @Test
    void globalOutOfBoundsNamesTheAllocation() {
        long out = filled(dev, 100 * 4, 0);
        fails(EmulationException.Kind.OUT_OF_BOUNDS, () -> dev.launch(mod, "bug_global_oob", grid(1), grid(128), 0, out, 100),
                "bug_global_oob", "outside global memory", "0 B past the end of the 400-byte allocation", "thread (100,0,0)");
        long ok = filled(dev, 101 * 4, 0);
        dev.launch(mod, "bug_global_oob", grid(1), grid(128), 0, ok, 100);        // n + 1 elements: fine
    }

    @Test
    void twoThreadsWritingOneWord() {
        long out = filled(dev, 64 * 4, 0);
        fails(EmulationException.Kind.GLOBAL_RACE, () -> dev.launch(mod, "bug_global_double_write", grid(1), grid(64), 0, out),
                "bug_global_double_write", "also wrote in this launch", "thread (1,0,0)", "thread (0,0,0) of block (0,0,0)");
    }

    @Test
    void nonCoherentReadOfWrittenData() {
        long buf = floats(dev, new float[64]);
        fails(EmulationException.Kind.NC_WRITE, () -> dev.launch(mod, "bug_nc_alias", grid(1), grid(64), 0, buf, buf, 64),
                "bug_nc_alias", "ld.global.nc");
        long in = floats(dev, new float[64]);
        long out = filled(dev, 64 * 4, 0);
        dev.launch(mod, "bug_nc_alias", grid(1), grid(64), 0, in, out, 64);       // distinct buffers: fine
    }

    @Test
    void barrierAfterSomeThreadsExited() {
        long out = filled(dev, 256 * 4, 0);
        fails(EmulationException.Kind.BARRIER, () -> dev.launch(mod, "bug_barrier_after_exit", grid(1), grid(256), 0, out, 200),
                "bug_barrier_after_exit", "barrier reached while 56 thread(s) of the block have exited", "thread (200,0,0)");
        dev.launch(mod, "bug_barrier_after_exit", grid(1), grid(256), 0, out, 256);
    }

    @Test
    void shuffleWithAnExitedLane() {
        long out = filled(dev, 32 * 4, 0);
        fails(EmulationException.Kind.COLLECTIVE, () -> dev.launch(mod, "bug_shfl_exited", grid(1), grid(32), 0, out),
                "bug_shfl_exited", "shfl.sync", "member mask 0xffffffff", "lane 5 has exited");
    }

    @Test
    void racyReduction() {
        long a = ints(dev, new int[128]);
        long out = filled(dev, 4, 0);
        fails(EmulationException.Kind.SHARED_RACE, () -> dev.launch(mod, "bug_racy_reduction", grid(1), grid(128), 0, a, out),
                "bug_racy_reduction", "shared-memory race", "thread (32,0,0)", "thread (0,0,0)");
        dev.launch(mod, "bug_racy_reduction", grid(1), grid(32), 0, a, out);      // one warp: one writer, fine
    }

    @Test
    void tooLittleDynamicSharedMemory() {
        long a = floats(dev, new float[100]);
        long out = filled(dev, 4, 0);
        fails(EmulationException.Kind.OUT_OF_BOUNDS, () -> dev.launch(mod, "dyn_shared_sum", grid(1), grid(64), 99 * 4, a, out, 100),
                "dyn_shared_sum", "shared address 396", "outside the block's 396 bytes", "thread (35,0,0)");
        dev.launch(mod, "dyn_shared_sum", grid(1), grid(64), 100 * 4, a, out, 100);
        assertEquals(0f, EmuBuffers.readFloats(dev, out, 1)[0]);
    }

    @Test
    void launchLimits() {
        long a = floats(dev, new float[100]);
        long out = filled(dev, 4, 0);
        fails(EmulationException.Kind.LAUNCH_LIMIT, () -> dev.launch(mod, "dyn_shared_sum", new int[]{1, 65_536, 1}, grid(32), 400, a, out, 100),
                "grid y and z must be at most 65535");
        fails(EmulationException.Kind.LAUNCH_LIMIT, () -> dev.launch(mod, "dyn_shared_sum", grid(1), new int[]{512, 4, 1}, 400, a, out, 100),
                "2048 threads per block exceed 1024");
        fails(EmulationException.Kind.LAUNCH_LIMIT, () -> dev.launch(mod, "dyn_shared_sum", grid(1), grid(1025), 400, a, out, 100),
                "block dimension over the limits");
        fails(EmulationException.Kind.LAUNCH_LIMIT, () -> dev.launch(mod, "dyn_shared_sum", grid(1), grid(32), 49_153, a, out, 100),
                "49153 bytes of dynamic shared memory exceed the kernel's limit of 49152", "raise CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES");
        fails(EmulationException.Kind.LAUNCH_LIMIT, () -> dev.launch(mod, "dyn_shared_sum", grid(1), grid(32), 400, a, out, 100L),
                "parameter 2", "is .u32 but the launch passes Long");
        fails(EmulationException.Kind.LAUNCH_LIMIT, () -> dev.launch(mod, "dyn_shared_sum", grid(1), grid(32), 400, a, out),
                "2 arguments for 3 parameters");
        fails(EmulationException.Kind.LAUNCH_LIMIT, () -> dev.setMaxDynamicShared(mod, "dyn_shared_sum", 227 * 1024 + 1));
    }

    @Test
    void endlessLoopHitsTheStepLimit() {
        long flag = ints(dev, 0);
        long saved = dev.maxThreadInstructions;
        dev.maxThreadInstructions = 100_000;
        try {
            fails(EmulationException.Kind.RUNTIME, () -> dev.launch(mod, "bug_endless", grid(1), grid(32), 0, flag),
                    "still running after 100000 warp instructions");
        } finally {
            dev.maxThreadInstructions = saved;
        }
    }

    @Test
    void divisionByZero() {
        long a = ints(dev, 1, 2, 0, 4);
        long out = filled(dev, 16, 0);
        fails(EmulationException.Kind.RUNTIME, () -> dev.launch(mod, "bug_div_zero", grid(1), grid(4), 0, a, out),
                "integer division by zero", "thread (2,0,0)");
    }

    @Test
    void unroundedTf32Operand() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = 1f + i / 1024f;                                    // exact in tf32 (10 mantissa bits)
        }
        long d = filled(dev, 128 * 4, 0);
        dev.launch(mod, "bug_tf32_unrounded", grid(1), grid(32), 0, floats(dev, x), d);
        x[9] = 1.1f;                                                  // needs all 23 mantissa bits
        fails(EmulationException.Kind.TF32_OPERAND, () -> dev.launch(mod, "bug_tf32_unrounded", grid(1), grid(32), 0, floats(dev, x), d),
                "not a tf32 value", "lane 9");
    }

    @Test
    void uninitialisedGlobalRead() {
        long a = dev.allocate(16 * 4);                                // never written
        long out = filled(dev, 16 * 4, 0);
        fails(EmulationException.Kind.UNINITIALISED, () -> dev.launch(mod, "bug_div_zero", grid(1), grid(16), 0, a, out),
                "which nothing has written");
    }

    @Test
    void hostCopiesAreBoundsChecked() {
        long a = dev.allocate(64);
        fails(EmulationException.Kind.OUT_OF_BOUNDS, () -> dev.write(a + 60, new byte[8], 0, 8), "runs 4 B past the end");
        fails(EmulationException.Kind.UNINITIALISED, () -> dev.read(a, new byte[8], 0, 8), "never written");
        fails(EmulationException.Kind.OUT_OF_BOUNDS, () -> dev.free(a + 4), "not the start of a live allocation");
        dev.free(a);
        fails(EmulationException.Kind.OUT_OF_BOUNDS, () -> dev.memset8(a, (byte) 0, 4), "in no live allocation");
    }

    /** A divergent branch marked {@code .uni} (the loop branch of {@code diverge}, whose trip count is per lane). */
    @Test
    void nonUniformBraUni() {
        String ptx = PtxInterpreterTest.resource("interp_cases.ptx");
        int k = ptx.indexOf(".entry diverge(");
        int at = ptx.indexOf("@%p3 bra \t$L__BB8_2;", k);
        assertTrue(k > 0 && at > k, "diverge's loop branch not found");
        String uni = ptx.substring(0, at) + "@%p3 bra.uni \t$L__BB8_2;" + ptx.substring(at + "@%p3 bra \t$L__BB8_2;".length());
        EmulatedDevice d = new EmulatedDevice(1 << 20);
        EmulatedDevice.Module m = d.load("interp_cases.ptx", uni);
        long a = ints(d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                30, 31, 32);
        long out = filled(d, 32 * 4, 0);
        fails(EmulationException.Kind.DIVERGENT_UNIFORM_BRANCH, () -> d.launch(m, "diverge", grid(1), grid(32), 0, a, out),
                "diverge", "bra.uni is not uniform", "take it", "do not");
        long same = ints(d, new int[32]);                               // every lane 0 trips: uniform, fine
        d.launch(m, "diverge", grid(1), grid(32), 0, same, out);
    }

    /** .maxntid of a shipped kernel ({@code ns_norm_partial}: 256) is enforced at launch. */
    @Test
    void maxntidIsEnforced() {
        EmulatedDevice d = new EmulatedDevice(1 << 20);
        EmulatedDevice.Module m = d.load("newton_schulz.ptx", KernelMutantsTest.shipped("newton_schulz"));
        long g = floats(d, new float[64]);
        long partial = filled(d, 8, 0);
        long flags = filled(d, 4, 0);
        fails(EmulationException.Kind.LAUNCH_LIMIT, () -> d.launch(m, "ns_norm_partial", grid(1), grid(512), 0, g, 64L, 1, partial, flags),
                "512 threads per block exceed the kernel's .maxntid 256, 1, 1");
        d.launch(m, "ns_norm_partial", grid(1), grid(256), 0, g, 64L, 1, partial, flags);
    }
}
