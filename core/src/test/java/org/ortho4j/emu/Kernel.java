package org.ortho4j.emu;

import java.util.List;

/**
 * A decoded {@code .entry}: its instructions, register-file size, immediates (as constant registers), parameter
 * layout, shared-memory layout and launch bounds. Immutable once decoded (ops keep no state; per-launch scratch lives
 * in {@link Launch}), so one decoded module serves every emulated device and thread. Kernels whose body uses an instruction the interpreter does not
 * implement are still decoded; {@link #unsupported} lists what is missing and a launch refuses to run them.
 */
final class Kernel {
    // special registers (PTX ISA "Special Registers"), at fixed register indices
    static final int TID = 0;
    static final int NTID = 3;
    static final int CTAID = 6;
    static final int NCTAID = 9;
    static final int LANEID = 12;
    static final int WARPID = 13;
    static final int NWARPID = 14;
    static final int LANEMASK_EQ = 15;
    static final int LANEMASK_LT = 16;
    static final int LANEMASK_LE = 17;
    static final int LANEMASK_GT = 18;
    static final int LANEMASK_GE = 19;
    static final int SPECIALS = 20;

    final String file;
    final String name;
    final int line;
    final Op[] code;
    final int registers;
    final int[] constRegister;
    final long[] constValue;
    final PtxSource.Param[] params;
    final int[] paramOffset;
    final int paramBytes;
    /** End of the static shared variables (bytes). */
    final int staticShared;
    /** Offset of the dynamic ({@code .extern}) shared area. */
    final int dynamicBase;
    final int[] maxntid;
    final int[] reqntid;
    final List<String> unsupported;

    Kernel(String file, String name, int line, Op[] code, int registers, int[] constRegister, long[] constValue,
           PtxSource.Param[] params, int[] paramOffset, int paramBytes, int staticShared, int dynamicBase, int[] maxntid,
           int[] reqntid, List<String> unsupported) {
        this.file = file;
        this.name = name;
        this.line = line;
        this.code = code;
        this.registers = registers;
        this.constRegister = constRegister;
        this.constValue = constValue;
        this.params = params;
        this.paramOffset = paramOffset;
        this.paramBytes = paramBytes;
        this.staticShared = staticShared;
        this.dynamicBase = dynamicBase;
        this.maxntid = maxntid;
        this.reqntid = reqntid;
        this.unsupported = unsupported;
    }

    /** {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES} before a module raises it: 48 KiB minus the static part. */
    int defaultMaxDynamicShared() {
        return Math.max(0, 48 * 1024 - staticShared);
    }

    /** Writes the constant registers of a fresh register file (never written by instructions afterwards). */
    void initialise(long[] r) {
        for (int i = 0; i < constRegister.length; i++) {
            java.util.Arrays.fill(r, constRegister[i] * 32, constRegister[i] * 32 + 32, constValue[i]);
        }
    }

    /** The special registers of warp {@code w} in the launch's current block. */
    void setSpecials(Warp w, Launch x) {
        long[] r = w.r;
        for (int l = 0; l < 32; l++) {
            int tid = w.tidBase + l;
            r[(TID) * 32 + l] = tid % x.bx;
            r[(TID + 1) * 32 + l] = (tid / x.bx) % x.by;
            r[(TID + 2) * 32 + l] = tid / (x.bx * x.by);
            r[(NTID) * 32 + l] = x.bx;
            r[(NTID + 1) * 32 + l] = x.by;
            r[(NTID + 2) * 32 + l] = x.bz;
            r[(CTAID) * 32 + l] = x.cx;
            r[(CTAID + 1) * 32 + l] = x.cy;
            r[(CTAID + 2) * 32 + l] = x.cz;
            r[(NCTAID) * 32 + l] = x.gx;
            r[(NCTAID + 1) * 32 + l] = x.gy;
            r[(NCTAID + 2) * 32 + l] = x.gz;
            r[LANEID * 32 + l] = l;
            r[WARPID * 32 + l] = w.index;
            r[NWARPID * 32 + l] = x.warps.length;
            r[LANEMASK_EQ * 32 + l] = (1L << l);
            r[LANEMASK_LT * 32 + l] = (1L << l) - 1;
            r[LANEMASK_LE * 32 + l] = (1L << (l + 1)) - 1;
            r[LANEMASK_GT * 32 + l] = (0xffffffffL << (l + 1)) & 0xffffffffL;
            r[LANEMASK_GE * 32 + l] = (0xffffffffL << l) & 0xffffffffL;
        }
    }

    @Override
    public String toString() {
        return file + ":" + name;
    }
}
