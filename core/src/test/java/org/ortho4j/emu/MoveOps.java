package org.ortho4j.emu;

/**
 * Comparison and selection (PTX ISA 9.0, "Comparison and Selection Instructions": {@code setp} with the
 * integer, unsigned and floating-point comparison operators incl. the unordered ones and the optional
 * {@code .and/.or/.xor} combination with a third predicate; {@code selp}), and data movement and conversion
 * ("Data Movement and Conversion Instructions": {@code mov} incl. vector packing/unpacking, {@code cvt},
 * {@code cvta}).
 */
final class MoveOps {
    private MoveOps() {
    }

    static final int EQ = 0, NE = 1, LT = 2, LE = 3, GT = 4, GE = 5, LO = 6, LS = 7, HI = 8, HS = 9,
            EQU = 10, NEU = 11, LTU = 12, LEU = 13, GTU = 14, GEU = 15, NUM = 16, NAN = 17;

    static int cmpCode(String s) {
        switch (s) {
            case "eq": return EQ;
            case "ne": return NE;
            case "lt": return LT;
            case "le": return LE;
            case "gt": return GT;
            case "ge": return GE;
            case "lo": return LO;
            case "ls": return LS;
            case "hi": return HI;
            case "hs": return HS;
            case "equ": return EQU;
            case "neu": return NEU;
            case "ltu": return LTU;
            case "leu": return LEU;
            case "gtu": return GTU;
            case "geu": return GEU;
            case "num": return NUM;
            case "nan": return NAN;
            default: return -1;
        }
    }

    /** {@code setp.cmp[.bool].type p[|q], a, b[, {!}c]}. */
    static final class Setp extends Op {
        final int cmp;
        final PType t;
        final int p;
        final int q;
        final int a;
        final int b;
        /** -1: none, else IntOps.AND/OR/XOR with predicate c. */
        final int bool;
        final int c;
        final boolean cNeg;

        Setp(int cmp, PType t, int p, int q, int a, int b, int bool, int c, boolean cNeg) {
            this.cmp = cmp;
            this.t = t;
            this.p = p;
            this.q = q;
            this.a = a;
            this.b = b;
            this.bool = bool;
            this.c = c;
            this.cNeg = cNeg;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                boolean v;
                if (t == PType.F32) {
                    v = fcmp(cmp, Float.intBitsToFloat((int) r[a + l]), Float.intBitsToFloat((int) r[b + l]));
                } else if (t == PType.F64) {
                    v = fcmp(cmp, Double.longBitsToDouble(r[a + l]), Double.longBitsToDouble(r[b + l]));
                } else {
                    v = icmp(cmp, t.read(r[a + l]), t.read(r[b + l]), t.signed());
                }
                boolean nv = !v;
                if (bool >= 0) {
                    boolean cv = (r[c + l] != 0) != cNeg;
                    v = combine(bool, v, cv);
                    nv = combine(bool, nv, cv);
                }
                r[p + l] = v ? 1 : 0;
                if (q >= 0) {
                    r[q + l] = nv ? 1 : 0;
                }
            }
        }

        private static boolean combine(int op, boolean x, boolean y) {
            switch (op) {
                case IntOps.AND: return x & y;
                case IntOps.OR: return x | y;
                default: return x ^ y;
            }
        }

        static boolean icmp(int cmp, long x, long y, boolean signed) {
            switch (cmp) {
                case EQ: return x == y;
                case NE: return x != y;
                case LT: return signed ? x < y : Long.compareUnsigned(x, y) < 0;
                case LE: return signed ? x <= y : Long.compareUnsigned(x, y) <= 0;
                case GT: return signed ? x > y : Long.compareUnsigned(x, y) > 0;
                case GE: return signed ? x >= y : Long.compareUnsigned(x, y) >= 0;
                case LO: return Long.compareUnsigned(x, y) < 0;
                case LS: return Long.compareUnsigned(x, y) <= 0;
                case HI: return Long.compareUnsigned(x, y) > 0;
                case HS: return Long.compareUnsigned(x, y) >= 0;
                default: throw new IllegalStateException("integer comparison " + cmp);
            }
        }

        static boolean fcmp(int cmp, double x, double y) {
            boolean nan = Double.isNaN(x) || Double.isNaN(y);
            switch (cmp) {
                case EQ: return !nan && x == y;
                case NE: return !nan && x != y;
                case LT: return !nan && x < y;
                case LE: return !nan && x <= y;
                case GT: return !nan && x > y;
                case GE: return !nan && x >= y;
                case EQU: return nan || x == y;
                case NEU: return nan || x != y;
                case LTU: return nan || x < y;
                case LEU: return nan || x <= y;
                case GTU: return nan || x > y;
                case GEU: return nan || x >= y;
                case NUM: return !nan;
                case NAN: return nan;
                default: throw new IllegalStateException("float comparison " + cmp);
            }
        }
    }

    /** {@code selp.type d, a, b, c}: {@code d = c ? a : b}. */
    static final class Selp extends Op {
        final int d;
        final int a;
        final int b;
        final int c;

        Selp(int d, int a, int b, int c) {
            this.d = d;
            this.a = a;
            this.b = b;
            this.c = c;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = r[c + l] != 0 ? r[a + l] : r[b + l];
            }
        }
    }

    /** {@code mov} of a register, immediate, special register or symbol address, masked to the type's width. */
    static final class Mov extends Op {
        final int d;
        final int a;
        final long mask;

        Mov(int d, int a, long mask) {
            this.d = d;
            this.a = a;
            this.mask = mask;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final long mk = this.mask;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = r[a + l] & mk;
            }
        }
    }

    /** {@code mov.bN d, {a, b, ...}}: parts packed low to high (ISA "mov", packing). */
    static final class Pack extends Op {
        final int d;
        final int[] parts;
        final int partBits;

        Pack(int d, int[] parts, int partBits) {
            this.d = d;
            this.parts = parts;
            this.partBits = partBits;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final long pm = partBits == 64 ? -1L : (1L << partBits) - 1;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long v = 0;
                for (int i = 0; i < parts.length; i++) {
                    v |= (r[parts[i] + l] & pm) << (i * partBits);
                }
                r[d + l] = v;
            }
        }
    }

    /** {@code mov.bN {a, b, ...}, s}: unpacking, low part first; a negative offset is the sink {@code _}. */
    static final class Unpack extends Op {
        final int[] dsts;
        final int a;
        final int partBits;

        Unpack(int[] dsts, int a, int partBits) {
            this.dsts = dsts;
            this.a = a;
            this.partBits = partBits;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final long pm = (1L << partBits) - 1;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long v = r[a + l];
                for (int i = 0; i < dsts.length; i++) {
                    if (dsts[i] >= 0) {
                        r[dsts[i] + l] = (v >>> (i * partBits)) & pm;
                    }
                }
            }
        }
    }

    static final int RN = 0, RZ = 1, RM = 2, RP = 3, RNI = 4, RZI = 5, RMI = 6, RPI = 7, NONE = 8;

    static int rounding(String s) {
        switch (s) {
            case "rn": return RN;
            case "rz": return RZ;
            case "rm": return RM;
            case "rp": return RP;
            case "rni": return RNI;
            case "rzi": return RZI;
            case "rmi": return RMI;
            case "rpi": return RPI;
            default: return -1;
        }
    }

    /**
     * {@code cvt[.rnd][.sat].dtype.atype d, a} (ISA "cvt"): integer ↔ integer (extend by the source's signedness,
     * truncate, or clamp with {@code .sat}); integer → float and float → narrower float with {@code .rn/.rz/.rm/.rp};
     * float → integer with {@code .rni/.rzi/.rmi/.rpi}, NaN → 0, clamped to the destination's range; float →
     * float with an integer rounding mode rounds to an integral value; {@code .bf16} destination rounds to nearest
     * even with NaN → canonical NaN {@code 0x7fff}.
     */
    static final class Cvt extends Op {
        final PType dt;
        final PType st;
        final int rnd;
        final boolean sat;
        final int d;
        final int a;

        Cvt(PType dt, PType st, int rnd, boolean sat, int d, int a) {
            this.dt = dt;
            this.st = st;
            this.rnd = rnd;
            this.sat = sat;
            this.d = d;
            this.a = a;
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = convert(r[a + l]);
            }
        }

        long convert(long raw) {
            if (st.isFloat()) {
                double x;
                switch (st) {
                    case F32: x = Float.intBitsToFloat((int) raw); break;
                    case F64: x = Double.longBitsToDouble(raw); break;
                    case BF16: x = Float.intBitsToFloat((int) (raw & 0xffff) << 16); break;
                    default: throw new IllegalStateException("cvt from " + st);
                }
                if (dt.isFloat()) {
                    return toFloat(x, st == PType.F64);
                }
                return toInt(x);
            }
            long x = st.read(raw);
            if (dt.isFloat()) {
                return intToFloat(x, !st.signed() && st.bits == 64);
            }
            if (sat) {
                x = clampInt(x, st.signed() || st.bits < 64);
            }
            return dt.norm(x);
        }

        private long toFloat(double x, boolean fromDouble) {
            if (rnd >= RNI && rnd <= RPI) {
                x = roundIntegral(x);
            }
            if (sat) {
                x = x > 0 ? Math.min(x, 1) : 0;
            }
            switch (dt) {
                case F64:
                    return Double.doubleToRawLongBits(x);
                case F32:
                    return Float.floatToRawIntBits(fromDouble ? narrow(x) : (float) x) & 0xffffffffL;
                case BF16: {
                    if (fromDouble) {
                        throw new IllegalStateException("cvt.bf16.f64 is not emulated");
                    }
                    int b = Float.floatToRawIntBits((float) x);
                    if (Float.isNaN((float) x)) {
                        return 0x7fff;
                    }
                    return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;   // round to nearest even
                }
                default:
                    throw new IllegalStateException("cvt to " + dt);
            }
        }

        /** f64 → f32 with this conversion's rounding mode. */
        private float narrow(double x) {
            float f = (float) x;                                    // round to nearest even
            if (rnd == RN || rnd == NONE || Double.isNaN(x) || f == x) {
                return f;
            }
            switch (rnd) {
                case RZ: return Math.abs(f) > Math.abs(x) ? Math.nextAfter(f, 0.0) : f;
                case RM: return f > x ? Math.nextDown(f) : f;
                case RP: return f < x ? Math.nextUp(f) : f;
                default: return f;
            }
        }

        private double roundIntegral(double x) {
            switch (rnd) {
                case RNI: return Math.rint(x);
                case RZI: return x < 0 ? Math.ceil(x) : Math.floor(x);
                case RMI: return Math.floor(x);
                case RPI: return Math.ceil(x);
                default: return x;
            }
        }

        private long toInt(double x) {
            if (Double.isNaN(x)) {
                return 0;
            }
            double v = roundIntegral(x);
            long out;
            if (dt.signed()) {
                double lo = -Math.pow(2, dt.bits - 1);
                double hi = Math.pow(2, dt.bits - 1) - 1;
                out = (long) Math.max(lo, Math.min(hi, v));
            } else {
                double hi = Math.pow(2, dt.bits) - 1;
                if (v <= 0) {
                    out = 0;
                } else if (v >= hi) {
                    out = dt.mask;
                } else if (v >= 0x1p63) {
                    out = (long) (v - 0x1p63) ^ Long.MIN_VALUE;
                } else {
                    out = (long) v;
                }
            }
            return dt.norm(out);
        }

        private long intToFloat(long x, boolean unsigned64) {
            double dv;
            float fv;
            if (unsigned64 && x < 0) {
                long half = (x >>> 1) | (x & 1);                     // keeps the sticky bit: one rounding
                dv = 2.0 * (double) half;
                fv = 2.0f * (float) half;
            } else {
                dv = (double) x;
                fv = (float) x;
            }
            if (rnd != RN && rnd != NONE) {
                throw new IllegalStateException("cvt int→float with rounding " + rnd + " is not emulated");
            }
            switch (dt) {
                case F64: return Double.doubleToRawLongBits(dv);
                case F32: return Float.floatToRawIntBits(fv) & 0xffffffffL;
                default: throw new IllegalStateException("cvt to " + dt);
            }
        }

        private long clampInt(long x, boolean srcSigned) {
            if (dt.signed()) {
                long lo = dt.bits == 64 ? Long.MIN_VALUE : -(1L << (dt.bits - 1));
                long hi = dt.bits == 64 ? Long.MAX_VALUE : (1L << (dt.bits - 1)) - 1;
                if (!srcSigned && x < 0) {
                    return hi;                                      // u64 above 2^63
                }
                return Math.max(lo, Math.min(hi, x));
            }
            if (srcSigned && x < 0) {
                return 0;
            }
            return dt.bits == 64 || Long.compareUnsigned(x, dt.mask) <= 0 ? x : dt.mask;
        }
    }
}
