package org.ortho4j.emu;

import java.util.Arrays;

/**
 * One block's shared memory (static variables, then the dynamic {@code .extern} area) with a shadow per byte for
 * the checks (PTX ISA "Shared State Space"; races as in "Memory Consistency Model": accesses from
 * different threads not ordered by a barrier conflict when at least one writes and they are not both atomic).
 *
 * <p>Barrier intervals are numbered ({@link #epoch}); per byte the shadow keeps the interval and thread of the last
 * plain write, of the reads (one reader or "several"), of the atomics, and of the first write in this block. An
 * access conflicts when another thread touched the byte in the same interval in a conflicting way; a read of a
 * byte no thread of this block wrote is an uninitialised read. Intervals keep counting across blocks and launches,
 * so nothing is cleared between blocks.
 */
final class SharedMemory {
    static final int SEVERAL = -2;

    byte[] data = new byte[0];
    private int[] wE = new int[0];
    private int[] wT = new int[0];
    private int[] rE = new int[0];
    private int[] rT = new int[0];
    private int[] aE = new int[0];
    private int[] aT = new int[0];
    private int[] iE = new int[0];
    /** Bytes usable by the current launch (static + dynamic). */
    int size;
    int epoch = 1;
    /** First interval of the current block: earlier stamps belong to other blocks. */
    int blockStart = 1;

    void prepare(int bytes) {
        size = bytes;
        if (data.length < bytes) {
            int n = Math.max(bytes, 1024);
            data = new byte[n];
            wE = new int[n];
            wT = new int[n];
            rE = new int[n];
            rT = new int[n];
            aE = new int[n];
            aT = new int[n];
            iE = new int[n];
        }
    }

    void beginBlock() {
        epoch++;
        blockStart = epoch;
        if (epoch > Integer.MAX_VALUE - 1_000_000) {            // never in practice; keep the stamps meaningful
            for (int[] a : new int[][]{wE, rE, aE, iE}) {
                Arrays.fill(a, 0);
            }
            epoch = 2;
            blockStart = 2;
        }
    }

    void barrier() {
        epoch++;
    }

    /** Checks a plain load by {@code tid} of {@code [at, at+n)}; null or what is wrong. */
    String checkLoad(int at, int n, int tid) {
        final int e = epoch;
        for (int i = at; i < at + n; i++) {
            if (iE[i] < blockStart) {
                return "reads shared byte " + i + ", which no thread of this block has written";
            }
            if (wE[i] == e && wT[i] != tid) {
                return race("reads", i, "wrote", wT[i]);
            }
            if (aE[i] == e && aT[i] != tid) {
                return race("reads", i, "updated atomically", aT[i]);
            }
        }
        for (int i = at; i < at + n; i++) {
            if (rE[i] != e) {
                rE[i] = e;
                rT[i] = tid;
            } else if (rT[i] != tid) {
                rT[i] = SEVERAL;
            }
        }
        return null;
    }

    String checkStore(int at, int n, int tid) {
        final int e = epoch;
        for (int i = at; i < at + n; i++) {
            if (wE[i] == e && wT[i] != tid) {
                return race("writes", i, "wrote", wT[i]);
            }
            if (rE[i] == e && rT[i] != tid) {
                return race("writes", i, "read", rT[i]);
            }
            if (aE[i] == e && aT[i] != tid) {
                return race("writes", i, "updated atomically", aT[i]);
            }
        }
        for (int i = at; i < at + n; i++) {
            wE[i] = e;
            wT[i] = tid;
            if (iE[i] < blockStart) {
                iE[i] = e;
            }
        }
        return null;
    }

    String checkAtomic(int at, int n, int tid) {
        final int e = epoch;
        for (int i = at; i < at + n; i++) {
            if (iE[i] < blockStart) {
                return "atomically updates shared byte " + i + ", which no thread of this block has written";
            }
            if (wE[i] == e && wT[i] != tid) {
                return race("updates atomically", i, "wrote", wT[i]);
            }
            if (rE[i] == e && rT[i] != tid) {
                return race("updates atomically", i, "read", rT[i]);
            }
        }
        for (int i = at; i < at + n; i++) {
            if (aE[i] != e) {
                aE[i] = e;
                aT[i] = tid;
            } else if (aT[i] != tid) {
                aT[i] = SEVERAL;
            }
        }
        return null;
    }

    /** Marker for {@link Launch}: a race message starts with this, followed by the other thread's index. */
    static final String RACE = "race:";

    private static String race(String what, int at, String otherDid, int other) {
        return RACE + other + ":" + what + " shared byte " + at + " that " + (other == SEVERAL ? "several threads" : "%OTHER%")
                + " " + otherDid + " since the last barrier";
    }
}
