package org.ortho4j.cuda;

/**
 * The one seam between the CUDA backend and a driver: every driver call the backend, its launchers and the
 * cuBLAS/cuSOLVER baselines make goes through this interface. Two implementations: {@link NativeCudaDriver}
 * (the real driver through JCuda; the only class that calls JCuda's driver API, as {@code DriverSeamTest} checks)
 * and, in the tests, the PTX interpreter's emulated device ({@code org.ortho4j.emu.EmulatedCudaDriver}), which runs
 * the same PTX resources thread by thread with bounds, race and barrier checks.
 *
 * <p>Errors are {@link CudaDriverException}s carrying the driver's status; {@link #unavailableReason()} never
 * throws. A driver is selected by {@link CudaBackendProvider}.
 */
public interface CudaDriver {

    /** Device attributes the backend reads (the {@code CU_DEVICE_ATTRIBUTE_*} of the same name). */
    enum Attribute {
        COMPUTE_CAPABILITY_MAJOR,
        COMPUTE_CAPABILITY_MINOR,
        /** Opt-in limit of shared memory per block (static + dynamic), bytes. */
        MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
        MAX_THREADS_PER_BLOCK,
        MAX_GRID_DIM_X,
        MAX_GRID_DIM_Y,
        MAX_GRID_DIM_Z,
        MULTIPROCESSOR_COUNT
    }

    /** A name for messages, e.g. {@code jcuda} or {@code emulator}. */
    String name();

    /**
     * {@code null} when devices can be opened (driver library loaded, {@code cuInit} succeeded, at least one
     * device), else why not. Never throws; may be called repeatedly.
     */
    String unavailableReason();

    int deviceCount();

    /**
     * {@code null} when device {@code ordinal} (within {@link #deviceCount()}) can run the kernels, else why not,
     * found without opening it; e.g. the native driver refuses compute capabilities below 8.0. Never throws. The
     * default accepts every device. (Added with the native driver, which moved this check out of the provider.)
     */
    default String deviceUnavailableReason(int ordinal) {
        return null;
    }

    /** Opens device {@code ordinal}: retains its primary context and creates one non-blocking stream. */
    Device open(int ordinal);

    /** An opened device: its primary context, one stream, modules, memory. Not thread-safe; callers serialise. */
    interface Device extends AutoCloseable {
        /** {@code NVIDIA H100 80GB HBM3}, or the emulator's description. */
        String name();

        int attribute(Attribute attribute);

        /** {@code cuDriverGetVersion}: {@code 1000·major + 10·minor}. */
        int driverVersion();

        /** Makes the context current on the calling thread ({@code cuCtxSetCurrent}). */
        void makeCurrent();

        /** Loads a module from a fatbin or NUL-terminated PTX image ({@code cuModuleLoadData}). */
        Module loadModule(byte[] image);

        /** Allocates {@code bytes} of device memory ({@code cuMemAlloc}); status {@code OUT_OF_MEMORY} when full. */
        DevicePointer allocate(long bytes);

        void free(DevicePointer p);

        /**
         * {@code true} when this device checks every access against an allocation's exact size (the emulator): the
         * runtime's pool then allocates the exact sizes asked for instead of rounding up to size classes, so an
         * access past the end of a buffer is caught rather than landing in the class's slack.
         */
        default boolean exactAllocations() {
            return false;
        }

        /** {@code {free, total}} device bytes ({@code cuMemGetInfo}). */
        long[] memoryInfo();

        /** Sets {@code bytes} bytes to {@code value}, queued on the stream ({@code cuMemsetD8Async}). */
        void memsetD8(DevicePointer dst, byte value, long bytes);

        /** Sets {@code count} 32-bit words to {@code value}, queued on the stream ({@code cuMemsetD32Async}). */
        void memsetD32(DevicePointer dst, int value, long count);

        /** Device → device copy queued on the stream ({@code cuMemcpyDtoDAsync}). */
        void copyDtoD(DevicePointer dst, DevicePointer src, long bytes);

        /**
         * Host → device copy of {@code count} elements of {@code src} ({@code float[]}, {@code int[]},
         * {@code double[]} or {@code byte[]}) from element {@code offset}; returns when the data has landed on the
         * device, ordered after the stream's earlier work ({@code cuMemcpyHtoD} + context synchronisation).
         */
        void copyHtoD(DevicePointer dst, Object src, int offset, int count);

        /**
         * Device → host copy into {@code count} elements of {@code dst} (same array types) from element
         * {@code offset}, after the stream's earlier work has finished (stream synchronisation, then
         * {@code cuMemcpyDtoH}).
         */
        void copyDtoH(Object dst, int offset, DevicePointer src, int count);

        /**
         * Queues {@code f} on the stream ({@code cuLaunchKernel}). Arguments in order: {@link DevicePointer} (or
         * {@code null}: the device null pointer), {@link Integer}, {@link Long}, {@link Float}, {@link Double}.
         */
        void launch(Function f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes,
                    Object... args);

        /** Waits for the stream; asynchronous errors surface here ({@code cuStreamSynchronize}). */
        void synchronize();

        /** Synchronises the stream, then destroys it and releases the primary context (modules and memory first). */
        @Override
        void close();
    }

    /** A loaded module. */
    interface Module {
        /** The kernel {@code name} ({@code cuModuleGetFunction}); status {@code NOT_FOUND} when absent. */
        Function function(String name);

        void unload();
    }

    /** A kernel of a loaded module. */
    interface Function {
        String name();

        /** Raises the dynamic shared memory the kernel may use ({@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}). */
        void setMaxDynamicSharedBytes(int bytes);
    }
}
