package org.ortho4j.cuda;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    private final CudaDriver driver;
    private final CudaDriver.Device device;
    /** The device checks exact allocation sizes: the pool then hands out exact sizes, not size classes. */
    private final boolean exact;
    private final String deviceName;
    private final int ccMajor;
    private final int ccMinor;
    private final int driverVersion;
    private final Map<String, CudaDriver.Module> modules = new HashMap<>();
    private final Map<String, String> moduleSource = new HashMap<>();
    private final Map<String, CudaDriver.Function> functions = new HashMap<>();
    private final Map<Long, ArrayDeque<DevicePointer>> free = new HashMap<>();
    private final Map<DevicePointer, Long> live = new HashMap<>();
    private long pooledBytes;
    private long liveBytes;
    private boolean closed;

    /** Opens device {@code ordinal} of {@code driver}: its primary context (current on this thread) and stream. */
    CudaRuntime(CudaDriver driver, int ordinal) {
        this.driver = driver;
        try {
            device = driver.open(ordinal);
        } catch (CudaDriverException e) {
            throw failed(e.call(), e);                      // deviceName is still null: the message names no device
        }
        try {
            exact = device.exactAllocations();
            deviceName = device.name();
            ccMajor = device.attribute(CudaDriver.Attribute.COMPUTE_CAPABILITY_MAJOR);
            ccMinor = device.attribute(CudaDriver.Attribute.COMPUTE_CAPABILITY_MINOR);
            driverVersion = device.driverVersion();
        } catch (CudaDriverException e) {
            device.close();                                 // give the primary context back
            throw failed(e.call(), e);
        }
    }

    /** The driver this runtime's device belongs to. */
    CudaDriver driver() {
        return driver;
    }

    /** The opened device (every call on it needs the backend's lock and the context current). */
    CudaDriver.Device device() {
        return device;
    }

    /** Makes this runtime's context current on the calling thread (every entry point of the backend does). */
    void makeCurrent() {
        try {
            device.makeCurrent();
        } catch (CudaDriverException e) {
            throw failed("cuCtxSetCurrent", e);
        }
    }

    /** {@code NVIDIA H100 80GB HBM3 (sm_90), driver 13.0}. */
    String deviceDescription() {
        return deviceName + " (sm_" + ccMajor + ccMinor + "), driver " + driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
    }

    int computeCapability() {
        return ccMajor * 10 + ccMinor;
    }

    int attributeValue(CudaDriver.Attribute attr) {
        try {
            return device.attribute(attr);
        } catch (CudaDriverException e) {
            throw failed(e.call(), e);
        }
    }

    // ------------------------------------------------------------------ modules

    /** The kernel {@code kernel} ({@code extern "C"} name) of the module {@code module} (e.g. {@code "newton_schulz"}). */
    CudaDriver.Function function(String module, String kernel) {
        String key = module + "/" + kernel;
        CudaDriver.Function f = functions.get(key);
        if (f != null) {
            return f;
        }
        CudaDriver.Module m = module(module);
        try {
            f = m.function(kernel);
        } catch (CudaDriverException e) {
            throw new Ortho4jException("cuda: kernel '" + kernel + "' not found in module '" + module + "' ("
                    + moduleSource.get(module) + "): " + e.detail() + " on " + deviceDescription(), e);
        }
        functions.put(key, f);
        return f;
    }

    /** Raises the dynamic shared memory a kernel may use above the 48 KiB default (sm_80: ≤ 163 KiB, sm_90: ≤ 227 KiB). */
    void allowDynamicShared(CudaDriver.Function f, String kernelName, int bytes) {
        try {
            f.setMaxDynamicSharedBytes(bytes);
        } catch (CudaDriverException e) {
            throw new Ortho4jException("cuda: " + kernelName + " cannot use " + bytes + " bytes of dynamic shared memory on "
                    + deviceDescription() + ": " + e.detail(), e);
        }
    }

    private CudaDriver.Module module(String name) {
        CudaDriver.Module m = modules.get(name);
        if (m != null) {
            return m;
        }
        StringBuilder tried = new StringBuilder();
        byte[] fatbin = resource(name + ".fatbin");
        if (fatbin != null) {
            try {
                m = device.loadModule(fatbin);
                modules.put(name, m);
                moduleSource.put(name, name + ".fatbin");
                return m;
            } catch (CudaDriverException e) {
                tried.append(name).append(".fatbin: ").append(e.detail()).append("; ");
            }
        } else {
            tried.append(name).append(".fatbin: not on the class path; ");
        }
        byte[] ptx = resource(name + ".ptx");
        if (ptx == null) {
            throw new Ortho4jException("cuda: module '" + name + "' not found: " + tried + name + ".ptx: not on the class path ("
                    + RESOURCES + "); build with mvn -Pptx generate-resources");
        }
        byte[] z = java.util.Arrays.copyOf(ptx, ptx.length + 1); // NUL-terminated PTX text
        try {
            m = device.loadModule(z);
        } catch (CudaDriverException e) {
            throw new Ortho4jException("cuda: cannot load module '" + name + "' on " + deviceDescription() + ": " + tried
                    + name + ".ptx (PTX ISA " + ptxVersion(ptx) + ", target " + ptxTarget(ptx) + "): " + e.detail()
                    + (e.status() == CudaDriverException.UNSUPPORTED_PTX_VERSION
                    ? " (the PTX is newer than this driver understands; use the fatbin or an older nvcc)" : ""), e);
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

    /** Whether {@code file} is on the class path, without reading it (the provider asks on every probe). */
    static boolean hasResource(String file) {
        return CudaRuntime.class.getResource(RESOURCES + file) != null;
    }

    // ------------------------------------------------------------------ launches and copies

    /**
     * Launches {@code f} on the stream and checks the launch; errors name the kernel, the grid and block, the
     * device and the driver's status (or the emulator's report).
     *
     * @param args the kernel's arguments in order: {@link DevicePointer} (null: the device null pointer),
     *             {@link Integer}, {@link Long}, {@link Float}, {@link Double}
     */
    void launch(CudaDriver.Function f, String kernelName, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                int sharedBytes, Object... args) {
        try {
            device.launch(f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, args);
        } catch (CudaDriverException e) {
            throw new Ortho4jException("cuda: launch of " + kernelName + " grid (" + gridX + "," + gridY + "," + gridZ
                    + ") block (" + blockX + "," + blockY + "," + blockZ + ") shared " + sharedBytes + " B failed on "
                    + deviceDescription() + ": " + e.detail(), e);
        }
    }

    /** Waits for the stream and reports any asynchronous error with the given operation's name. */
    void synchronize(String operation) {
        try {
            device.synchronize();
        } catch (CudaDriverException e) {
            throw failed(operation, e);
        }
    }

    /** The stream waits for the caller's event. */
    void waitEvent(long event) {
        try {
            device.waitEvent(event);
        } catch (CudaDriverException e) {
            throw failed("waitEvent", e);
        }
    }

    /** The caller's event is recorded on the stream. */
    void recordEvent(long event) {
        try {
            device.recordEvent(event);
        } catch (CudaDriverException e) {
            throw failed("recordEvent", e);
        }
    }

    /**
     * Host → device copy of {@code count} elements of {@code src} (a {@code float[]}, {@code int[]}, …) from element
     * {@code offset}, which later work on the stream can rely on: the stream is non-blocking, so the device
     * synchronises the context after the copy ({@link CudaDriver.Device#copyHtoD}). Errors are named {@code what}.
     */
    void copyHtoD(DevicePointer dst, Object src, int offset, int count, String what) {
        try {
            device.copyHtoD(dst, src, offset, count);
        } catch (CudaDriverException e) {
            throw failed("cuCtxSynchronize".equals(e.call()) ? what + " (cuCtxSynchronize)" : what, e);
        }
    }

    /**
     * Device → host copy of results written on the stream: the stream is synchronised first (errors named after
     * {@code operation}), then a synchronous copy into the Java array.
     */
    void copyDtoH(Object dst, int offset, DevicePointer src, int count, String operation) {
        copyDtoH(dst, offset, src, count, operation, "cuMemcpyDtoH (" + operation + ")");
    }

    /** As {@link #copyDtoH(Object, int, DevicePointer, int, String)}, a failing copy itself named {@code copyWhat}. */
    void copyDtoH(Object dst, int offset, DevicePointer src, int count, String operation, String copyWhat) {
        try {
            device.copyDtoH(dst, offset, src, count);
        } catch (CudaDriverException e) {
            throw failed("cuStreamSynchronize".equals(e.call()) ? operation : copyWhat, e);
        }
    }

    /** Device → device copy of {@code bytes}, queued on the stream; errors named {@code what}. */
    void copyDtoD(DevicePointer dst, DevicePointer src, long bytes, String what) {
        try {
            device.copyDtoD(dst, src, bytes);
        } catch (CudaDriverException e) {
            throw failed(what, e);
        }
    }

    /** Sets {@code count} 32-bit words to {@code value}, queued on the stream; errors named {@code what}. */
    void memsetD32(DevicePointer dst, int value, long count, String what) {
        try {
            device.memsetD32(dst, value, count);
        } catch (CudaDriverException e) {
            throw failed(what, e);
        }
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

    /**
     * Device memory of at least {@code bytes}, from the pool; return it with {@link #release}. On a device with
     * {@link CudaDriver.Device#exactAllocations() exact allocations} the block is exactly {@code bytes} long.
     */
    DevicePointer scratch(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("cuda: scratch of " + bytes + " bytes");
        }
        long size = exact ? bytes : sizeClass(bytes);
        ArrayDeque<DevicePointer> list = free.get(size);
        DevicePointer p = list == null ? null : list.pollFirst();
        if (p != null) {
            pooledBytes -= size;
        } else {
            p = allocate(bytes, size);
        }
        live.put(p, size);
        liveBytes += size;
        return p;
    }

    private DevicePointer allocate(long bytes, long size) {
        try {
            return device.allocate(size);
        } catch (CudaDriverException e) {
            if (e.status() != CudaDriverException.OUT_OF_MEMORY || pooledBytes == 0) {
                throw allocationFailed(bytes, size, e);
            }
        }
        trim();                                               // give the cached blocks back and try once more
        try {
            return device.allocate(size);
        } catch (CudaDriverException e) {
            throw allocationFailed(bytes, size, e);
        }
    }

    private Ortho4jException allocationFailed(long bytes, long size, CudaDriverException e) {
        long[] info;
        try {
            info = device.memoryInfo();
        } catch (CudaDriverException unknown) {
            info = new long[2];                               // the message still reports the rest
        }
        String what = e.status() == CudaDriverException.OUT_OF_MEMORY ? "out of device memory" : e.detail();
        return new Ortho4jException("cuda: " + what + " allocating " + mib(bytes) + " (size class " + mib(size)
                + ") on " + deviceDescription() + ": " + mib(info[0]) + " free of " + mib(info[1]) + ", "
                + mib(liveBytes) + " held by this context; split the batch or free matrices", e);
    }

    void release(DevicePointer p) {
        Long size = live.remove(p);
        if (size == null) {
            return;                                            // already released (idempotent close)
        }
        liveBytes -= size;
        if (closed) {
            freeQuietly(p);
            return;
        }
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).addFirst(p);
        pooledBytes += size;
    }

    /** Frees every cached (unused) block. */
    void trim() {
        for (ArrayDeque<DevicePointer> list : free.values()) {
            for (DevicePointer p : list) {
                freeQuietly(p);
            }
        }
        free.clear();
        pooledBytes = 0;
    }

    /** {@code cuMemFree} whose status nobody can act on (the pool's trims and the shutdown path ignore it). */
    private void freeQuietly(DevicePointer p) {
        try {
            device.free(p);
        } catch (CudaDriverException ignored) {
            // a sticky context error surfaces at the next launch or synchronisation
        }
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
    static DevicePointer ptr(MatrixBatch m) {
        return ((CudaStorage) m.storage()).pointer();
    }

    /** Synchronises, frees the pool and live blocks, unloads the modules and closes the device; statuses ignored. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        makeCurrent();
        try {
            device.synchronize();
        } catch (CudaDriverException ignored) {
            // shutting down regardless
        }
        trim();
        for (DevicePointer p : live.keySet()) {
            freeQuietly(p);
        }
        live.clear();
        for (CudaDriver.Module m : modules.values()) {
            try {
                m.unload();
            } catch (CudaDriverException ignored) {
                // shutting down regardless
            }
        }
        modules.clear();
        functions.clear();
        device.close();
    }

    /** {@code cuda: <what> failed on <device>: <detail>}, the wording of every failed driver call. */
    Ortho4jException failed(String what, CudaDriverException e) {
        return new Ortho4jException("cuda: " + what + " failed" + (deviceName == null ? "" : " on " + deviceDescription())
                + ": " + e.detail(), e);
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
