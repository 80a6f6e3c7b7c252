package org.ortho4j.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * The real CUDA driver through JCuda's driver API: the only class of the project that calls
 * {@link JCudaDriver}. The probe (JCuda's native library, {@code libcuda.so.1}, {@code cuInit}, the device count,
 * per device the compute capability) runs once per JVM and is cached in {@link #INSTANCE}; a JVM without an NVIDIA
 * driver gets a one-line reason, never an exception.
 *
 * <p>Devices ({@link NativeDevice}) hold the primary context, one {@code CU_STREAM_NON_BLOCKING} stream and a map
 * from {@link DevicePointer} addresses to JCuda's {@code CUdeviceptr} handles of the live allocations. The
 * cuBLAS/cuSOLVER baselines reach the stream and the handles through the device's native-only methods
 * ({@link NativeDevice#stream()}, {@link NativeDevice#pointer(DevicePointer)}, pinned host memory).
 */
public final class NativeCudaDriver implements CudaDriver {
    /** The one instance: its probe is the JVM's. */
    public static final NativeCudaDriver INSTANCE = new NativeCudaDriver();

    private volatile boolean probed;
    private String reason;
    private int count;
    /** ordinal → why that device cannot run the kernels, {@code ""} when it can. */
    private final Map<Integer, String> deviceReasons = new ConcurrentHashMap<>();

    private NativeCudaDriver() {
    }

    @Override
    public String name() {
        return "jcuda";
    }

    @Override
    public String unavailableReason() {
        probe();
        return reason;
    }

    @Override
    public int deviceCount() {
        probe();
        return count;
    }

    private void probe() {
        if (!probed) {
            synchronized (this) {
                if (!probed) {
                    reason = probeDriver();
                    probed = true;
                }
            }
        }
    }

    /** Loads JCuda's native library and initialises the driver; sets {@link #count}; null or why not. */
    private String probeDriver() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return "cuInit failed: " + CUresult.stringFor(r)
                        + (r == CUresult.CUDA_ERROR_NO_DEVICE ? " (no CUDA device visible)" : "");
            }
            int[] n = new int[1];
            r = cuDeviceGetCount(n);
            if (r != CUresult.CUDA_SUCCESS) {
                return "cuDeviceGetCount failed: " + CUresult.stringFor(r);
            }
            if (n[0] == 0) {
                return "no CUDA device";
            }
            count = n[0];
            return null;
        } catch (LinkageError e) {
            return "the JCuda driver library could not be loaded (no NVIDIA driver here?): " + CudaBackendProvider.summary(e);
        } catch (RuntimeException e) {
            return "CUDA probe failed: " + e;
        }
    }

    /** Devices of compute capability below 8.0 are refused: the kernels are built for sm_80 and newer. */
    @Override
    public String deviceUnavailableReason(int ordinal) {
        String why = unavailableReason();
        if (why != null) {
            return why;
        }
        String r = deviceReasons.computeIfAbsent(ordinal, NativeCudaDriver::probeDevice);
        return r.isEmpty() ? null : r;
    }

    private static String probeDevice(int ord) {
        try {
            CUdevice dev = new CUdevice();
            int r = cuDeviceGet(dev, ord);
            if (r != CUresult.CUDA_SUCCESS) {
                return "cuDeviceGet(" + ord + ") failed: " + CUresult.stringFor(r);
            }
            int[] major = new int[1];
            int[] minor = new int[1];
            cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            if (major[0] < 8) {
                byte[] name = new byte[256];
                cuDeviceGetName(name, name.length, dev);
                return "device " + ord + " (" + CudaRuntime.cString(name) + ") has compute capability " + major[0] + "."
                        + minor[0] + "; the kernels need 8.0 (sm_80) or newer";
            }
            return "";
        } catch (LinkageError e) {
            return "the JCuda driver library could not be loaded (no NVIDIA driver here?): " + CudaBackendProvider.summary(e);
        } catch (RuntimeException e) {
            return "CUDA probe failed: " + e;
        }
    }

    @Override
    public NativeDevice open(int ordinal) {
        String why = unavailableReason();
        if (why != null) {
            throw new CudaDriverException("cuInit", CudaDriverException.NO_DEVICE, why);
        }
        return new NativeDevice(ordinal);
    }

    private static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaDriverException(call, result, CUresult.stringFor(result));
        }
    }

    private static int attributeCode(Attribute a) {
        switch (a) {
            case COMPUTE_CAPABILITY_MAJOR:
                return CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
            case COMPUTE_CAPABILITY_MINOR:
                return CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
            case MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
                return CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN;
            case MAX_THREADS_PER_BLOCK:
                return CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK;
            case MAX_GRID_DIM_X:
                return CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X;
            case MAX_GRID_DIM_Y:
                return CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y;
            case MAX_GRID_DIM_Z:
                return CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z;
            case MULTIPROCESSOR_COUNT:
                return CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
            default:
                throw new IllegalArgumentException("unknown attribute " + a);
        }
    }

    /**
     * A {@code CUdeviceptr} whose address can be read: {@code getNativePointer()} and {@code getByteOffset()} are
     * protected in JCuda, so fresh allocations are made into this subclass. {@link #bytes} is the allocation's size.
     */
    static final class Addr extends CUdeviceptr {
        long bytes;

        long address() {
            return getNativePointer() + getByteOffset();
        }
    }

    /** A module loaded on a {@link NativeDevice}. */
    private static final class NativeModule implements Module {
        private final NativeDevice device;
        private final CUmodule module;

        NativeModule(NativeDevice device, CUmodule module) {
            this.device = device;
            this.module = module;
        }

        @Override
        public Function function(String name) {
            CUfunction f = new CUfunction();
            check(cuModuleGetFunction(f, module, name), "cuModuleGetFunction");
            return new NativeFunction(name, f);
        }

        @Override
        public void unload() {
            device.modules.remove(this);
            check(cuModuleUnload(module), "cuModuleUnload");
        }
    }

    private static final class NativeFunction implements Function {
        private final String name;
        private final CUfunction function;

        NativeFunction(String name, CUfunction function) {
            this.name = name;
            this.function = function;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void setMaxDynamicSharedBytes(int bytes) {
            check(cuFuncSetAttribute(function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                    "cuFuncSetAttribute");
        }
    }

    /**
     * An opened device: its primary context, one non-blocking stream, its loaded modules and live allocations.
     * Not thread-safe (the backend's lock serialises every call).
     */
    public static final class NativeDevice implements Device {
        private final int ordinal;
        private final CUdevice device = new CUdevice();
        private final CUcontext context = new CUcontext();
        private final CUstream stream = new CUstream();
        /** Live allocations by base address: {@link #pointer} finds the one an address falls into. */
        private final TreeMap<Long, Addr> live = new TreeMap<>();
        private final List<NativeModule> modules = new ArrayList<>();
        private boolean closed;

        private NativeDevice(int ordinal) {
            this.ordinal = ordinal;
            check(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
            check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
            makeCurrent();
            check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        }

        @Override
        public String name() {
            byte[] name = new byte[256];
            check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
            return CudaRuntime.cString(name);
        }

        @Override
        public int attribute(Attribute attribute) {
            int attr = attributeCode(attribute);
            int[] v = new int[1];
            check(cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute(" + CUdevice_attribute.stringFor(attr) + ")");
            return v[0];
        }

        @Override
        public int driverVersion() {
            int[] v = new int[1];
            check(cuDriverGetVersion(v), "cuDriverGetVersion");
            return v[0];
        }

        @Override
        public void makeCurrent() {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        }

        @Override
        public Module loadModule(byte[] image) {
            CUmodule m = new CUmodule();
            check(cuModuleLoadData(m, image), "cuModuleLoadData");
            NativeModule nm = new NativeModule(this, m);
            modules.add(nm);
            return nm;
        }

        @Override
        public DevicePointer allocate(long bytes) {
            Addr p = new Addr();
            check(cuMemAlloc(p, bytes), "cuMemAlloc");
            p.bytes = bytes;
            live.put(p.address(), p);
            return new DevicePointer(p.address());
        }

        @Override
        public void free(DevicePointer p) {
            Addr a = live.remove(p.address());
            if (a == null) {
                throw new CudaDriverException("cuMemFree", CudaDriverException.INVALID_VALUE,
                        "CUDA_ERROR_INVALID_VALUE (" + p + " is not the start of a live allocation)");
            }
            check(cuMemFree(a), "cuMemFree");
        }

        @Override
        public long[] memoryInfo() {
            long[] free = new long[1];
            long[] total = new long[1];
            check(cuMemGetInfo(free, total), "cuMemGetInfo");
            return new long[]{free[0], total[0]};
        }

        @Override
        public void memsetD8(DevicePointer dst, byte value, long bytes) {
            check(cuMemsetD8Async(ptr(dst, "cuMemsetD8Async"), value, bytes, stream), "cuMemsetD8Async");
        }

        @Override
        public void memsetD32(DevicePointer dst, int value, long count) {
            check(cuMemsetD32Async(ptr(dst, "cuMemsetD32Async"), value, count, stream), "cuMemsetD32Async");
        }

        @Override
        public void copyDtoD(DevicePointer dst, DevicePointer src, long bytes) {
            check(cuMemcpyDtoDAsync(ptr(dst, "cuMemcpyDtoDAsync"), ptr(src, "cuMemcpyDtoDAsync"), bytes, stream),
                    "cuMemcpyDtoDAsync");
        }

        /**
         * The stream is non-blocking, so it does not wait for the legacy default stream that {@code cuMemcpyHtoD}
         * uses, and a pageable-memory HtoD may return before its DMA has landed: the context is synchronised after
         * the copy. (No {@code *Async} with Java arrays: JCuda releases the array when the call returns, before an
         * asynchronous copy has run.)
         */
        @Override
        public void copyHtoD(DevicePointer dst, Object src, int offset, int count) {
            int size = elementSize(src);
            check(cuMemcpyHtoD(ptr(dst, "cuMemcpyHtoD"), host(src).withByteOffset((long) offset * size), (long) count * size),
                    "cuMemcpyHtoD");
            check(cuCtxSynchronize(), "cuCtxSynchronize");
        }

        @Override
        public void copyDtoH(Object dst, int offset, DevicePointer src, int count) {
            int size = elementSize(dst);
            check(cuStreamSynchronize(stream), "cuStreamSynchronize");
            check(cuMemcpyDtoH(host(dst).withByteOffset((long) offset * size), ptr(src, "cuMemcpyDtoH"), (long) count * size),
                    "cuMemcpyDtoH");
        }

        /** Each argument becomes a host copy of its value; a device pointer is passed as its 64-bit address. */
        @Override
        public void launch(Function f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                           int sharedBytes, Object... args) {
            if (!(f instanceof NativeFunction)) {
                throw new IllegalArgumentException("cuda: " + f + " is not a function of a native module");
            }
            Pointer[] p = new Pointer[args.length];
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                if (a == null) {
                    p[i] = Pointer.to(new long[]{0L});
                } else if (a instanceof DevicePointer) {
                    p[i] = Pointer.to(new long[]{((DevicePointer) a).address()});
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
            check(cuLaunchKernel(((NativeFunction) f).function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes,
                    stream, Pointer.to(p), null), "cuLaunchKernel");
        }

        @Override
        public void synchronize() {
            check(cuStreamSynchronize(stream), "cuStreamSynchronize");
        }

        /** Untested on a GPU (no device has run it yet). */
        @Override
        public void waitEvent(long event) {
            check(JCudaDriver.cuStreamWaitEvent(stream, event(event), 0), "cuStreamWaitEvent");
        }

        /** Untested on a GPU (no device has run it yet). */
        @Override
        public void recordEvent(long event) {
            check(JCudaDriver.cuEventRecord(event(event), stream), "cuEventRecord");
        }

        /** Best effort, as a shutdown path should be: every step runs and no status is reported. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            cuCtxSetCurrent(context);
            cuStreamSynchronize(stream);
            for (Addr a : live.values()) {
                cuMemFree(a);
            }
            live.clear();
            for (NativeModule m : modules) {
                cuModuleUnload(m.module);
            }
            modules.clear();
            cuStreamDestroy(stream);
            cuDevicePrimaryCtxRelease(device);
        }

        // ------------------------------------------------------------------ native-only (cuBLAS, cuSOLVER)

        /**
         * The device's one stream, for binding cuBLAS/cuSOLVER handles to it.
         *
         * @return the JCuda stream
         */
        public CUstream stream() {
            return stream;
        }

        /**
         * The JCuda handle of {@code p}.
         *
         * @param p an address inside a live allocation ({@link DevicePointer#NULL}: null)
         * @return the handle
         */
        public CUdeviceptr pointer(DevicePointer p) {
            return ptr(p, "pointer");
        }

        /**
         * Page-locked host memory ({@code cuMemAllocHost}); free it with {@link #freeHost}.
         *
         * @param bytes the size in bytes
         * @return the memory
         */
        public Pointer allocateHost(long bytes) {
            Pointer p = new Pointer();
            check(cuMemAllocHost(p, bytes), "cuMemAllocHost");
            return p;
        }

        /**
         * Frees page-locked host memory ({@code cuMemFreeHost}).
         *
         * @param p memory from {@link #allocateHost}
         */
        public void freeHost(Pointer p) {
            check(cuMemFreeHost(p), "cuMemFreeHost");
        }

        /** {@code base.withByteOffset(address − base)} of the allocation holding {@code p} (its end included). */
        private CUdeviceptr ptr(DevicePointer p, String call) {
            if (p.address() == 0) {
                return new CUdeviceptr();
            }
            Map.Entry<Long, Addr> e = live.floorEntry(p.address());
            long offset = e == null ? -1 : p.address() - e.getKey();
            if (e == null || offset > e.getValue().bytes) {
                throw new CudaDriverException(call, CudaDriverException.INVALID_VALUE,
                        "CUDA_ERROR_INVALID_VALUE (" + p + " is not inside a live allocation of device " + ordinal + ")");
            }
            return e.getValue().withByteOffset(offset);
        }

        private static int elementSize(Object array) {
            if (array instanceof float[] || array instanceof int[]) {
                return 4;
            } else if (array instanceof double[]) {
                return 8;
            } else if (array instanceof byte[]) {
                return 1;
            }
            throw new IllegalArgumentException("cuda: host copies take float[], int[], double[] or byte[], not "
                    + (array == null ? "null" : array.getClass().getSimpleName()));
        }

        private static Pointer host(Object array) {
            if (array instanceof float[]) {
                return Pointer.to((float[]) array);
            } else if (array instanceof int[]) {
                return Pointer.to((int[]) array);
            } else if (array instanceof double[]) {
                return Pointer.to((double[]) array);
            }
            return Pointer.to((byte[]) array);
        }

        @Override
        public String toString() {
            return "jcuda device " + ordinal;
        }
    }

    /**
     * A JCuda {@code CUevent} holding the raw handle {@code h} of an event the caller created (JCuda has no public
     * constructor from a handle, so its private field is set; JCuda is on the class path, an unnamed module).
     */
    static jcuda.driver.CUevent event(long h) {
        if (h == 0) {
            throw new IllegalArgumentException("CUevent handle is 0");
        }
        jcuda.driver.CUevent e = new jcuda.driver.CUevent();
        try {
            EventHandle.FIELD.setLong(e, h);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError x) {
            throw new CudaDriverException("CUevent", CUresult.CUDA_ERROR_INVALID_HANDLE,
                    "jcuda cannot wrap the handle 0x" + Long.toHexString(h) + ": " + x, x);
        }
        return e;
    }

    /** JCuda's private handle field, looked up once (on first use, so a JCuda without it fails only the event calls). */
    private static final class EventHandle {
        static final java.lang.reflect.Field FIELD = field();

        private static java.lang.reflect.Field field() {
            try {
                java.lang.reflect.Field f = jcuda.NativePointerObject.class.getDeclaredField("nativePointer");
                f.setAccessible(true);
                return f;
            } catch (ReflectiveOperationException | RuntimeException x) {
                throw new IllegalStateException("jcuda.NativePointerObject.nativePointer: " + x, x);
            }
        }
    }
}
