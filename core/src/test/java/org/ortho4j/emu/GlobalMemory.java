package org.ortho4j.emu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The emulated device's global memory: separate allocations at 256-byte-aligned addresses with unmapped gaps
 * between them, each exactly as large as asked, so any access outside a live allocation is caught (no slack, no
 * neighbour to land in). New memory holds {@code 0xff} bytes (NaN as float) and counts as unwritten: a kernel that
 * reads a byte nothing has written (no copy, memset or store) fails the launch.
 *
 * <p>Per launch, every byte remembers the last thread that stored to it, the last that updated it atomically, and
 * whether it was read through the non-coherent path. A launch fails when two threads store to the same byte,
 * when one stores to a byte another updated atomically, when a byte is both written and read through
 * {@code ld.global.nc} (ISA "ld.global.nc": the non-coherent path is only valid for data read-only for the kernel's
 * lifetime), and when a thread reads (plainly, not volatile or atomic) a byte that a thread of another block
 * stored in the same launch (no ordering between blocks).
 */
final class GlobalMemory {
    static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** First address handed out; far from 0 so that small integers used as pointers are caught. */
    static final long BASE = 0x7f00_0000_0000L;
    /** Unmapped bytes left after every allocation. */
    static final long GAP = 1 << 16;

    static final class Allocation {
        final long base;
        final int size;
        final byte[] data;
        final byte[] written;
        /** Per byte: (launch << 32) | thread of the last plain store, or 0. */
        long[] store;
        /** Per byte: (launch << 32) | thread of the last atomic, or 0. */
        long[] atomic;
        /** Per byte: launch of the last ld.global.nc, or 0. */
        int[] nc;

        Allocation(long base, int size) {
            this.base = base;
            this.size = size;
            this.data = new byte[size];
            this.written = new byte[size];
            Arrays.fill(data, (byte) 0xff);
        }

        long end() {
            return base + size;
        }

        void shadows() {
            if (store == null) {
                store = new long[size];
                atomic = new long[size];
                nc = new int[size];
            }
        }
    }

    private Allocation[] live = new Allocation[16];
    private int count;
    private long next = BASE;
    private long liveBytes;
    private final long capacity;
    private Allocation last;

    GlobalMemory(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    long liveBytes() {
        return liveBytes;
    }

    /** A new allocation of {@code bytes}, or null when the device's capacity would be exceeded. */
    Allocation allocate(long bytes) {
        if (bytes <= 0 || bytes > Integer.MAX_VALUE - 8 || liveBytes + bytes > capacity) {
            return null;
        }
        Allocation a = new Allocation(next, (int) bytes);
        next = (a.end() + GAP + 255) & ~255L;
        if (count == live.length) {
            live = Arrays.copyOf(live, count * 2);
        }
        live[count++] = a;                                        // addresses only grow: the array stays sorted
        liveBytes += bytes;
        return a;
    }

    /** Frees the allocation starting at {@code address}; false when there is none. */
    boolean free(long address) {
        int i = indexOf(address);
        if (i < 0 || live[i].base != address) {
            return false;
        }
        liveBytes -= live[i].size;
        if (last == live[i]) {
            last = null;
        }
        System.arraycopy(live, i + 1, live, i, count - i - 1);
        live[--count] = null;
        return true;
    }

    private int indexOf(long address) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Allocation a = live[mid];
            if (address < a.base) {
                hi = mid - 1;
            } else if (address >= a.end()) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** The live allocation holding all of {@code [address, address + bytes)}, or null. */
    Allocation find(long address, long bytes) {
        Allocation a = last;
        if (a != null && address >= a.base && address + bytes <= a.end() && bytes >= 0) {
            return a;
        }
        int i = indexOf(address);
        if (i < 0) {
            return null;
        }
        a = live[i];
        if (address + bytes > a.end()) {
            return null;
        }
        last = a;
        return a;
    }

    /** Where {@code address} lies relative to the allocations (for messages). */
    String describe(long address, long bytes) {
        int i = indexOf(address);
        if (i >= 0) {
            Allocation a = live[i];
            return "0x" + Long.toHexString(address) + " (+" + bytes + " B) runs " + (address + bytes - a.end())
                    + " B past the end of the " + a.size + "-byte allocation at 0x" + Long.toHexString(a.base);
        }
        Allocation below = null;
        Allocation above = null;
        for (int k = 0; k < count; k++) {
            if (live[k].end() <= address) {
                below = live[k];
            } else if (live[k].base > address && above == null) {
                above = live[k];
            }
        }
        StringBuilder b = new StringBuilder("0x").append(Long.toHexString(address)).append(" is in no live allocation");
        if (below != null) {
            b.append("; ").append(address - below.end()).append(" B past the end of the ").append(below.size)
                    .append("-byte allocation at 0x").append(Long.toHexString(below.base));
        }
        if (above != null) {
            b.append("; ").append(above.base - address).append(" B before the allocation at 0x")
                    .append(Long.toHexString(above.base));
        }
        if (address < BASE) {
            b.append(" (a null or small-integer pointer?)");
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ host side (driver calls)

    /** Host access: the allocation holding the whole range, or an exception naming the call. */
    Allocation range(String call, long address, long bytes) {
        Allocation a = find(address, bytes);
        if (a == null) {
            throw new EmulationException(EmulationException.Kind.OUT_OF_BOUNDS, call + ": " + describe(address, bytes));
        }
        return a;
    }

    void write(String call, long address, byte[] src, int offset, int bytes) {
        Allocation a = range(call, address, bytes);
        int at = (int) (address - a.base);
        System.arraycopy(src, offset, a.data, at, bytes);
        Arrays.fill(a.written, at, at + bytes, (byte) 1);
    }

    void read(String call, long address, byte[] dst, int offset, int bytes) {
        Allocation a = range(call, address, bytes);
        int at = (int) (address - a.base);
        for (int i = at; i < at + bytes; i++) {
            if (a.written[i] == 0) {
                throw new EmulationException(EmulationException.Kind.UNINITIALISED, call + ": byte 0x"
                        + Long.toHexString(a.base + i) + " (offset " + i + " of the " + a.size
                        + "-byte allocation at 0x" + Long.toHexString(a.base) + ") was never written");
            }
        }
        System.arraycopy(a.data, at, dst, offset, bytes);
    }

    void fill(String call, long address, long bytes, byte value) {
        Allocation a = range(call, address, bytes);
        int at = (int) (address - a.base);
        Arrays.fill(a.data, at, at + (int) bytes, value);
        Arrays.fill(a.written, at, at + (int) bytes, (byte) 1);
    }

    void fill32(String call, long address, long count, int value) {
        Allocation a = range(call, address, count * 4);
        if ((address & 3) != 0) {
            throw new EmulationException(EmulationException.Kind.MISALIGNED, call + ": 0x" + Long.toHexString(address)
                    + " is not 4-byte aligned");
        }
        int at = (int) (address - a.base);
        for (int i = 0; i < count; i++) {
            I32.set(a.data, at + 4 * i, value);
        }
        Arrays.fill(a.written, at, at + (int) (count * 4), (byte) 1);
    }

    void copy(String call, long dst, long src, long bytes) {
        Allocation s = range(call + " (source)", src, bytes);
        Allocation d = range(call + " (destination)", dst, bytes);
        int so = (int) (src - s.base);
        int doff = (int) (dst - d.base);
        for (int i = so; i < so + bytes; i++) {
            if (s.written[i] == 0) {
                throw new EmulationException(EmulationException.Kind.UNINITIALISED, call + ": source byte 0x"
                        + Long.toHexString(s.base + i) + " was never written");
            }
        }
        System.arraycopy(s.data, so, d.data, doff, (int) bytes);
        Arrays.fill(d.written, doff, doff + (int) bytes, (byte) 1);
    }

    // ------------------------------------------------------------------ raw little-endian access

    static long get(byte[] data, int at, int bytes) {
        switch (bytes) {
            case 1: return data[at] & 0xffL;
            case 2: return ((short) I16.get(data, at)) & 0xffffL;
            case 4: return ((int) I32.get(data, at)) & 0xffffffffL;
            case 8: return (long) I64.get(data, at);
            default: throw new IllegalStateException("access of " + bytes + " bytes");
        }
    }

    static void put(byte[] data, int at, int bytes, long v) {
        switch (bytes) {
            case 1: data[at] = (byte) v; break;
            case 2: I16.set(data, at, (short) v); break;
            case 4: I32.set(data, at, (int) v); break;
            case 8: I64.set(data, at, v); break;
            default: throw new IllegalStateException("access of " + bytes + " bytes");
        }
    }
}
