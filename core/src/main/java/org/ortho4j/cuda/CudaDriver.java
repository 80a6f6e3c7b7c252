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
        /** Major compute capability, e.g. 9 for sm_90. */
        COMPUTE_CAPABILITY_MAJOR,
        /** Minor compute capability, e.g. 0 for sm_90. */
        COMPUTE_CAPABILITY_MINOR,
        /** Opt-in limit of shared memory per block (static + dynamic), bytes. */
        MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
        /** Most threads in one block. */
        MAX_THREADS_PER_BLOCK,
        /** Most blocks along x of a grid. */
        MAX_GRID_DIM_X,
        /** Most blocks along y of a grid. */
        MAX_GRID_DIM_Y,
        /** Most blocks along z of a grid. */
        MAX_GRID_DIM_Z,
        /** Number of streaming multiprocessors. */
        MULTIPROCESSOR_COUNT
    }

    /**
     * A name for messages.
     *
     * @return e.g. {@code jcuda} or {@code emulator}
     */
    String name();

    /**
     * Whether devices can be opened (driver library loaded, {@code cuInit} succeeded, at least one device). Never
     * throws; may be called repeatedly.
     *
     * @return {@code null} when they can, else why not
     */
    String unavailableReason();

    /**
     * The number of devices ({@code cuDeviceGetCount}).
     *
     * @return the count
     */
    int deviceCount();

    /**
     * Whether device {@code ordinal} can run the kernels, found without opening it; e.g. the native driver refuses
     * compute capabilities below 8.0. Never throws. The default accepts every device. (Added with the native driver,
     * which moved this check out of the provider.)
     *
     * @param ordinal the device, within {@link #deviceCount()}
     * @return {@code null} when it can, else why not
     */
    default String deviceUnavailableReason(int ordinal) {
        return null;
    }

    /**
     * Opens device {@code ordinal}: retains its primary context and creates one non-blocking stream.
     *
     * @param ordinal the device, within {@link #deviceCount()}
     * @return the opened device
     */
    Device open(int ordinal);

    /** An opened device: its primary context, one stream, modules, memory. Not thread-safe; callers serialise. */
    interface Device extends AutoCloseable {
        /**
         * The device's name.
         *
         * @return e.g. {@code NVIDIA H100 80GB HBM3}, or the emulator's description
         */
        String name();

        /**
         * A device attribute ({@code cuDeviceGetAttribute}).
         *
         * @param attribute which one
         * @return its value
         */
        int attribute(Attribute attribute);

        /**
         * {@code cuDriverGetVersion}.
         *
         * @return {@code 1000·major + 10·minor}
         */
        int driverVersion();

        /** Makes the context current on the calling thread ({@code cuCtxSetCurrent}). */
        void makeCurrent();

        /**
         * Loads a module from a fatbin or NUL-terminated PTX image ({@code cuModuleLoadData}).
         *
         * @param image the fatbin or PTX bytes
         * @return the module
         */
        Module loadModule(byte[] image);

        /**
         * Allocates device memory ({@code cuMemAlloc}); status {@code OUT_OF_MEMORY} when full.
         *
         * @param bytes the size in bytes
         * @return the allocation
         */
        DevicePointer allocate(long bytes);

        /**
         * Frees device memory ({@code cuMemFree}).
         *
         * @param p an allocation of this device
         */
        void free(DevicePointer p);

        /**
         * Whether this device checks every access against an allocation's exact size (the emulator): the runtime's
         * pool then allocates the exact sizes asked for instead of rounding up to size classes, so an access past the end
         * of a buffer is caught rather than landing in the class's slack.
         *
         * @return {@code true} for such a device
         */
        default boolean exactAllocations() {
            return false;
        }

        /**
         * Free and total device memory ({@code cuMemGetInfo}).
         *
         * @return {@code {free, total}} in bytes
         */
        long[] memoryInfo();

        /**
         * Sets {@code bytes} bytes to {@code value}, queued on the stream ({@code cuMemsetD8Async}).
         *
         * @param dst   the first byte
         * @param value the byte value
         * @param bytes how many bytes
         */
        void memsetD8(DevicePointer dst, byte value, long bytes);

        /**
         * Sets {@code count} 32-bit words to {@code value}, queued on the stream ({@code cuMemsetD32Async}).
         *
         * @param dst   the first word
         * @param value the word value
         * @param count how many words
         */
        void memsetD32(DevicePointer dst, int value, long count);

        /**
         * Device → device copy queued on the stream ({@code cuMemcpyDtoDAsync}).
         *
         * @param dst   destination
         * @param src   source
         * @param bytes how many bytes
         */
        void copyDtoD(DevicePointer dst, DevicePointer src, long bytes);

        /**
         * Host → device copy of {@code count} elements of {@code src} from element {@code offset}; returns when the data
         * has landed on the device, ordered after the stream's earlier work ({@code cuMemcpyHtoD} + context
         * synchronisation).
         *
         * @param dst    destination
         * @param src    a {@code float[]}, {@code int[]}, {@code double[]} or {@code byte[]}, not modified
         * @param offset first element of {@code src} copied
         * @param count  how many elements
         */
        void copyHtoD(DevicePointer dst, Object src, int offset, int count);

        /**
         * Device → host copy into {@code count} elements of {@code dst} from element {@code offset}, after the stream's
         * earlier work has finished (stream synchronisation, then {@code cuMemcpyDtoH}).
         *
         * @param dst    a {@code float[]}, {@code int[]}, {@code double[]} or {@code byte[]}
         * @param offset first element of {@code dst} written
         * @param src    source
         * @param count  how many elements
         */
        void copyDtoH(Object dst, int offset, DevicePointer src, int count);

        /**
         * Queues {@code f} on the stream ({@code cuLaunchKernel}).
         *
         * @param f           the kernel
         * @param gridX       blocks along x
         * @param gridY       blocks along y
         * @param gridZ       blocks along z
         * @param blockX      threads per block along x
         * @param blockY      threads per block along y
         * @param blockZ      threads per block along z
         * @param sharedBytes dynamic shared memory per block, bytes
         * @param args        the kernel's arguments in order: {@link DevicePointer} (or {@code null}: the device null
         *                    pointer), {@link Integer}, {@link Long}, {@link Float}, {@link Double}
         */
        void launch(Function f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes,
                    Object... args);

        /**
         * Makes later work on the stream wait for a {@code CUevent} of the caller's ({@code cuStreamWaitEvent}).
         *
         * @param event the event's handle
         */
        default void waitEvent(long event) {
            throw new UnsupportedOperationException("this driver does not take the caller's events");
        }

        /**
         * Records a {@code CUevent} of the caller's on the stream after the work queued so far ({@code cuEventRecord}).
         *
         * @param event the event's handle
         */
        default void recordEvent(long event) {
            throw new UnsupportedOperationException("this driver does not take the caller's events");
        }

        /** Waits for the stream; asynchronous errors surface here ({@code cuStreamSynchronize}). */
        void synchronize();

        /** Synchronises the stream, then destroys it and releases the primary context (modules and memory first). */
        @Override
        void close();
    }

    /** A loaded module. */
    interface Module {
        /**
         * The kernel {@code name} ({@code cuModuleGetFunction}); status {@code NOT_FOUND} when absent.
         *
         * @param name the kernel's (unmangled, {@code extern "C"}) name
         * @return the kernel
         */
        Function function(String name);

        /**
         * Unloads the module ({@code cuModuleUnload}); its functions can no longer be launched.
         */
        void unload();
    }

    /** A kernel of a loaded module. */
    interface Function {
        /**
         * The kernel's name.
         *
         * @return the name it was looked up by
         */
        String name();

        /**
         * Raises the dynamic shared memory the kernel may use ({@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}).
         *
         * @param bytes the limit, bytes
         */
        void setMaxDynamicSharedBytes(int bytes);
    }
}
