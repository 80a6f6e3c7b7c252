package org.ortho4j.emu;

/**
 * Loads, stores and atomics (PTX ISA 9.0, "Data Movement and Conversion Instructions":
 * {@code ld}, {@code ld.global.nc}, {@code st}; "Parallel Synchronization and Communication Instructions": {@code atom},
 * {@code red}) on the global, shared and parameter state spaces, scalar or
 * {@code .v2/.v4}. Addresses are {@code [reg]}, {@code [reg+imm]}, {@code [symbol+imm]} or {@code [imm]}; a load
 * into a register wider than its type sign- or zero-extends by the type (ISA "ld": "the destination register may be
 * wider"). Memory-order qualifiers ({@code .relaxed}, {@code .acquire}, scopes) are accepted and need nothing: the
 * emulator runs one thread at a time, which is stronger than any of them.
 */
final class MemOps {
    private MemOps() {
    }

    static final int GLOBAL = 0;
    static final int SHARED = 1;
    static final int PARAM = 2;

    static final class Ld extends Op {
        final int space;
        final PType t;
        final int[] dst;
        final long[] dstMask;
        final int base;
        final long offset;
        final boolean nc;
        final boolean ordered;

        Ld(int space, PType t, int[] dst, long[] dstMask, int base, long offset, boolean nc, boolean ordered) {
            this.space = space;
            this.t = t;
            this.dst = dst;
            this.dstMask = dstMask;
            this.base = base;
            this.offset = offset;
            this.nc = nc;
            this.ordered = ordered;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final Launch x = w.launch;
            final int n = t.bytes();
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long addr = (base >= 0 ? r[base + l] : 0) + offset;
                for (int i = 0; i < dst.length; i++) {
                    long a = addr + (long) i * n;
                    long raw;
                    switch (space) {
                        case GLOBAL: raw = x.loadGlobal(w, l, this, a, n, nc, ordered); break;
                        case SHARED: raw = x.loadShared(w, l, this, a, n); break;
                        default: raw = x.loadParam(w, l, this, a, n); break;
                    }
                    if (dst[i] >= 0) {
                        r[dst[i] + l] = t.read(raw) & dstMask[i];
                    }
                }
            }
        }
    }

    static final class St extends Op {
        final int space;
        final PType t;
        final int[] src;
        final int base;
        final long offset;

        St(int space, PType t, int[] src, int base, long offset) {
            this.space = space;
            this.t = t;
            this.src = src;
            this.base = base;
            this.offset = offset;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final Launch x = w.launch;
            final int n = t.bytes();
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long addr = (base >= 0 ? r[base + l] : 0) + offset;
                for (int i = 0; i < src.length; i++) {
                    long v = r[src[i] + l] & t.mask;
                    if (space == GLOBAL) {
                        x.storeGlobal(w, l, this, addr + (long) i * n, n, v);
                    } else {
                        x.storeShared(w, l, this, addr + (long) i * n, n, v);
                    }
                }
            }
        }
    }

    static final int ADD = 0, MIN = 1, MAX = 2, EXCH = 3, CAS = 4, AND = 5, OR = 6, XOR = 7, INC = 8, DEC = 9;

    static int atomCode(String s) {
        switch (s) {
            case "add": return ADD;
            case "min": return MIN;
            case "max": return MAX;
            case "exch": return EXCH;
            case "cas": return CAS;
            case "and": return AND;
            case "or": return OR;
            case "xor": return XOR;
            case "inc": return INC;
            case "dec": return DEC;
            default: return -1;
        }
    }

    /** {@code atom.space.op.type d, [a], b[, c]}; {@code red} is the same without {@code d} ({@code dst < 0}). */
    static final class Atom extends Op {
        final int space;
        final int code;
        final PType t;
        final int dst;
        final int base;
        final long offset;
        final int b;
        final int c;

        Atom(int space, int code, PType t, int dst, int base, long offset, int b, int c) {
            this.space = space;
            this.code = code;
            this.t = t;
            this.dst = dst;
            this.base = base;
            this.offset = offset;
            this.b = b;
            this.c = c;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final Launch x = w.launch;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long addr = (base >= 0 ? r[base + l] : 0) + offset;
                long bv = r[b + l];
                long cv = c >= 0 ? r[c + l] : 0;
                long old = space == GLOBAL ? x.atomicGlobal(w, l, this, addr, bv, cv) : x.atomicShared(w, l, this, addr, bv, cv);
                if (dst >= 0) {
                    r[dst + l] = old & t.mask;
                }
            }
        }

        /** The new memory value from the old one (the ISA's atom semantics). */
        long apply(long oldRaw, long bRaw, long cRaw) {
            switch (t) {
                case F32: {
                    float o = Float.intBitsToFloat((int) oldRaw);
                    float v = Float.intBitsToFloat((int) bRaw);
                    float n;
                    switch (code) {
                        case ADD: n = o + v; break;
                        case MIN: n = FloatOps.F32.min(o, v); break;
                        case MAX: n = FloatOps.F32.max(o, v); break;
                        case EXCH: n = v; break;
                        default: throw new IllegalStateException("atom f32 " + code);
                    }
                    return Float.floatToRawIntBits(n) & 0xffffffffL;
                }
                case F64: {
                    double o = Double.longBitsToDouble(oldRaw);
                    double v = Double.longBitsToDouble(bRaw);
                    switch (code) {
                        case ADD: return Double.doubleToRawLongBits(o + v);
                        case EXCH: return bRaw;
                        default: throw new IllegalStateException("atom f64 " + code);
                    }
                }
                default:
                    break;
            }
            long o = t.read(oldRaw);
            long v = t.read(bRaw);
            boolean s = t.signed();
            long n;
            switch (code) {
                case ADD: n = o + v; break;
                case MIN: n = s ? Math.min(o, v) : (Long.compareUnsigned(o, v) <= 0 ? o : v); break;
                case MAX: n = s ? Math.max(o, v) : (Long.compareUnsigned(o, v) >= 0 ? o : v); break;
                case EXCH: n = v; break;
                case CAS: n = (o & t.mask) == (v & t.mask) ? cRaw : o; break;
                case AND: n = o & v; break;
                case OR: n = o | v; break;
                case XOR: n = o ^ v; break;
                case INC: n = Long.compareUnsigned(o & t.mask, v & t.mask) >= 0 ? 0 : o + 1; break;
                case DEC: n = (o & t.mask) == 0 || Long.compareUnsigned(o & t.mask, v & t.mask) > 0 ? v : o - 1; break;
                default: throw new IllegalStateException("atom " + code);
            }
            return n & t.mask;
        }
    }
}
