package org.ortho4j.cuda;

import org.ortho4j.MatrixBatch;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Ortho4jException;

/**
 * What the three family launchers ({@link CudaSoftThreshold}, {@link CudaLmo}, {@link CudaGauge}) share: kernel
 * parameter lists, grid sizes, the per-matrix non-finite flags and the dynamic shared-memory opt-in.
 *
 * <p>The flag protocol of {@code kernels/common.cuh}: a scratch array of {@code batch} ints (one bit per argument)
 * and one "any" int, zeroed before the first pass; checking passes set them, every kernel that writes an output
 * returns at once when "any" is set. After the stream is synchronised the launcher reads the flags and throws
 * {@link NonFiniteInputException} for the first bad argument's lowest flagged batch index (the CPU backend's
 * order), so outputs are never touched.
 */
final class CudaFamilySupport {
    /** Threads per block of the elementwise and reduction kernels. */
    static final int THREADS = 256;
    /** Grid dimensions y and z are limited to 65535; kernels stride over the batch beyond that. */
    static final int MAX_GRID_YZ = 65535;
    /** Grid x blocks for elementwise kernels over a whole batch (they grid-stride). */
    static final int MAX_GRID_X = 1 << 16;

    private CudaFamilySupport() {
    }

    /** Launches {@code module:kernel} with a 1-D or 3-D grid. */
    static void launch(CudaRuntime rt, String module, String kernel, int gx, int gy, int gz, int bx, int by, int shared,
                       Object... args) {
        KernelSignatures.check(module, kernel, args);     // count and C types, before anything reaches the driver
        CudaDriver.Function f = rt.function(module, kernel);
        rt.launch(f, module + "." + kernel, gx, gy, gz, bx, by, 1, shared, args);
    }

    /** Blocks for {@code elements} elements at {@code perThread} per thread, at least 1, at most {@code cap}. */
    static int blocks(long elements, int perThread, int cap) {
        long b = (elements + (long) THREADS * perThread - 1) / ((long) THREADS * perThread);
        return (int) Math.max(1, Math.min(cap, b));
    }

    static int gridYZ(long n) {
        return (int) Math.max(1, Math.min(MAX_GRID_YZ, n));
    }

    /** Device pointer {@code elements} floats past element 0 of {@code m}. */
    static DevicePointer at(MatrixBatch m, long elements) {
        return CudaRuntime.ptr(m).plus(elements * Float.BYTES);
    }

    /** Zeroes {@code bytes} of device memory on the context's stream. */
    static void zero(CudaRuntime rt, DevicePointer p, long bytes) {
        try {
            rt.device().memsetD8(p, (byte) 0, bytes);
        } catch (CudaDriverException e) {
            throw new Ortho4jException("cuMemsetD8Async failed: " + e.detail(), e);
        }
    }

    /** The device's opt-in limit of dynamic shared memory per block. */
    static int maxSharedOptIn(CudaRuntime rt) {
        try {
            return rt.device().attribute(CudaDriver.Attribute.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        } catch (CudaDriverException e) {
            throw new Ortho4jException("cuDeviceGetAttribute(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN) failed: " + e.detail(), e);
        }
    }

    /** Allows {@code module:kernel} to use {@code bytes} of dynamic shared memory (beyond the default 48 KiB). */
    static void allowShared(CudaRuntime rt, String module, String kernel, int bytes) {
        if (bytes > 48 * 1024) {
            try {
                rt.function(module, kernel).setMaxDynamicSharedBytes(bytes);
            } catch (CudaDriverException e) {
                throw new Ortho4jException("cuFuncSetAttribute(" + kernel + ", MAX_DYNAMIC_SHARED_SIZE_BYTES=" + bytes
                        + ") failed: " + e.detail(), e);
            }
        }
    }

    /** Per-matrix non-finite flags plus the "any" word, zeroed on the stream. */
    static final class Flags implements AutoCloseable {
        private final CudaRuntime rt;
        private final int batch;
        final DevicePointer flags;
        final DevicePointer any;
        private final DevicePointer block;

        Flags(CudaRuntime rt, int batch) {
            this.rt = rt;
            this.batch = batch;
            this.block = rt.scratch((long) (batch + 1) * Integer.BYTES);
            zero(rt, block, (long) (batch + 1) * Integer.BYTES);
            this.flags = block;
            this.any = block.plus((long) batch * Integer.BYTES);
        }

        /**
         * Synchronises the stream (errors named after {@code op}) and throws as the CPU backend does: for the first
         * argument, in argument order, that is non-finite in any matrix, naming its lowest such matrix; the argument
         * of bit {@code 2^k} is {@code names[k]} (the last name for higher bits).
         */
        void syncAndThrow(String op, String... names) {
            int[] h = new int[batch + 1];
            rt.copyDtoH(h, 0, block, batch + 1, op); // sync, then a synchronous copy
            if (h[batch] == 0) {
                return;
            }
            // the CPU backend's order: the first argument (lowest bit) that is bad anywhere, then its lowest matrix
            int all = 0;
            for (int b = 0; b < batch; b++) {
                all |= h[b];
            }
            if (all != 0) {
                int bit = Integer.numberOfTrailingZeros(all);
                String name = names[Math.min(bit, names.length - 1)];
                int same = 0;                                          // bits reported under the same name (ST's bit 4)
                for (int k = 0; k < 32; k++) {
                    if (names[Math.min(k, names.length - 1)].equals(name)) {
                        same |= 1 << k;
                    }
                }
                for (int b = 0; b < batch; b++) {
                    if ((h[b] & same) != 0) {
                        throw new NonFiniteInputException(op, name, b);
                    }
                }
            }
            throw new Ortho4jException(op + ": a non-finite value was reported but no matrix was flagged (kernel bug)");
        }

        @Override
        public void close() {
            rt.release(block);
        }
    }

    /** Runs a read-only non-finite check of one argument ({@code bit}) through {@code module}'s check kernel. */
    static void checkFinite(CudaRuntime rt, String module, String kernel, MatrixBatch x, Flags f, Integer bit) {
        long per = x.matrixElements();
        int gx = blocks(per, 8, Math.max(1, 4096 / Math.max(1, Math.min(x.batch(), 4096))));
        if (bit == null) {
            launch(rt, module, kernel, gx, gridYZ(x.batch()), 1, THREADS, 1, 0,
                    CudaRuntime.ptr(x), per, x.batch(), f.flags, f.any);
        } else {
            launch(rt, module, kernel, gx, gridYZ(x.batch()), 1, THREADS, 1, 0,
                    CudaRuntime.ptr(x), per, x.batch(), f.flags, f.any, bit);
        }
    }
}
