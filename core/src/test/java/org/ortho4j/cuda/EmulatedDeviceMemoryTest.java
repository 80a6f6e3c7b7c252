package org.ortho4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.emu.EmulatedCudaDriver;
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.ParamGroup;
import org.ortho4j.testing.TestMatrices;

/**
 * Device memory the caller owns ({@link Context#wrapDevice}) and the caller's events ({@link Context#waitForEvent},
 * {@link Context#recordEvent}) on the CUDA backend over the emulated device: a wrapped pointer computes what the
 * owned memory at that address computes, an optimizer steps the caller's device memory in place, closing the wrap
 * frees nothing. No real GPU has run this yet.
 */
class EmulatedDeviceMemoryTest {

    static long address(MatrixBatch m) {
        return ((CudaStorage) m.storage()).pointer().address();
    }

    @Test
    void aWrappedPointerIsTheCallersMemory() {
        Random r = TestMatrices.rng();
        float[] x = TestMatrices.gaussian(r, 2 * 9 * 13);
        EmulatedCudaDriver driver = new EmulatedCudaDriver();
        try (Context gpu = Context.create(new CudaBackendProvider(driver))) {
            CudaBackend be = (CudaBackend) gpu.backend();
            MatrixBatch caller = gpu.upload(x, 2, 9, 13);               // stands for a framework's tensor
            MatrixBatch view = gpu.wrapDevice(address(caller), 2, 9, 13);
            try (MatrixBatch a = gpu.newtonSchulz(view, Schedule.polarExpress()); MatrixBatch b = gpu.newtonSchulz(caller, Schedule.polarExpress())) {
                assertArrayEquals(b.toArray(), a.toArray());
            }
            gpu.newtonSchulz(view, Schedule.muon(), Precision.FP32, view);     // written in place, into the caller's memory
            float[] expect;
            try (Context cpu = Context.create(BackendKind.CPU); MatrixBatch c = cpu.upload(x, 2, 9, 13)) {
                cpu.newtonSchulz(c, Schedule.muon(), Precision.FP32, c);
                expect = c.toArray();
            }
            float[] got = caller.toArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(expect[i], got[i], 2e-5, "element " + i);
            }
            long[] before = be.memoryInUse();
            view.close();
            assertArrayEquals(before, be.memoryInUse(), "closing the wrap returned the caller's memory to the pool");
            assertArrayEquals(got, caller.toArray(), "the caller's memory is still there");
            caller.close();
            assertThrows(IllegalArgumentException.class, () -> gpu.wrapDevice(0, 1, 2, 2));
            assertThrows(IllegalArgumentException.class, () -> gpu.wrapDevice(6, 1, 2, 2));
        }
    }

    @Test
    void anOptimizerStepsTheCallersDeviceMemory() {
        Random r = TestMatrices.rng();
        float[] w0 = TestMatrices.gaussian(r, 7 * 11);
        float[][] g = {TestMatrices.gaussian(r, 77), TestMatrices.gaussian(r, 77)};
        Muon.Options o = new Muon.Options();
        o.precision = Precision.FP32;
        try (Context gpu = Context.create(new CudaBackendProvider(new EmulatedCudaDriver()))) {
            MatrixBatch callerW = gpu.upload(w0, 1, 7, 11);
            MatrixBatch callerG = gpu.allocate(1, 7, 11);
            MatrixBatch owned = gpu.upload(w0, 1, 7, 11);
            MatrixBatch wView = gpu.wrapDevice(address(callerW), 1, 7, 11);
            MatrixBatch gView = gpu.wrapDevice(address(callerG), 1, 7, 11);
            try (Muon onCaller = new Muon(gpu, List.of(ParamGroup.hidden("w", wView)), o);
                 Muon onOwned = new Muon(gpu, List.of(ParamGroup.hidden("w", owned)), o)) {
                for (float[] gs : g) {
                    callerG.copyFrom(gs);                                   // the caller's backward pass
                    onCaller.step(List.of(gView));
                    try (MatrixBatch gm = gpu.upload(gs, 1, 7, 11)) {
                        onOwned.step(List.of(gm));
                    }
                }
            }
            assertArrayEquals(owned.toArray(), callerW.toArray());
            assertTrue(!java.util.Arrays.equals(w0, callerW.toArray()), "nothing moved");
        }
    }

    @Test
    void theCallersEventsReachTheStream() {
        EmulatedCudaDriver driver = new EmulatedCudaDriver();
        try (Context gpu = Context.create(new CudaBackendProvider(driver))) {
            gpu.waitForEvent(0x1234L);
            gpu.recordEvent(0x5678L);
            assertEquals(List.of("wait 0x1234", "record 0x5678"), driver.lastOpenedSeam().eventCalls);
            Ortho4jException e = assertThrows(Ortho4jException.class, () -> gpu.waitForEvent(0));
            assertTrue(e.getMessage().contains("waitEvent"), e.getMessage());
        }
        try (Context cpu = Context.create(BackendKind.CPU)) {
            assertThrows(UnsupportedOperationException.class, () -> cpu.wrapDevice(0x1000, 1, 2, 2));
            assertThrows(UnsupportedOperationException.class, () -> cpu.waitForEvent(1));
        }
    }
}
