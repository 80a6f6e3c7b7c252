package org.ortho4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Ortho4jException;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * GPU-only checks of the Newton–Schulz kernels against the CPU reference ({@code CpuNewtonSchulz}) on fresh
 * random awkward shapes, plus determinism, memory stability, thread sharing and error recovery.
 */
class CudaNewtonSchulzGpuTest {
    private static Context gpu;
    private static Context cpu;

    @BeforeAll
    static void open() {
        gpu = Context.create(BackendKind.CUDA);
        cpu = Context.create(BackendKind.CPU);
    }

    @AfterAll
    static void close() {
        gpu.close();
        cpu.close();
    }

    private static float[] gaussian(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble(), v = r.nextDouble();
            a[i] = (float) (Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        return a;
    }

    /** GPU result vs CPU reference, output poisoned with NaN first; relative Frobenius error per matrix. */
    private static void compare(int batch, int rows, int cols, Precision p, Schedule s, long seed, double tol) {
        float[] data = gaussian(seed, batch * rows * cols);
        try (MatrixBatch gg = gpu.upload(data, batch, rows, cols); MatrixBatch go = gpu.allocate(batch, rows, cols);
             MatrixBatch cg = cpu.upload(data, batch, rows, cols); MatrixBatch co = cpu.allocate(batch, rows, cols)) {
            go.fill(Float.NaN);
            gpu.newtonSchulz(gg, s, p, go);
            cpu.newtonSchulz(cg, s, p, co);
            float[] a = go.toArray();
            float[] b = co.toArray();
            int per = rows * cols;
            for (int m = 0; m < batch; m++) {
                double num = 0, den = 0;
                for (int i = m * per; i < (m + 1) * per; i++) {
                    assertTrue(Float.isFinite(a[i]), "element " + i + " not written/finite for " + batch + "x" + rows + "x" + cols + " " + p);
                    num += (a[i] - b[i]) * (double) (a[i] - b[i]);
                    den += b[i] * (double) b[i];
                }
                double rel = Math.sqrt(num / Math.max(den, 1e-30));
                assertTrue(rel <= tol, batch + "x" + rows + "x" + cols + " " + p + " matrix " + m + ": rel error " + rel + " > " + tol);
            }
            assertArrayEquals(data, gg.toArray(), "input modified");
        }
    }

    @Test
    void matchesCpuOnAwkwardShapes() {
        SplittableRandom r = new SplittableRandom(System.nanoTime());
        int[][] shapes = {{1, 1, 1}, {3, 7, 5}, {1, 13, 131}, {2, 131, 13}, {512, 64, 64}, {64, 128, 128}, {5, 127, 129},
                {1, 129, 257}, {2, 300, 97}, {1, 768, 3072}, {3, 257, 256}, {1 + r.nextInt(512), 1 + r.nextInt(128), 1 + r.nextInt(128)},
                {1 + r.nextInt(4), 129 + r.nextInt(400), 129 + r.nextInt(400)}};
        for (int[] sh : shapes) {
            for (Precision p : Precision.values()) {
                double tol = p == Precision.BF16 ? 3e-2 : p == Precision.TF32 ? 5e-3 : 2e-4;
                compare(sh[0], sh[1], sh[2], p, Schedule.polarExpress(), r.nextLong(), tol);
                compare(sh[0], sh[1], sh[2], p, Schedule.muon(), r.nextLong(), tol);
            }
        }
    }

    @Test
    void bitwiseIdenticalRunToRun() {
        for (int[] sh : new int[][]{{7, 64, 96}, {2, 200, 513}}) {
            float[] data = gaussian(42, sh[0] * sh[1] * sh[2]);
            for (Precision p : Precision.values()) {
                try (MatrixBatch g = gpu.upload(data, sh[0], sh[1], sh[2])) {
                    float[] first = null;
                    for (int k = 0; k < 3; k++) {
                        try (MatrixBatch o = gpu.newtonSchulz(g, Schedule.polarExpress())) {
                            float[] now = o.toArray();
                            if (first == null) {
                                first = now;
                            } else {
                                assertArrayEquals(first, now, "run " + k + " differs for " + p);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void noDeviceMemoryGrowthOver10000Calls() {
        CudaBackend b = (CudaBackend) gpu.backend();
        float[] data = gaussian(7, 4 * 32 * 48);
        try (MatrixBatch g = gpu.upload(data, 4, 32, 48); MatrixBatch o = gpu.allocate(4, 32, 48)) {
            for (int i = 0; i < 100; i++) {
                gpu.newtonSchulz(g, Schedule.muon(), o);
            }
            long[] before = b.memoryInUse();
            for (int i = 0; i < 10_000; i++) {
                gpu.newtonSchulz(g, Schedule.muon(), Precision.BF16, o);
            }
            long[] after = b.memoryInUse();
            assertEquals(before[0], after[0], "live device bytes grew");
            assertEquals(before[1], after[1], "pooled device bytes grew");
        }
    }

    @Test
    void eightThreadsSharingAContextGetSerialResults() throws Exception {
        int threads = 8;
        List<float[]> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            float[] d = gaussian(100 + t, 3 * 96 * 160);
            inputs.add(d);
            try (MatrixBatch g = gpu.upload(d, 3, 96, 160); MatrixBatch o = gpu.newtonSchulz(g, Schedule.polarExpress())) {
                expected.add(o.toArray());
            }
        }
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        try {
            List<Future<float[]>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final float[] d = inputs.get(t);
                fs.add(ex.submit(() -> {
                    float[] last = null;
                    for (int k = 0; k < 20; k++) {
                        try (MatrixBatch g = gpu.upload(d, 3, 96, 160); MatrixBatch o = gpu.newtonSchulz(g, Schedule.polarExpress())) {
                            last = o.toArray();
                        }
                    }
                    return last;
                }));
            }
            for (int t = 0; t < threads; t++) {
                assertArrayEquals(expected.get(t), fs.get(t).get(), "thread " + t);
            }
        } finally {
            ex.shutdown();
        }
    }

    @Test
    void nonFiniteInputIsReportedAndNothingWritten() {
        float[] data = gaussian(3, 4 * 200 * 150);
        data[2 * 200 * 150 + 17] = Float.NaN;
        try (MatrixBatch g = gpu.upload(data, 4, 200, 150); MatrixBatch o = gpu.allocate(4, 200, 150)) {
            o.fill(-1f);
            NonFiniteInputException e = assertThrows(NonFiniteInputException.class, () -> gpu.newtonSchulz(g, Schedule.muon(), o));
            assertEquals(2, e.batchIndex());
            for (float v : o.toArray()) {
                assertEquals(-1f, v);
            }
        }
        stillWorks();
    }

    @Test
    void tooLargeRequestIsAClearErrorAndTheContextStillWorks() {
        Ortho4jException e = assertThrows(Ortho4jException.class, () -> gpu.allocate(1 << 16, 1 << 14, 1 << 10));
        assertTrue(e.getMessage().contains("MiB"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
        assertThrows(IllegalArgumentException.class, () -> gpu.allocate(0, 3, 3));
        stillWorks();
    }

    private static void stillWorks() {
        compare(2, 33, 65, Precision.FP32, Schedule.muon(), 9, 2e-4);
    }
}
