package org.ortho4j.cuda;

import static jcuda.driver.JCudaDriver.cuCtxGetDevice;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUresult;
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
 * {@link NonFiniteInputException} for the lowest flagged batch index, so outputs are never touched.
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

    /** Kernel parameters: CUdeviceptr (null = device null pointer), Integer, Long, Float, Double. */
    static Pointer params(Object... args) {
        Pointer[] p = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                p[i] = Pointer.to(new CUdeviceptr());
            } else if (a instanceof CUdeviceptr) {
                p[i] = Pointer.to((CUdeviceptr) a);
            } else if (a instanceof Integer) {
                p[i] = Pointer.to(new int[]{(Integer) a});
            } else if (a instanceof Long) {
                p[i] = Pointer.to(new long[]{(Long) a});
            } else if (a instanceof Float) {
                p[i] = Pointer.to(new float[]{(Float) a});
            } else if (a instanceof Double) {
                p[i] = Pointer.to(new double[]{(Double) a});
            } else {
                throw new IllegalArgumentException("unsupported kernel parameter type " + a.getClass());
            }
        }
        return Pointer.to(p);
    }

    /** Launches {@code module:kernel} with a 1-D or 3-D grid. */
    static void launch(CudaRuntime rt, String module, String kernel, int gx, int gy, int gz, int bx, int by, int shared,
                       Object... args) {
        KernelSignatures.check(module, kernel, args);     // count and C types, before anything reaches the driver
        CUfunction f = rt.function(module, kernel);
        rt.launch(f, module + "." + kernel, gx, gy, gz, bx, by, 1, shared, params(args));
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
    static CUdeviceptr at(MatrixBatch m, long elements) {
        return CudaRuntime.ptr(m).withByteOffset(elements * Sizeof.FLOAT);
    }

    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new Ortho4jException(what + " failed: " + CUresult.stringFor(result));
        }
    }

    /** Zeroes {@code bytes} of device memory on the context's stream. */
    static void zero(CudaRuntime rt, CUdeviceptr p, long bytes) {
        check(cuMemsetD8Async(p, (byte) 0, bytes, rt.stream()), "cuMemsetD8Async");
    }

    /** The device's opt-in limit of dynamic shared memory per block. */
    static int maxSharedOptIn() {
        CUdevice dev = new CUdevice();
        check(cuCtxGetDevice(dev), "cuCtxGetDevice");
        int[] v = new int[1];
        check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev),
                "cuDeviceGetAttribute(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)");
        return v[0];
    }

    /** Allows {@code module:kernel} to use {@code bytes} of dynamic shared memory (beyond the default 48 KiB). */
    static void allowShared(CudaRuntime rt, String module, String kernel, int bytes) {
        if (bytes > 48 * 1024) {
            check(cuFuncSetAttribute(rt.function(module, kernel),
                    CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                    "cuFuncSetAttribute(" + kernel + ", MAX_DYNAMIC_SHARED_SIZE_BYTES=" + bytes + ")");
        }
    }

    /** Per-matrix non-finite flags plus the "any" word, zeroed on the stream. */
    static final class Flags implements AutoCloseable {
        private final CudaRuntime rt;
        private final int batch;
        final CUdeviceptr flags;
        final CUdeviceptr any;
        private final CUdeviceptr block;

        Flags(CudaRuntime rt, int batch) {
            this.rt = rt;
            this.batch = batch;
            this.block = rt.scratch((long) (batch + 1) * Sizeof.INT);
            zero(rt, block, (long) (batch + 1) * Sizeof.INT);
            this.flags = block;
            this.any = block.withByteOffset((long) batch * Sizeof.INT);
        }

        /**
         * Synchronises the stream (errors named after {@code op}) and throws for the lowest flagged matrix; the
         * argument is the lowest set bit's name ({@code names[0]} for bit 1, {@code names[1]} for bit 2, …).
         */
        void syncAndThrow(String op, String... names) {
            int[] h = new int[batch + 1];
            rt.copyDtoH(Pointer.to(h), block, (long) (batch + 1) * Sizeof.INT, op); // sync, then a synchronous copy
            if (h[batch] == 0) {
                return;
            }
            for (int b = 0; b < batch; b++) {
                if (h[b] != 0) {
                    int bit = Integer.numberOfTrailingZeros(h[b]);
                    throw new NonFiniteInputException(op, names[Math.min(bit, names.length - 1)], b);
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
