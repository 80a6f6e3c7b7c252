package org.ortho4j.emu;

/**
 * Integer arithmetic (PTX ISA 9.0, "Integer Arithmetic Instructions": add, sub, mul, mad, div, rem, abs, neg,
 * min, max, popc, clz) and logic and shift ("Logic and Shift Instructions": and, or, xor, not, cnot, shl,
 * shr) on {@code .u/.s/.b} types of 16, 32 and 64 bits and on predicates. Wrap-around arithmetic in the
 * instruction's width; {@code .wide} and {@code .hi} use the double-width product; shift amounts are unsigned and
 * clamped to the width ("shl", "shr"); division by zero stops the launch (the ISA leaves the result unspecified).
 */
final class IntOps {
    private IntOps() {
    }

    static final int ADD = 0, SUB = 1, MUL_LO = 2, MUL_HI = 3, MUL_WIDE = 4, MAD_LO = 5, MAD_HI = 6, MAD_WIDE = 7,
            DIV = 8, REM = 9, MIN = 10, MAX = 11, ABS = 12, NEG = 13, AND = 14, OR = 15, XOR = 16, NOT = 17,
            CNOT = 18, SHL = 19, SHR = 20, POPC = 21, CLZ = 22;

    /** {@code d = f(a, b, c)} in type {@code t} (result in {@code t}'s width, or twice it for {@code .wide}). */
    static final class Arith extends Op {
        final int code;
        final PType t;
        final int d;
        final int a;
        final int b;
        final int c;

        Arith(int code, PType t, int d, int a, int b, int c) {
            this.code = code;
            this.t = t;
            this.d = d;
            this.a = a;
            this.b = b;
            this.c = c;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final PType t = this.t;
            final int sh = t.shift;
            final long mk = t.mask;
            final boolean s = t.signed();
            switch (code) {
                case ADD:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] + r[b + l]) & mk;
                    }
                    return;
                case SUB:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] - r[b + l]) & mk;
                    }
                    return;
                case MUL_LO:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] * r[b + l]) & mk;
                    }
                    return;
                case MAD_LO:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] * r[b + l] + r[c + l]) & mk;
                    }
                    return;
                case AND:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = r[a + l] & r[b + l];
                    }
                    return;
                case OR:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = r[a + l] | r[b + l];
                    }
                    return;
                case XOR:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = r[a + l] ^ r[b + l];
                    }
                    return;
                case NOT:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = ~r[a + l] & mk;
                    }
                    return;
                case CNOT:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] & mk) == 0 ? 1 : 0;
                    }
                    return;
                case SHL:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        long n = r[b + l] & 0xffffffffL;            // shift amount: .u32, clamped to the width
                        r[d + l] = n >= t.bits ? 0 : (r[a + l] << n) & mk;
                    }
                    return;
                case SHR:
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        long n = Math.min(r[b + l] & 0xffffffffL, t.bits);
                        long v = s ? (r[a + l] << sh) >> sh : r[a + l] & mk;
                        r[d + l] = n >= 64 ? (s && v < 0 ? mk : 0) : (s ? v >> n : v >>> n) & mk;
                    }
                    return;
                default:
                    break;
            }
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long x = s ? (r[a + l] << sh) >> sh : r[a + l] & mk;
                long y = b < 0 ? 0 : s ? (r[b + l] << sh) >> sh : r[b + l] & mk;
                long v;
                switch (code) {
                    case MUL_HI:
                    case MAD_HI:
                        v = hi(x, y, t);
                        if (code == MAD_HI) {
                            v += r[c + l];
                        }
                        break;
                    case MUL_WIDE:
                    case MAD_WIDE:
                        v = x * y + (code == MAD_WIDE ? r[c + l] : 0);       // exact: 2·width ≤ 64 bits
                        r[d + l] = t.bits == 32 ? v : v & ((1L << (2 * t.bits)) - 1);
                        continue;
                    case DIV:
                    case REM:
                        if (y == 0) {
                            throw w.launch.fail(EmulationException.Kind.RUNTIME, w, l, this, "integer division by zero");
                        }
                        if (s) {
                            v = code == DIV ? x / y : x % y;
                        } else {
                            v = code == DIV ? Long.divideUnsigned(x, y) : Long.remainderUnsigned(x, y);
                        }
                        break;
                    case MIN:
                        v = s ? Math.min(x, y) : (Long.compareUnsigned(x, y) <= 0 ? x : y);
                        break;
                    case MAX:
                        v = s ? Math.max(x, y) : (Long.compareUnsigned(x, y) >= 0 ? x : y);
                        break;
                    case ABS:
                        v = Math.abs(x);
                        break;
                    case NEG:
                        v = -x;
                        break;
                    case POPC:
                        r[d + l] = Long.bitCount(x & mk);
                        continue;
                    case CLZ:
                        r[d + l] = Long.numberOfLeadingZeros(x & mk) - (64 - t.bits);
                        continue;
                    default:
                        throw new IllegalStateException("int op " + code);
                }
                r[d + l] = v & mk;
            }
        }

        private static long hi(long x, long y, PType t) {
            if (t.bits < 64) {
                return (x * y) >> t.bits;                               // exact double-width product
            }
            return t.signed() ? Math.multiplyHigh(x, y) : Math.multiplyHigh(x, y) + ((x >> 63) & y) + ((y >> 63) & x);
        }
    }

    /** Predicate logic: {@code and/or/xor/not.pred} on 0/1 values. */
    static final class PredLogic extends Op {
        final int code;
        final int d;
        final int a;
        final int b;

        PredLogic(int code, int d, int a, int b) {
            this.code = code;
            this.d = d;
            this.a = a;
            this.b = b;
        }

        @Override
        void exec(Warp w, int mask) {
            long[] r = w.r;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long x = r[a + l] & 1;
                long v;
                switch (code) {
                    case AND: v = x & r[b + l]; break;
                    case OR: v = x | r[b + l]; break;
                    case XOR: v = x ^ r[b + l]; break;
                    case NOT: v = x ^ 1; break;
                    default: throw new IllegalStateException("pred op " + code);
                }
                r[d + l] = v & 1;
            }
        }
    }

    /**
     * {@code bfe.type d, a, pos, len} (ISA "bfe"): the {@code len}-bit field of {@code a} at {@code pos}, sign-extended
     * from its top bit for signed types; {@code bfi.bN d, f, b, pos, len} ("bfi"): {@code b} with the field
     * replaced by the low bits of {@code f}. {@code pos} and {@code len} use their low 8 bits; bits past the width are
     * not touched.
     */
    static final class BitField extends Op {
        final boolean insert;
        final PType t;
        final int d;
        final int a;
        final int b;
        final int pos;
        final int len;

        BitField(boolean insert, PType t, int d, int a, int b, int pos, int len) {
            this.insert = insert;
            this.t = t;
            this.d = d;
            this.a = a;
            this.b = b;
            this.pos = pos;
            this.len = len;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final int msb = t.bits - 1;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                int p = (int) (r[pos + l] & 0xff);
                int n = (int) (r[len + l] & 0xff);
                long x = r[a + l] & t.mask;
                long v;
                if (insert) {
                    v = r[b + l] & t.mask;
                    for (int i = 0; i < n && p + i <= msb; i++) {
                        long bit = (x >>> i) & 1;
                        v = (v & ~(1L << (p + i))) | (bit << (p + i));
                    }
                } else {
                    long sbit = t.signed() && n > 0 ? (x >>> Math.min(p + n - 1, msb)) & 1 : 0;
                    v = 0;
                    for (int i = 0; i < t.bits; i++) {
                        long bit = i < n && p + i <= msb ? (x >>> (p + i)) & 1 : sbit;
                        v |= bit << i;
                    }
                }
                r[d + l] = v & t.mask;
            }
        }
    }
}
