package org.ortho4j.emu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.ortho4j.cuda.CudaDriver;
import org.ortho4j.cuda.CudaDriverException;
import org.ortho4j.cuda.DevicePointer;

/**
 * The CUDA backend's driver seam on an {@link EmulatedDevice}: the backend loads its PTX resources, allocates,
 * copies and launches exactly as on a GPU, and every kernel runs in the PTX interpreter with every check on. A
 * failed check surfaces as a {@link CudaDriverException} with status {@code CUDA_ERROR_LAUNCH_FAILED} (or
 * {@code ILLEGAL_ADDRESS} for a bad host-side copy) whose detail is the checker's message.
 *
 * <p>Fatbins cannot be emulated (they hold SASS): {@link Device#loadModule} refuses them with
 * {@code CUDA_ERROR_INVALID_SOURCE}-like status so the runtime falls back to the {@code .ptx} resource, the exact
 * text the jar ships. One device, ordinal 0, reported as an emulated sm_90 with 227 KiB of opt-in shared memory.
 * Allocations are exact ({@link Device#exactAllocations()}), so the runtime's pool does not round sizes up.
 */
public final class EmulatedCudaDriver implements CudaDriver {
    /** Default global memory of the emulated device. */
    public static final long DEFAULT_CAPACITY = 4L << 30;

    private final long capacity;
    private final java.util.Map<String, String> replaced;
    private volatile EmulatedDevice last;
    private volatile EmulatedCudaDevice lastSeam;

    /** Used by {@code -Dortho4j.cuda.driver=emulator}. */
    public EmulatedCudaDriver() {
        this(DEFAULT_CAPACITY);
    }

    public EmulatedCudaDriver(long capacity) {
        this(capacity, java.util.Map.of());
    }

    private EmulatedCudaDriver(long capacity, java.util.Map<String, String> replaced) {
        this.capacity = capacity;
        this.replaced = replaced;
    }

    /**
     * The same driver, but a module the backend loads as {@code file} (e.g. {@code newton_schulz.ptx}) is replaced by
     * {@code ptx}: how the mutant tests run a broken variant of a shipped kernel through the whole backend.
     */
    public EmulatedCudaDriver withModule(String file, String ptx) {
        java.util.Map<String, String> m = new java.util.HashMap<>(replaced);
        m.put(file, ptx);
        return new EmulatedCudaDriver(capacity, java.util.Map.copyOf(m));
    }

    @Override
    public String name() {
        return "emulator";
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public int deviceCount() {
        return 1;
    }

    @Override
    public EmulatedCudaDevice open(int ordinal) {
        if (ordinal != 0) {
            throw new CudaDriverException("cuDeviceGet(" + ordinal + ")", CudaDriverException.INVALID_VALUE,
                    "the emulator has one device, ordinal 0");
        }
        EmulatedDevice d = new EmulatedDevice(capacity);
        last = d;
        lastSeam = new EmulatedCudaDevice(d, replaced);
        return lastSeam;
    }

    /** The seam of the device this driver opened last (the caller-event calls), or null. */
    public EmulatedCudaDevice lastOpenedSeam() {
        return lastSeam;
    }

    /** The device this driver opened last (statistics, step limit), or null. */
    public EmulatedDevice lastOpened() {
        return last;
    }

    /** The emulated device behind the seam; tests reach the interpreter's statistics through {@link #device()}. */
    public static final class EmulatedCudaDevice implements CudaDriver.Device {
        private final EmulatedDevice dev;
        private final java.util.Map<String, String> replaced;
        private boolean closed;

        EmulatedCudaDevice(EmulatedDevice dev, java.util.Map<String, String> replaced) {
            this.dev = dev;
            this.replaced = replaced;
        }

        public EmulatedDevice device() {
            return dev;
        }

        @Override
        public String name() {
            return "emulated device (PTX interpreter)";
        }

        @Override
        public int attribute(Attribute a) {
            switch (a) {
                case COMPUTE_CAPABILITY_MAJOR: return EmulatedDevice.COMPUTE_CAPABILITY / 10;
                case COMPUTE_CAPABILITY_MINOR: return EmulatedDevice.COMPUTE_CAPABILITY % 10;
                case MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: return EmulatedDevice.MAX_SHARED_OPTIN;
                case MAX_THREADS_PER_BLOCK: return EmulatedDevice.MAX_THREADS_PER_BLOCK;
                case MAX_GRID_DIM_X: return EmulatedDevice.MAX_GRID_X;
                case MAX_GRID_DIM_Y:
                case MAX_GRID_DIM_Z: return EmulatedDevice.MAX_GRID_YZ;
                case MULTIPROCESSOR_COUNT: return 1;
                default: throw new CudaDriverException("cuDeviceGetAttribute", CudaDriverException.INVALID_VALUE, a.name());
            }
        }

        @Override
        public int driverVersion() {
            return 13000;
        }

        @Override
        public void makeCurrent() {
            open("cuCtxSetCurrent");
        }

        @Override
        public Module loadModule(byte[] image) {
            open("cuModuleLoadData");
            int n = image.length;
            while (n > 0 && image[n - 1] == 0) {
                n--;
            }
            String text = new String(image, 0, n, StandardCharsets.ISO_8859_1);
            if (!text.contains(".version") || !text.contains(".entry")) {
                throw new CudaDriverException("cuModuleLoadData", 300 /* CUDA_ERROR_INVALID_SOURCE */,
                        "the emulator runs PTX text only (this image is a fatbin/cubin)");
            }
            String file = moduleName(text);
            text = replaced.getOrDefault(file, text);
            try {
                return new EmulatedModule(dev, dev.load(file, text));
            } catch (EmulationException e) {
                throw new CudaDriverException("cuModuleLoadData", 218 /* CUDA_ERROR_INVALID_PTX */, e.getMessage());
            }
        }

        /** The PTX file name for messages: the first kernel's module, guessed from its name. */
        private static String moduleName(String text) {
            int e = text.indexOf(".entry");
            String first = text.substring(e + 6).trim().split("[\\s(]")[0];
            String[][] known = {{"ns_", "newton_schulz"}, {"st_", "soft_threshold"}, {"lmo_", "lmo"}, {"gauge_", "gauge"},
                    {"bl_", "baselines"}};
            for (String[] k : known) {
                if (first.startsWith(k[0])) {
                    return k[1] + ".ptx";
                }
            }
            return first + ".ptx";
        }

        @Override
        public DevicePointer allocate(long bytes) {
            open("cuMemAlloc");
            if (bytes <= 0) {
                throw new CudaDriverException("cuMemAlloc", CudaDriverException.INVALID_VALUE, bytes + " bytes");
            }
            long p = dev.allocate(bytes);
            if (p == 0) {
                throw new CudaDriverException("cuMemAlloc(" + bytes + ")", CudaDriverException.OUT_OF_MEMORY,
                        "CUDA_ERROR_OUT_OF_MEMORY (emulated device of " + dev.capacity() + " bytes)");
            }
            return new DevicePointer(p);
        }

        @Override
        public boolean exactAllocations() {
            return true;
        }

        @Override
        public void free(DevicePointer p) {
            run("cuMemFree", () -> dev.free(p.address()));
        }

        @Override
        public long[] memoryInfo() {
            return new long[]{dev.capacity() - dev.liveBytes(), dev.capacity()};
        }

        @Override
        public void memsetD8(DevicePointer dst, byte value, long bytes) {
            run("cuMemsetD8Async", () -> dev.memset8(dst.address(), value, bytes));
        }

        @Override
        public void memsetD32(DevicePointer dst, int value, long count) {
            run("cuMemsetD32Async", () -> dev.memset32(dst.address(), value, count));
        }

        @Override
        public void copyDtoD(DevicePointer dst, DevicePointer src, long bytes) {
            run("cuMemcpyDtoDAsync", () -> dev.copy(dst.address(), src.address(), bytes));
        }

        @Override
        public void copyHtoD(DevicePointer dst, Object src, int offset, int count) {
            byte[] b = toBytes(src, offset, count);
            run("cuMemcpyHtoD", () -> dev.write(dst.address(), b, 0, b.length));
        }

        @Override
        public void copyDtoH(Object dst, int offset, DevicePointer src, int count) {
            int size = elementSize(dst);
            byte[] b = new byte[count * size];
            run("cuMemcpyDtoH", () -> dev.read(src.address(), b, 0, b.length));
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (dst instanceof float[]) {
                bb.asFloatBuffer().get((float[]) dst, offset, count);
            } else if (dst instanceof int[]) {
                bb.asIntBuffer().get((int[]) dst, offset, count);
            } else if (dst instanceof double[]) {
                bb.asDoubleBuffer().get((double[]) dst, offset, count);
            } else {
                System.arraycopy(b, 0, (byte[]) dst, offset, count);
            }
        }

        private static int elementSize(Object a) {
            if (a instanceof float[] || a instanceof int[]) {
                return 4;
            } else if (a instanceof double[]) {
                return 8;
            } else if (a instanceof byte[]) {
                return 1;
            }
            throw new IllegalArgumentException("host array of type " + (a == null ? "null" : a.getClass().getSimpleName()));
        }

        private static byte[] toBytes(Object src, int offset, int count) {
            ByteBuffer bb = ByteBuffer.allocate(count * elementSize(src)).order(ByteOrder.LITTLE_ENDIAN);
            if (src instanceof float[]) {
                bb.asFloatBuffer().put((float[]) src, offset, count);
            } else if (src instanceof int[]) {
                bb.asIntBuffer().put((int[]) src, offset, count);
            } else if (src instanceof double[]) {
                bb.asDoubleBuffer().put((double[]) src, offset, count);
            } else {
                bb.put((byte[]) src, offset, count);
            }
            return bb.array();
        }

        @Override
        public void launch(Function f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes,
                           Object... args) {
            open("cuLaunchKernel");
            EmulatedFunction fn = (EmulatedFunction) f;
            Object[] a = Arrays.copyOf(args, args.length);
            for (int i = 0; i < a.length; i++) {
                if (a[i] == null) {
                    a[i] = 0L;
                } else if (a[i] instanceof DevicePointer) {
                    a[i] = ((DevicePointer) a[i]).address();
                }
            }
            try {
                dev.launch(fn.module, fn.name, new int[]{gridX, gridY, gridZ}, new int[]{blockX, blockY, blockZ}, sharedBytes, a);
            } catch (EmulationException e) {
                int status = e.kind() == EmulationException.Kind.LAUNCH_LIMIT ? CudaDriverException.INVALID_VALUE
                        : e.kind() == EmulationException.Kind.OUT_OF_BOUNDS ? CudaDriverException.ILLEGAL_ADDRESS
                        : CudaDriverException.LAUNCH_FAILED;
                throw new CudaDriverException("cuLaunchKernel", status, e.getMessage(), e);
            }
        }

        @Override
        public void synchronize() {
            open("cuStreamSynchronize");
        }

        /** The calls on the caller's events, in order ({@code wait 0x..}, {@code record 0x..}): the emulated device runs
         * every launch and copy when it is made, so there is nothing to order, only the calls to check. */
        public final java.util.List<String> eventCalls = new java.util.ArrayList<>();

        @Override
        public void waitEvent(long event) {
            open("cuStreamWaitEvent");
            checkEvent("cuStreamWaitEvent", event);
            eventCalls.add("wait 0x" + Long.toHexString(event));
        }

        @Override
        public void recordEvent(long event) {
            open("cuEventRecord");
            checkEvent("cuEventRecord", event);
            eventCalls.add("record 0x" + Long.toHexString(event));
        }

        private static void checkEvent(String call, long event) {
            if (event == 0) {
                throw new CudaDriverException(call, 400 /* CUDA_ERROR_INVALID_HANDLE */, "the event handle is 0");
            }
        }

        @Override
        public void close() {
            closed = true;
        }

        private void open(String call) {
            if (closed) {
                throw new CudaDriverException(call, 201 /* CUDA_ERROR_INVALID_CONTEXT */, "the emulated device is closed");
            }
        }

        private void run(String call, Runnable r) {
            open(call);
            try {
                r.run();
            } catch (EmulationException e) {
                throw new CudaDriverException(call, CudaDriverException.ILLEGAL_ADDRESS, e.getMessage(), e);
            }
        }
    }

    static final class EmulatedModule implements CudaDriver.Module {
        private final EmulatedDevice dev;
        private final EmulatedDevice.Module module;

        EmulatedModule(EmulatedDevice dev, EmulatedDevice.Module module) {
            this.dev = dev;
            this.module = module;
        }

        @Override
        public CudaDriver.Function function(String name) {
            if (!dev.hasKernel(module, name)) {
                throw new CudaDriverException("cuModuleGetFunction(" + name + ")", CudaDriverException.NOT_FOUND, "CUDA_ERROR_NOT_FOUND");
            }
            return new EmulatedFunction(dev, module, name);
        }

        @Override
        public void unload() {
        }
    }

    static final class EmulatedFunction implements CudaDriver.Function {
        private final EmulatedDevice dev;
        final EmulatedDevice.Module module;
        final String name;

        EmulatedFunction(EmulatedDevice dev, EmulatedDevice.Module module, String name) {
            this.dev = dev;
            this.module = module;
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void setMaxDynamicSharedBytes(int bytes) {
            try {
                dev.setMaxDynamicShared(module, name, bytes);
            } catch (EmulationException e) {
                throw new CudaDriverException("cuFuncSetAttribute(" + name + ", MAX_DYNAMIC_SHARED_SIZE_BYTES=" + bytes + ")",
                        CudaDriverException.INVALID_VALUE, e.getMessage());
            }
        }
    }
}
