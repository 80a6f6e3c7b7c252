package org.ortho4j.emu;

/**
 * Thirty-two lanes of one block: their registers ({@code r[register·32 + lane]}, every value in the low bits of a
 * {@code long}), their program counters and their state masks. A lane is runnable unless it has exited, waits at
 * a block barrier or waits at a warp collective; lanes past the block's thread count are absent.
 */
final class Warp {
    final Launch launch;
    final int index;
    /** Thread index of lane 0 within the block. */
    final int tidBase;
    final long[] r;
    final int[] pc = new int[32];
    /** PC at which each exited lane exited (messages). */
    final int[] exitPc = new int[32];
    int present;
    int exited;
    int atBarrier;
    int atCollective;

    Warp(Launch launch, int index, int registers) {
        this.launch = launch;
        this.index = index;
        this.tidBase = index * 32;
        this.r = new long[registers * 32];
    }

    int runnable() {
        return present & ~exited & ~atBarrier & ~atCollective;
    }

    void setPc(int mask, int p) {
        for (int m = mask; m != 0; m &= m - 1) {
            pc[Integer.numberOfTrailingZeros(m)] = p;
        }
    }
}
