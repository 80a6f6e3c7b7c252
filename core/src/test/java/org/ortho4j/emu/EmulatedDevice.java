package org.ortho4j.emu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A CUDA device emulated in Java: global memory, modules loaded from PTX text, and kernel launches executed thread by
 * thread by a PTX interpreter with checks a GPU does not make (bounds per allocation, uninitialised reads,
 * shared and global races, barrier and collective agreement, tf32 operands, launch limits). Limits are those of
 * sm_90 (H100/H200): 1024 threads per block, grid y and z ≤ 65,535, 48 KiB of shared memory per block unless a
 * kernel's maximum dynamic shared memory is raised, at most 227 KiB with it.
 *
 * <p>Work runs synchronously in the calling thread; the methods are synchronised, so one device may be shared.
 * What the emulation cannot show: speed, the tensor cores' accumulation order and rounding, the real memory
 * model (the emulator is sequentially consistent), ptxas's contraction of {@code mul}+{@code add} into FMA, the
 * JIT and the driver.
 */
public final class EmulatedDevice {
    /** Compute capability whose limits are enforced. */
    public static final int COMPUTE_CAPABILITY = 90;
    public static final int MAX_THREADS_PER_BLOCK = 1024;
    public static final int MAX_BLOCK_Z = 64;
    public static final int MAX_GRID_X = Integer.MAX_VALUE;
    public static final int MAX_GRID_YZ = 65_535;
    public static final int DEFAULT_SHARED = 48 * 1024;
    /** sm_90's opt-in maximum of shared memory per block (227 KiB). */
    public static final int MAX_SHARED_OPTIN = 227 * 1024;

    final GlobalMemory global;
    final SharedMemory shared = new SharedMemory();
    /** A launch stops after this many warp instructions (an endless loop otherwise hangs the tests). */
    long maxThreadInstructions = 20_000_000_000L;
    private int launches;
    private long threadInstructions;
    private long launchNanos;

    /** A device with {@code capacity} bytes of global memory (allocated from the Java heap as used). */
    public EmulatedDevice(long capacity) {
        this.global = new GlobalMemory(capacity);
    }

    /** The decoded kernels of one PTX text; immutable, shared by every device that loads the same text. */
    static final class Program {
        final String file;
        final PtxSource source;
        final Map<String, Kernel> kernels = new LinkedHashMap<>();

        Program(String file, PtxSource source) {
            this.file = file;
            this.source = source;
        }
    }

    /** Decoded programs by file name and text: decoding newton_schulz.ptx (56k lines) once per JVM, not per context. */
    private static final Map<String, Program> PROGRAMS = new java.util.concurrent.ConcurrentHashMap<>();

    /** A module loaded on this device: a program and the attributes set on its functions. */
    public static final class Module {
        final String file;
        final PtxSource source;
        final Map<String, Kernel> kernels;
        final Map<String, Integer> maxDynamicShared = new java.util.HashMap<>();

        Module(Program p) {
            this.file = p.file;
            this.source = p.source;
            this.kernels = p.kernels;
        }

        int maxDynamicShared(Kernel k) {
            return maxDynamicShared.getOrDefault(k.name, k.defaultMaxDynamicShared());
        }

        /** Kernel names in file order. */
        public List<String> kernelNames() {
            return List.copyOf(kernels.keySet());
        }

        Kernel kernel(String name) {
            return kernels.get(name);
        }

        /** Every instruction form of every kernel that the interpreter does not implement ("kernel: line N: ..."). */
        public List<String> unsupported() {
            List<String> out = new java.util.ArrayList<>();
            for (String f : source.functions) {
                out.add(file + ": device function " + f + " (calls are not emulated)");
            }
            for (Kernel k : kernels.values()) {
                for (String u : k.unsupported) {
                    out.add(file + ": " + k.name + ": " + u);
                }
            }
            return out;
        }
    }

    /** Parses and decodes a PTX module ({@code file} names it in messages). */
    public synchronized Module load(String file, String ptx) {
        Program p = PROGRAMS.get(file + "\0" + ptx);
        if (p == null) {
            p = decode(file, ptx);
            PROGRAMS.put(file + "\0" + ptx, p);
        }
        return new Module(p);
    }

    private static Program decode(String file, String ptx) {
        PtxSource src = PtxSource.parse(file, ptx);
        if (src.version == null || src.target == null) {
            throw new EmulationException(EmulationException.Kind.UNSUPPORTED, file + ": no .version/.target directive: not PTX");
        }
        int target = targetSm(src.target);
        if (target > COMPUTE_CAPABILITY) {
            throw new EmulationException(EmulationException.Kind.UNSUPPORTED, file + ": .target " + src.target
                    + " is newer than the emulated sm_" + COMPUTE_CAPABILITY);
        }
        Program p = new Program(file, src);
        for (PtxSource.Entry e : src.entries.values()) {
            p.kernels.put(e.name, Decoder.decode(src, e));
        }
        return p;
    }

    private static int targetSm(String target) {
        for (String t : target.split(",")) {
            t = t.trim();
            if (t.startsWith("sm_")) {
                String digits = t.substring(3).replaceAll("[^0-9].*", "");
                return Integer.parseInt(digits);
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ memory

    /** A new allocation's address, or 0 when the device's capacity would be exceeded. */
    public synchronized long allocate(long bytes) {
        GlobalMemory.Allocation a = global.allocate(bytes);
        return a == null ? 0 : a.base;
    }

    public synchronized void free(long address) {
        if (!global.free(address)) {
            throw new EmulationException(EmulationException.Kind.OUT_OF_BOUNDS, "free: 0x" + Long.toHexString(address)
                    + " is not the start of a live allocation");
        }
    }

    public synchronized long liveBytes() {
        return global.liveBytes();
    }

    public long capacity() {
        return global.capacity();
    }

    public synchronized void write(long address, byte[] src, int offset, int bytes) {
        global.write("copy to device", address, src, offset, bytes);
    }

    public synchronized void read(long address, byte[] dst, int offset, int bytes) {
        global.read("copy from device", address, dst, offset, bytes);
    }

    public synchronized void memset8(long address, byte value, long bytes) {
        global.fill("memset", address, bytes, value);
    }

    public synchronized void memset32(long address, int value, long count) {
        global.fill32("memset32", address, count, value);
    }

    public synchronized void copy(long dst, long src, long bytes) {
        global.copy("device copy", dst, src, bytes);
    }

    // ------------------------------------------------------------------ kernels

    /** Raises (or lowers) the kernel's {@code MAX_DYNAMIC_SHARED_SIZE_BYTES}; fails beyond the opt-in limit. */
    public synchronized void setMaxDynamicShared(Module m, String kernel, int bytes) {
        Kernel k = kernel(m, kernel);
        if (bytes < 0 || bytes + k.staticShared > MAX_SHARED_OPTIN) {
            throw new EmulationException(EmulationException.Kind.LAUNCH_LIMIT, k.name + ": " + bytes + " bytes of dynamic shared memory + "
                    + k.staticShared + " static exceed sm_" + COMPUTE_CAPABILITY + "'s " + MAX_SHARED_OPTIN + " bytes per block");
        }
        m.maxDynamicShared.put(k.name, bytes);
    }

    public boolean hasKernel(Module m, String kernel) {
        return m.kernels.containsKey(kernel);
    }

    private static Kernel kernel(Module m, String name) {
        Kernel k = m.kernel(name);
        if (k == null) {
            throw new EmulationException(EmulationException.Kind.UNSUPPORTED, m.file + ": no kernel named " + name);
        }
        return k;
    }

    /**
     * Runs {@code kernel} to completion. Arguments match the PTX parameters one to one: {@link Long} for
     * {@code .u64/.s64/.b64} (pointers included), {@link Integer} for 32-bit integers, {@link Float}, {@link Double}.
     *
     * @throws EmulationException when the launch is refused or a check fails while it runs
     */
    public synchronized void launch(Module m, String kernel, int[] grid, int[] block, int dynamicShared, Object... args) {
        Kernel k = kernel(m, kernel);
        checkLimits(k, m.maxDynamicShared(k), grid, block, dynamicShared);
        if (!k.unsupported.isEmpty()) {
            throw new EmulationException(EmulationException.Kind.UNSUPPORTED, k.name + " uses what the interpreter does not implement: "
                    + String.join("; ", k.unsupported));
        }
        byte[] params = params(k, args);
        long t0 = System.nanoTime();
        Launch x = new Launch(this, k, grid, block, dynamicShared, params, ++launches);
        try {
            x.run();
        } finally {
            threadInstructions += x.threadInstructions;
            launchNanos += System.nanoTime() - t0;
        }
    }

    private void checkLimits(Kernel k, int maxDynamic, int[] grid, int[] block, int dynamicShared) {
        String what = null;
        long threads = (long) block[0] * block[1] * block[2];
        if (grid[0] < 1 || grid[1] < 1 || grid[2] < 1 || block[0] < 1 || block[1] < 1 || block[2] < 1) {
            what = "grid and block dimensions must be at least 1";
        } else if (block[0] > MAX_THREADS_PER_BLOCK || block[1] > MAX_THREADS_PER_BLOCK || block[2] > MAX_BLOCK_Z) {
            what = "block dimension over the limits (x, y ≤ 1024, z ≤ 64)";
        } else if (threads > MAX_THREADS_PER_BLOCK) {
            what = threads + " threads per block exceed " + MAX_THREADS_PER_BLOCK;
        } else if (k.maxntid != null && threads > (long) k.maxntid[0] * k.maxntid[1] * k.maxntid[2]) {
            what = threads + " threads per block exceed the kernel's .maxntid " + k.maxntid[0] + ", " + k.maxntid[1] + ", " + k.maxntid[2];
        } else if (k.reqntid != null && (block[0] != k.reqntid[0] || block[1] != k.reqntid[1] || block[2] != k.reqntid[2])) {
            what = "block differs from the kernel's .reqntid";
        } else if (grid[1] > MAX_GRID_YZ || grid[2] > MAX_GRID_YZ) {
            what = "grid y and z must be at most " + MAX_GRID_YZ;
        } else if (dynamicShared < 0) {
            what = "negative dynamic shared memory";
        } else if (dynamicShared > maxDynamic) {
            what = dynamicShared + " bytes of dynamic shared memory exceed the kernel's limit of " + maxDynamic
                    + (maxDynamic <= DEFAULT_SHARED ? " (48 KiB minus " + k.staticShared
                    + " static: raise CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES first)" : "");
        } else if ((long) k.dynamicBase + dynamicShared > MAX_SHARED_OPTIN) {
            what = (k.dynamicBase + dynamicShared) + " bytes of shared memory exceed " + MAX_SHARED_OPTIN;
        } else if (threads * grid[0] * grid[1] * grid[2] > Integer.MAX_VALUE) {
            what = "more than 2^31 threads in one launch (beyond what the emulator tracks)";
        }
        if (what != null) {
            throw new EmulationException(EmulationException.Kind.LAUNCH_LIMIT, String.format(Locale.ROOT,
                    "%s: launch refused: %s (grid %d,%d,%d block %d,%d,%d, dynamic shared %d B) [%s:%d]", k.name, what,
                    grid[0], grid[1], grid[2], block[0], block[1], block[2], dynamicShared, k.file, k.line));
        }
    }

    private static byte[] params(Kernel k, Object[] args) {
        if (args.length != k.params.length) {
            throw new EmulationException(EmulationException.Kind.LAUNCH_LIMIT, k.name + ": " + args.length + " arguments for "
                    + k.params.length + " parameters [" + k.file + ":" + k.line + "]");
        }
        ByteBuffer b = ByteBuffer.allocate(Math.max(8, k.paramBytes)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < args.length; i++) {
            PtxSource.Param p = k.params[i];
            Object a = args[i];
            int at = k.paramOffset[i];
            boolean ok;
            if (p.size != p.type.bytes()) {
                ok = false;
            } else if (p.type.bits == 64 && !p.type.isFloat()) {
                ok = a instanceof Long;
                if (ok) {
                    b.putLong(at, (Long) a);
                }
            } else if (p.type.bits == 32 && !p.type.isFloat()) {
                ok = a instanceof Integer;
                if (ok) {
                    b.putInt(at, (Integer) a);
                }
            } else if (p.type == PType.F32) {
                ok = a instanceof Float;
                if (ok) {
                    b.putFloat(at, (Float) a);
                }
            } else if (p.type == PType.F64) {
                ok = a instanceof Double;
                if (ok) {
                    b.putDouble(at, (Double) a);
                }
            } else {
                ok = false;
            }
            if (!ok) {
                throw new EmulationException(EmulationException.Kind.LAUNCH_LIMIT, k.name + ": parameter " + i + " (" + p.name
                        + ") is " + p.type + " but the launch passes " + (a == null ? "null" : a.getClass().getSimpleName() + " " + a)
                        + " [" + k.file + ":" + k.line + "]");
            }
        }
        return b.array();
    }

    // ------------------------------------------------------------------ statistics

    /** Thread-instructions executed so far (one per instruction per active lane). */
    public synchronized long threadInstructions() {
        return threadInstructions;
    }

    /** Wall time spent in launches so far, nanoseconds. */
    public synchronized long launchNanos() {
        return launchNanos;
    }

    public synchronized int launches() {
        return launches;
    }
}
