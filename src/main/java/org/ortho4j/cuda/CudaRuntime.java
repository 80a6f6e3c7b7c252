package org.ortho4j.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;

/**
 * The pieces every CUDA launcher shares: the context's stream, the kernel modules (loaded once from resources,
 * functions cached), launches that check their result, and pooled device memory.
 *
 * <p>One instance per {@link CudaBackend}: the device's primary context, one non-blocking stream, and a pool of
 * device allocations binned in size classes ({@code 2^k·{4,5,6,7}/4} bytes, at least 256) with a free list per
 * class, so repeated calls of the same shapes reuse memory instead of growing it. Modules come from the class
 * path ({@code org/ortho4j/cuda/<module>.fatbin}, SASS for sm_80/sm_90 plus compute_90 PTX; else
 * {@code <module>.ptx}, compute_80 PTX JIT-compiled by the driver). Not thread-safe by itself: the backend holds
 * its lock around every call and makes the context current first.
 */
final class CudaRuntime {
    private static final String RESOURCES = "/org/ortho4j/cuda/";
    private static final long MIN_CLASS = 256;

    private final CUdevice device;
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final String deviceName;
    private final int ccMajor;
    private final int ccMinor;
    private final int driverVersion;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, String> moduleSource = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<Long, ArrayDeque<CUdeviceptr>> free = new HashMap<>();
    private final Map<CUdeviceptr, Long> live = new IdentityHashMap<>();
    private long pooledBytes;
    private long liveBytes;
    private boolean closed;

    CudaRuntime(int ordinal) {
        device = new CUdevice();
        check(jcuda.driver.JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        byte[] name = new byte[256];
        check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        deviceName = cString(name);
        ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int[] v = new int[1];
        check(cuDriverGetVersion(v), "cuDriverGetVersion");
        driverVersion = v[0];
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        makeCurrent();
        check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    }

    private int attribute(int attr) {
        int[] v = new int[1];
        check(cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute(" + CUdevice_attribute.stringFor(attr) + ")");
        return v[0];
    }

    /** Makes this runtime's context current on the calling thread (every entry point of the backend does). */
    void makeCurrent() {
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** {@code NVIDIA H100 80GB HBM3 (sm_90), driver 13.0}. */
    String deviceDescription() {
        return deviceName + " (sm_" + ccMajor + ccMinor + "), driver " + driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
    }

    int computeCapability() {
        return ccMajor * 10 + ccMinor;
    }

    int attributeValue(int attr) {
        return attribute(attr);
    }

    // ------------------------------------------------------------------ modules

    /** The kernel {@code kernel} ({@code extern "C"} name) of the module {@code module} (e.g. {@code "newton_schulz"}). */
    CUfunction function(String module, String kernel) {
        String key = module + "/" + kernel;
        CUfunction f = functions.get(key);
        if (f != null) {
            return f;
        }
        CUmodule m = module(module);
        f = new CUfunction();
        int r = cuModuleGetFunction(f, m, kernel);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new Ortho4jException("cuda: kernel '" + kernel + "' not found in module '" + module + "' ("
                    + moduleSource.get(module) + "): " + CUresult.stringFor(r) + " on " + deviceDescription());
        }
        functions.put(key, f);
        return f;
    }

    /** Raises the dynamic shared memory a kernel may use above the 48 KiB default (sm_80: ≤ 163 KiB, sm_90: ≤ 227 KiB). */
    void allowDynamicShared(CUfunction f, String kernelName, int bytes) {
        int r = cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new Ortho4jException("cuda: " + kernelName + " cannot use " + bytes + " bytes of dynamic shared memory on "
                    + deviceDescription() + ": " + CUresult.stringFor(r));
        }
    }

    private CUmodule module(String name) {
        CUmodule m = modules.get(name);
        if (m != null) {
            return m;
        }
        StringBuilder tried = new StringBuilder();
        byte[] fatbin = resource(name + ".fatbin");
        if (fatbin != null) {
            m = new CUmodule();
            int r = cuModuleLoadData(m, fatbin);
            if (r == CUresult.CUDA_SUCCESS) {
                modules.put(name, m);
                moduleSource.put(name, name + ".fatbin");
                return m;
            }
            tried.append(name).append(".fatbin: ").append(CUresult.stringFor(r)).append("; ");
        } else {
            tried.append(name).append(".fatbin: not on the class path; ");
        }
        byte[] ptx = resource(name + ".ptx");
        if (ptx == null) {
            throw new Ortho4jException("cuda: module '" + name + "' not found: " + tried + name + ".ptx: not on the class path ("
                    + RESOURCES + "); build with mvn -Pptx generate-resources");
        }
        byte[] z = java.util.Arrays.copyOf(ptx, ptx.length + 1); // NUL-terminated PTX text
        m = new CUmodule();
        int r = cuModuleLoadData(m, z);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new Ortho4jException("cuda: cannot load module '" + name + "' on " + deviceDescription() + ": " + tried
                    + name + ".ptx (PTX ISA " + ptxVersion(ptx) + ", target " + ptxTarget(ptx) + "): " + CUresult.stringFor(r)
                    + (r == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                    ? " (the PTX is newer than this driver understands; use the fatbin or an older nvcc)" : ""));
        }
        modules.put(name, m);
        moduleSource.put(name, name + ".ptx (JIT)");
        return m;
    }

    /** {@code "9.0"} from a PTX file's {@code .version} line. */
    static String ptxVersion(byte[] ptx) {
        return directive(ptx, "\\.version\\s+(\\S+)");
    }

    static String ptxTarget(byte[] ptx) {
        return directive(ptx, "\\.target\\s+(\\S+)");
    }

    private static String directive(byte[] ptx, String regex) {
        Matcher m = Pattern.compile(regex).matcher(new String(ptx, 0, Math.min(ptx.length, 4096), StandardCharsets.US_ASCII));
        return m.find() ? m.group(1) : "?";
    }

    static byte[] resource(String file) {
        try (InputStream in = CudaRuntime.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) {
                return null;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new Ortho4jException("cuda: cannot read resource " + RESOURCES + file, e);
        }
    }

    // ------------------------------------------------------------------ launches

    /** The one stream of this context; every launch and copy goes to it. */
    CUstream stream() {
        return stream;
    }

    /**
     * Launches {@code f} on the stream and checks the launch; errors name the kernel, the grid and block, the
     * device and the CUDA status string.
     *
     * @param params a {@code Pointer.to(Pointer.to(arg0), Pointer.to(arg1), ...)} kernel parameter list
     */
    void launch(CUfunction f, String kernelName, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                int sharedBytes, Pointer params) {
        int r = cuLaunchKernel(f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, stream, params, null);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new Ortho4jException("cuda: launch of " + kernelName + " grid (" + gridX + "," + gridY + "," + gridZ
                    + ") block (" + blockX + "," + blockY + "," + blockZ + ") shared " + sharedBytes + " B failed on "
                    + deviceDescription() + ": " + CUresult.stringFor(r));
        }
    }

    /** Waits for the stream and reports any asynchronous error with the given operation's name. */
    void synchronize(String operation) {
        int r = cuStreamSynchronize(stream);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new Ortho4jException("cuda: " + operation + " failed on " + deviceDescription() + ": " + CUresult.stringFor(r));
        }
    }

    /**
     * Host → device copy that later work on {@link #stream()} can rely on. The stream is non-blocking, so it does
     * not wait for the legacy default stream that {@code cuMemcpyHtoD} uses, and a pageable-memory HtoD may return
     * before its DMA has landed: the context is synchronised after the copy. (No {@code *Async} with Java arrays:
     * JCuda releases the array when the call returns, before an asynchronous copy has run.)
     */
    void copyHtoD(CUdeviceptr dst, Pointer src, long bytes, String what) {
        check(cuMemcpyHtoD(dst, src, bytes), what);
        check(cuCtxSynchronize(), what + " (cuCtxSynchronize)");
    }

    /**
     * Device → host copy of results written on {@link #stream()}: the stream is synchronised first (errors named
     * after {@code operation}), then a synchronous copy into the Java array.
     */
    void copyDtoH(Pointer dst, CUdeviceptr src, long bytes, String operation) {
        synchronize(operation);
        check(cuMemcpyDtoH(dst, src, bytes), "cuMemcpyDtoH (" + operation + ")");
    }

    // ------------------------------------------------------------------ memory pool

    /** The pool's size class for {@code bytes}: the next of {@code 2^k·{1, 1.25, 1.5, 1.75}}, at least 256. */
    static long sizeClass(long bytes) {
        if (bytes <= MIN_CLASS) {
            return MIN_CLASS;
        }
        int k = 63 - Long.numberOfLeadingZeros(bytes - 1); // 2^k < bytes ≤ 2^(k+1)
        long quarter = 1L << (k - 2);
        long c = 1L << k;
        while (c < bytes) {
            c += quarter;
        }
        return c;
    }

    /** Device memory of at least {@code bytes}, from the pool; return it with {@link #release}. */
    CUdeviceptr scratch(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("cuda: scratch of " + bytes + " bytes");
        }
        long size = sizeClass(bytes);
        ArrayDeque<CUdeviceptr> list = free.get(size);
        CUdeviceptr p = list == null ? null : list.pollFirst();
        if (p != null) {
            pooledBytes -= size;
        } else {
            p = new CUdeviceptr();
            int r = cuMemAlloc(p, size);
            if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY && pooledBytes > 0) {
                trim();                                       // give the cached blocks back and try once more
                r = cuMemAlloc(p, size);
            }
            if (r != CUresult.CUDA_SUCCESS) {
                long[] fr = new long[1];
                long[] total = new long[1];
                cuMemGetInfo(fr, total);
                String what = r == CUresult.CUDA_ERROR_OUT_OF_MEMORY ? "out of device memory" : CUresult.stringFor(r);
                throw new Ortho4jException("cuda: " + what + " allocating " + mib(bytes) + " (size class " + mib(size)
                        + ") on " + deviceDescription() + ": " + mib(fr[0]) + " free of " + mib(total[0]) + ", "
                        + mib(liveBytes) + " held by this context; split the batch or free matrices");
            }
        }
        live.put(p, size);
        liveBytes += size;
        return p;
    }

    void release(CUdeviceptr p) {
        Long size = live.remove(p);
        if (size == null) {
            return;                                            // already released (idempotent close)
        }
        liveBytes -= size;
        if (closed) {
            cuMemFree(p);
            return;
        }
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).addFirst(p);
        pooledBytes += size;
    }

    /** Frees every cached (unused) block. */
    void trim() {
        for (ArrayDeque<CUdeviceptr> list : free.values()) {
            for (CUdeviceptr p : list) {
                cuMemFree(p);
            }
        }
        free.clear();
        pooledBytes = 0;
    }

    /** Bytes handed out and not yet released. */
    long liveBytes() {
        return liveBytes;
    }

    /** Bytes cached in the free lists. */
    long pooledBytes() {
        return pooledBytes;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** The device pointer to element 0 of a batch living on this backend. */
    static CUdeviceptr ptr(MatrixBatch m) {
        return ((CudaStorage) m.storage()).pointer();
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        makeCurrent();
        cuStreamSynchronize(stream);
        trim();
        for (CUdeviceptr p : live.keySet()) {
            cuMemFree(p);
        }
        live.clear();
        for (CUmodule m : modules.values()) {
            cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
        cuStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
    }

    void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new Ortho4jException("cuda: " + call + " failed" + (deviceName == null ? "" : " on " + deviceDescription())
                    + ": " + CUresult.stringFor(result));
        }
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
