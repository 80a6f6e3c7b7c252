package org.ortho4j.emu;

/**
 * PTX fundamental types (PTX ISA "Fundamental Types"): bit-size types {@code .b8–.b64}, unsigned
 * {@code .u8–.u64}, signed {@code .s8–.s64}, floating point {@code .f16 .bf16 .f32 .f64} and {@code .pred}.
 * Registers hold their value in the low {@link #bits} bits of a {@code long}, zero-extended; signed reads
 * sign-extend ({@link #read}).
 */
enum PType {
    B8(8, 'b'), B16(16, 'b'), B32(32, 'b'), B64(64, 'b'),
    U8(8, 'u'), U16(16, 'u'), U32(32, 'u'), U64(64, 'u'),
    S8(8, 's'), S16(16, 's'), S32(32, 's'), S64(64, 's'),
    F16(16, 'f'), BF16(16, 'f'), F32(32, 'f'), F64(64, 'f'),
    PRED(1, 'p');

    final int bits;
    final char kind;
    final long mask;
    final int shift;

    PType(int bits, char kind) {
        this.bits = bits;
        this.kind = kind;
        this.mask = bits == 64 ? -1L : (1L << bits) - 1;
        this.shift = 64 - bits;
    }

    boolean signed() {
        return kind == 's';
    }

    boolean isFloat() {
        return kind == 'f';
    }

    int bytes() {
        return Math.max(1, bits / 8);
    }

    /** The value of a register or memory word as this type: sign-extended for signed types, else zero-extended. */
    long read(long raw) {
        return kind == 's' ? (raw << shift) >> shift : raw & mask;
    }

    /** {@code v} truncated to this type's width, zero-extended (what a register of this width holds). */
    long norm(long v) {
        return v & mask;
    }

    /** {@code .f32} → {@code F32}; {@code null} when {@code s} is not a type suffix. */
    static PType of(String s) {
        switch (s) {
            case "b8": return B8;
            case "b16": return B16;
            case "b32": return B32;
            case "b64": return B64;
            case "u8": return U8;
            case "u16": return U16;
            case "u32": return U32;
            case "u64": return U64;
            case "s8": return S8;
            case "s16": return S16;
            case "s32": return S32;
            case "s64": return S64;
            case "f16": return F16;
            case "bf16": return BF16;
            case "f32": return F32;
            case "f64": return F64;
            case "pred": return PRED;
            default: return null;
        }
    }

    @Override
    public String toString() {
        return "." + name().toLowerCase(java.util.Locale.ROOT);
    }
}
