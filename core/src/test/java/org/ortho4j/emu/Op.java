package org.ortho4j.emu;

/**
 * One decoded PTX instruction. {@link #exec} runs it for the lanes of a warp in {@code mask}, guard already
 * applied; operands are register-file offsets ({@code register · 32}, add the lane), immediates and special
 * registers included (they live in registers the decoder reserves and the warp initialises).
 */
abstract class Op {
    static final int NORMAL = 0;
    static final int BRANCH = 1;
    static final int EXIT = 2;
    static final int BARRIER = 3;
    static final int COLLECTIVE = 4;

    /** 1-based line in the module's PTX text. */
    int line;
    /** The instruction as written (for messages). */
    String text;
    /** Offset of the guard predicate, or -1. */
    int guard = -1;
    boolean guardNegated;

    int kind() {
        return NORMAL;
    }

    abstract void exec(Warp w, int mask);

    /** Lanes of {@code mask} whose guard lets them execute. */
    final int guarded(Warp w, int mask) {
        if (guard < 0) {
            return mask;
        }
        long[] r = w.r;
        int out = 0;
        for (int m = mask; m != 0; m &= m - 1) {
            int l = Integer.numberOfTrailingZeros(m);
            if ((r[guard + l] != 0) != guardNegated) {
                out |= 1 << l;
            }
        }
        return out;
    }

    String where() {
        return "line " + line + " `" + text + "`";
    }
}
