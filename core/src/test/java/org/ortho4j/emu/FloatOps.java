package org.ortho4j.emu;

/**
 * Floating-point arithmetic on {@code .f32} and {@code .f64} (PTX ISA 9.0, "Floating-Point Instructions": add,
 * sub, mul, fma, mad, div, abs, neg, min, max, rcp, sqrt). Round-to-nearest-even is Java's own float/double
 * arithmetic, and {@link Math#fma} rounds once, so the {@code .rn} forms are exact emulations; subnormals are kept
 * (no {@code .ftz}). {@code add}/{@code sub}/{@code mul} without a rounding modifier are run as {@code .rn}: ptxas
 * may contract such a pair into an FMA on the device ("Floating-Point Instructions: add", rounding modifiers), so results can differ from the GPU in the last
 * bit there. {@code min}/{@code max} return the non-NaN operand when one is NaN ("min", "max"). {@code .sat}
 * clamps to [0, 1] (NaN to 0). Directed rounding ({@code .rz .rm .rp}), {@code .ftz} and {@code .approx} are not
 * emulated: the decoder refuses them.
 */
final class FloatOps {
    private FloatOps() {
    }

    static final int ADD = 0, SUB = 1, MUL = 2, FMA = 3, DIV = 4, ABS = 5, NEG = 6, MIN = 7, MAX = 8, RCP = 9, SQRT = 10;

    static final class F32 extends Op {
        final int code;
        final boolean sat;
        final int d;
        final int a;
        final int b;
        final int c;

        F32(int code, boolean sat, int d, int a, int b, int c) {
            this.code = code;
            this.sat = sat;
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
                float x = Float.intBitsToFloat((int) r[a + l]);
                float v;
                switch (code) {
                    case ADD: v = x + Float.intBitsToFloat((int) r[b + l]); break;
                    case SUB: v = x - Float.intBitsToFloat((int) r[b + l]); break;
                    case MUL: v = x * Float.intBitsToFloat((int) r[b + l]); break;
                    case FMA:
                        v = Math.fma(x, Float.intBitsToFloat((int) r[b + l]), Float.intBitsToFloat((int) r[c + l]));
                        break;
                    case DIV: v = x / Float.intBitsToFloat((int) r[b + l]); break;
                    case ABS: v = Math.abs(x); break;
                    case NEG: v = -x; break;
                    case MIN: v = min(x, Float.intBitsToFloat((int) r[b + l])); break;
                    case MAX: v = max(x, Float.intBitsToFloat((int) r[b + l])); break;
                    case RCP: v = 1.0f / x; break;
                    case SQRT: v = (float) Math.sqrt(x); break;                 // exact: double sqrt, one rounding
                    default: throw new IllegalStateException("f32 op " + code);
                }
                if (sat) {
                    v = v > 0f ? Math.min(v, 1f) : 0f;                        // NaN and −0 → +0
                }
                r[d + l] = Float.floatToRawIntBits(v) & 0xffffffffL;
            }
        }

        static float min(float x, float y) {
            if (Float.isNaN(x)) {
                return y;
            }
            return Float.isNaN(y) ? x : Math.min(x, y);
        }

        static float max(float x, float y) {
            if (Float.isNaN(x)) {
                return y;
            }
            return Float.isNaN(y) ? x : Math.max(x, y);
        }
    }

    static final class F64 extends Op {
        final int code;
        final boolean sat;
        final int d;
        final int a;
        final int b;
        final int c;

        F64(int code, boolean sat, int d, int a, int b, int c) {
            this.code = code;
            this.sat = sat;
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
                double x = Double.longBitsToDouble(r[a + l]);
                double v;
                switch (code) {
                    case ADD: v = x + Double.longBitsToDouble(r[b + l]); break;
                    case SUB: v = x - Double.longBitsToDouble(r[b + l]); break;
                    case MUL: v = x * Double.longBitsToDouble(r[b + l]); break;
                    case FMA:
                        v = Math.fma(x, Double.longBitsToDouble(r[b + l]), Double.longBitsToDouble(r[c + l]));
                        break;
                    case DIV: v = x / Double.longBitsToDouble(r[b + l]); break;
                    case ABS: v = Math.abs(x); break;
                    case NEG: v = -x; break;
                    case MIN: {
                        double y = Double.longBitsToDouble(r[b + l]);
                        v = Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.min(x, y);
                        break;
                    }
                    case MAX: {
                        double y = Double.longBitsToDouble(r[b + l]);
                        v = Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.max(x, y);
                        break;
                    }
                    case RCP: v = 1.0 / x; break;
                    case SQRT: v = Math.sqrt(x); break;
                    default: throw new IllegalStateException("f64 op " + code);
                }
                if (sat) {
                    v = v > 0 ? Math.min(v, 1) : 0;
                }
                r[d + l] = Double.doubleToRawLongBits(v);
            }
        }
    }
}
