package org.ortho4j.emu;

import java.util.Locale;

/**
 * One kernel launch on the emulated device: blocks run one after another; within a block, each warp runs until
 * every lane has exited or waits at a barrier or a collective, then the block's barrier is checked and released
 * (or the launch fails). Within a warp the lanes with the lowest program counter run together, one instruction
 * for all of them, so diverged lanes reconverge where their paths meet — the scheduling independent thread
 * scheduling allows, made deterministic.
 *
 * <p>Every memory access goes through this class's checks: bounds and alignment, uninitialised reads, shared
 * races between barriers ({@link SharedMemory}), and the per-launch global races ({@link GlobalMemory}). A failed
 * check throws {@link EmulationException} naming the kernel, the PTX line, the block, the thread and the address.
 */
final class Launch {
    final EmulatedDevice device;
    final Kernel kernel;
    final int gx;
    final int gy;
    final int gz;
    final int bx;
    final int by;
    final int bz;
    final int threadsPerBlock;
    final int launchId;
    final byte[] params;
    final GlobalMemory global;
    final SharedMemory shared;
    final Warp[] warps;
    final long maxSteps;
    long steps;
    long threadInstructions;
    /** Current block. */
    int cx;
    int cy;
    int cz;
    long blockLinear;
    /** Result of the block reduction of a bar.red, read by {@link ControlOps.Bar#exec}. */
    long barValue;
    /** Scratch of the collectives (the ops themselves are shared and stateless). */
    final long[] shuffle = new long[32];
    final double[] mmaA = new double[16 * 16];
    final double[] mmaB = new double[16 * 8];
    final double[] mmaC = new double[16 * 8];

    Launch(EmulatedDevice device, Kernel kernel, int[] grid, int[] block, int dynamicShared, byte[] params, int launchId) {
        this.device = device;
        this.kernel = kernel;
        this.gx = grid[0];
        this.gy = grid[1];
        this.gz = grid[2];
        this.bx = block[0];
        this.by = block[1];
        this.bz = block[2];
        this.threadsPerBlock = bx * by * bz;
        this.params = params;
        this.launchId = launchId;
        this.global = device.global;
        this.shared = device.shared;
        this.maxSteps = device.maxThreadInstructions;
        shared.prepare(kernel.dynamicBase + dynamicShared);
        int nw = (threadsPerBlock + 31) / 32;
        warps = new Warp[nw];
        for (int i = 0; i < nw; i++) {
            warps[i] = new Warp(this, i, kernel.registers);
            kernel.initialise(warps[i].r);
        }
    }

    void run() {
        for (cz = 0; cz < gz; cz++) {
            for (cy = 0; cy < gy; cy++) {
                for (cx = 0; cx < gx; cx++) {
                    blockLinear = cx + (long) gx * (cy + (long) gy * cz);
                    runBlock();
                }
            }
        }
    }

    private void runBlock() {
        shared.beginBlock();
        for (Warp w : warps) {
            int n = Math.min(32, threadsPerBlock - w.tidBase);
            w.present = n == 32 ? -1 : (1 << n) - 1;
            w.exited = 0;
            w.atBarrier = 0;
            w.atCollective = 0;
            java.util.Arrays.fill(w.pc, 0);
            kernel.setSpecials(w, this);
        }
        while (true) {
            for (Warp w : warps) {
                runWarp(w);
            }
            boolean allDone = true;
            for (Warp w : warps) {
                if ((w.present & ~w.exited) != 0) {
                    allDone = false;
                    break;
                }
            }
            if (allDone) {
                return;
            }
            for (Warp w : warps) {
                if (w.atCollective != 0) {
                    throw collectiveDeadlock(w);
                }
            }
            releaseBarrier();
        }
    }

    // ------------------------------------------------------------------ warps

    private void runWarp(Warp w) {
        final Op[] code = kernel.code;
        outer:
        while (true) {
            int runnable = w.runnable();
            if (runnable == 0) {
                if (w.atCollective != 0 && tryCollectives(w)) {
                    continue;
                }
                return;
            }
            int p = Integer.MAX_VALUE;
            for (int m = runnable; m != 0; m &= m - 1) {
                p = Math.min(p, w.pc[Integer.numberOfTrailingZeros(m)]);
            }
            int mask = 0;
            for (int m = runnable; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                if (w.pc[l] == p) {
                    mask |= 1 << l;
                }
            }
            final boolean converged = mask == runnable;
            final int lanes = Integer.bitCount(mask);
            while (true) {
                if (p >= code.length) {
                    throw fail(EmulationException.Kind.RUNTIME, w, Integer.numberOfTrailingZeros(mask), code[code.length - 1],
                            "ran past the end of the kernel without ret/exit");
                }
                Op op = code[p];
                threadInstructions += lanes;
                if (++steps > maxSteps) {
                    throw fail(EmulationException.Kind.RUNTIME, w, Integer.numberOfTrailingZeros(mask), op,
                            "still running after " + maxSteps + " warp instructions (an endless loop?)");
                }
                switch (op.kind()) {
                    case Op.NORMAL: {
                        int g = op.guarded(w, mask);
                        if (g != 0) {
                            op.exec(w, g);
                        }
                        p++;
                        if (!converged) {
                            w.setPc(mask, p);
                            continue outer;
                        }
                        continue;
                    }
                    case Op.BRANCH: {
                        ControlOps.Bra b = (ControlOps.Bra) op;
                        int taken = op.guarded(w, mask);
                        if (b.uniform && taken != 0 && taken != mask) {
                            throw fail(EmulationException.Kind.DIVERGENT_UNIFORM_BRANCH, w, Integer.numberOfTrailingZeros(mask & ~taken),
                                    op, "bra.uni is not uniform: lanes " + lanes(taken) + " take it, lanes " + lanes(mask & ~taken) + " do not");
                        }
                        if (taken == mask) {
                            p = b.target;
                        } else if (taken == 0) {
                            p++;
                        } else {
                            w.setPc(taken, b.target);
                            w.setPc(mask & ~taken, p + 1);
                            continue outer;
                        }
                        if (!converged) {
                            w.setPc(mask, p);
                            continue outer;
                        }
                        continue;
                    }
                    case Op.EXIT: {
                        int g = op.guarded(w, mask);
                        w.exited |= g;
                        for (int m = g; m != 0; m &= m - 1) {
                            w.exitPc[Integer.numberOfTrailingZeros(m)] = p;
                        }
                        w.setPc(mask & ~g, p + 1);
                        continue outer;
                    }
                    case Op.BARRIER: {
                        int g = op.guarded(w, mask);
                        w.atBarrier |= g;
                        w.setPc(g, p);
                        w.setPc(mask & ~g, p + 1);
                        continue outer;
                    }
                    case Op.COLLECTIVE: {
                        int g = op.guarded(w, mask);
                        w.atCollective |= g;
                        w.setPc(g, p);
                        w.setPc(mask & ~g, p + 1);
                        continue outer;
                    }
                    default:
                        throw new IllegalStateException("op kind " + op.kind());
                }
            }
        }
    }

    /** Runs every warp collective whose members have all arrived; true if one ran. */
    private boolean tryCollectives(Warp w) {
        boolean ran = false;
        int waiting = w.atCollective;
        while (waiting != 0) {
            int p = w.pc[Integer.numberOfTrailingZeros(waiting)];
            int group = 0;
            for (int m = waiting; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                if (w.pc[l] == p) {
                    group |= 1 << l;
                }
            }
            waiting &= ~group;
            ControlOps.Collective op = (ControlOps.Collective) kernel.code[p];
            int members = op.members(w, group);
            int missing = members & ~group;
            if (missing != 0) {
                int gone = missing & (w.exited | ~w.present);
                if (gone != 0) {
                    int lane = Integer.numberOfTrailingZeros(gone);
                    throw fail(EmulationException.Kind.COLLECTIVE, w, Integer.numberOfTrailingZeros(group), op,
                            op.name() + " with member mask 0x" + Integer.toHexString(members) + " but lane " + lane
                                    + ((w.present & (1 << lane)) == 0 ? " does not exist (the block has "
                                    + threadsPerBlock + " threads)" : " has exited (at line " + kernel.code[w.exitPc[lane]].line + ")"));
                }
                continue;                                         // the others may still arrive
            }
            op.exec(w, members);
            w.atCollective &= ~members;
            w.setPc(members, p + 1);
            ran = true;
        }
        return ran;
    }

    private EmulationException collectiveDeadlock(Warp w) {
        int lane = Integer.numberOfTrailingZeros(w.atCollective);
        int p = w.pc[lane];
        ControlOps.Collective op = (ControlOps.Collective) kernel.code[p];
        int group = 0;
        for (int m = w.atCollective; m != 0; m &= m - 1) {
            int l = Integer.numberOfTrailingZeros(m);
            if (w.pc[l] == p) {
                group |= 1 << l;
            }
        }
        int members = op.members(w, group);
        StringBuilder b = new StringBuilder(op.name()).append(" waits for member mask 0x").append(Integer.toHexString(members))
                .append(" but only lanes ").append(lanes(group)).append(" arrived");
        for (int m = members & ~group; m != 0; m &= m - 1) {
            int l = Integer.numberOfTrailingZeros(m);
            if ((w.atBarrier & (1 << l)) != 0) {
                b.append("; lane ").append(l).append(" waits at the barrier of line ").append(kernel.code[w.pc[l]].line);
            } else if ((w.atCollective & (1 << l)) != 0) {
                b.append("; lane ").append(l).append(" waits at another collective, line ").append(kernel.code[w.pc[l]].line);
            }
            break;
        }
        return fail(EmulationException.Kind.COLLECTIVE, w, lane, op, b.toString());
    }

    private void releaseBarrier() {
        Warp first = null;
        int firstLane = -1;
        int p = -1;
        int exitedThreads = 0;
        Warp exitWarp = null;
        int exitLane = -1;
        for (Warp w : warps) {
            int live = w.present & ~w.exited;
            if ((live & ~w.atBarrier) != 0) {
                throw new IllegalStateException("warp " + w.index + " neither done nor at a barrier");
            }
            int ex = w.present & w.exited;
            if (ex != 0 && exitWarp == null) {
                exitWarp = w;
                exitLane = Integer.numberOfTrailingZeros(ex);
            }
            exitedThreads += Integer.bitCount(ex);
            for (int m = w.atBarrier; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                if (first == null) {
                    first = w;
                    firstLane = l;
                    p = w.pc[l];
                } else if (w.pc[l] != p) {
                    throw fail(EmulationException.Kind.BARRIER, w, l, kernel.code[w.pc[l]],
                            "threads wait at different barriers: this one here, thread " + thread(first.tidBase + firstLane)
                                    + " at line " + kernel.code[p].line + " (bar.sync is .aligned: every thread of the block must reach the same one)");
                }
            }
        }
        if (exitedThreads > 0) {
            throw fail(EmulationException.Kind.BARRIER, first, firstLane, kernel.code[p],
                    "barrier reached while " + exitedThreads + " thread(s) of the block have exited, e.g. thread "
                            + thread(exitWarp.tidBase + exitLane) + " at line " + kernel.code[exitWarp.exitPc[exitLane]].line);
        }
        ControlOps.Bar bar = (ControlOps.Bar) kernel.code[p];
        if (bar.reduction != ControlOps.Bar.NONE) {
            long or = 0;
            long and = 1;
            long count = 0;
            for (Warp w : warps) {
                for (int m = w.atBarrier; m != 0; m &= m - 1) {
                    int l = Integer.numberOfTrailingZeros(m);
                    long v = (w.r[bar.source + l] != 0) != bar.sourceNegated ? 1 : 0;
                    or |= v;
                    and &= v;
                    count += v;
                }
            }
            barValue = bar.reduction == ControlOps.Bar.OR ? or : bar.reduction == ControlOps.Bar.AND ? and : count;
            for (Warp w : warps) {
                if (w.atBarrier != 0) {
                    bar.exec(w, w.atBarrier);
                }
            }
        }
        shared.barrier();
        for (Warp w : warps) {
            w.setPc(w.atBarrier, p + 1);
            w.atBarrier = 0;
        }
    }

    // ------------------------------------------------------------------ memory

    private long stamp(Warp w, int lane) {
        return ((long) launchId << 32) | (blockLinear * threadsPerBlock + w.tidBase + lane);
    }

    private GlobalMemory.Allocation globalRange(Warp w, int lane, Op op, long addr, int n, String what) {
        if ((addr & (n - 1)) != 0) {
            throw fail(EmulationException.Kind.MISALIGNED, w, lane, op, what + " of " + n + " bytes at misaligned address 0x"
                    + Long.toHexString(addr));
        }
        GlobalMemory.Allocation a = global.find(addr, n);
        if (a == null) {
            throw fail(EmulationException.Kind.OUT_OF_BOUNDS, w, lane, op, what + " of " + n + " bytes outside global memory: "
                    + global.describe(addr, n));
        }
        return a;
    }

    long loadGlobal(Warp w, int lane, Op op, long addr, int n, boolean nc, boolean ordered) {
        GlobalMemory.Allocation a = globalRange(w, lane, op, addr, n, nc ? "ld.global.nc" : "load");
        int at = (int) (addr - a.base);
        for (int i = at; i < at + n; i++) {
            if (a.written[i] == 0) {
                throw fail(EmulationException.Kind.UNINITIALISED, w, lane, op, "reads global byte 0x" + Long.toHexString(a.base + i)
                        + " (offset " + i + " of the " + a.size + "-byte allocation at 0x" + Long.toHexString(a.base)
                        + "), which nothing has written");
            }
        }
        if (a.store != null) {
            for (int i = at; i < at + n; i++) {
                long s = a.store[i];
                if ((int) (s >>> 32) == launchId) {
                    long other = (int) s;
                    if (nc) {
                        throw fail(EmulationException.Kind.NC_WRITE, w, lane, op, "reads global byte 0x" + Long.toHexString(a.base + i)
                                + " through ld.global.nc, but thread " + globalThread(other) + " wrote it in this launch");
                    }
                    if (!ordered && other / threadsPerBlock != blockLinear) {
                        throw fail(EmulationException.Kind.GLOBAL_RACE, w, lane, op, "reads global byte 0x" + Long.toHexString(a.base + i)
                                + " that thread " + globalThread(other) + " of another block wrote in this launch (no ordering between blocks)");
                    }
                }
                long t = a.atomic[i];
                if (nc && (int) (t >>> 32) == launchId) {
                    throw fail(EmulationException.Kind.NC_WRITE, w, lane, op, "reads global byte 0x" + Long.toHexString(a.base + i)
                            + " through ld.global.nc, but thread " + globalThread((int) t) + " updated it atomically in this launch");
                }
            }
        }
        if (nc) {
            a.shadows();
            for (int i = at; i < at + n; i++) {
                a.nc[i] = launchId;
            }
        }
        return GlobalMemory.get(a.data, at, n);
    }

    void storeGlobal(Warp w, int lane, Op op, long addr, int n, long v) {
        GlobalMemory.Allocation a = globalRange(w, lane, op, addr, n, "store");
        int at = (int) (addr - a.base);
        a.shadows();
        long me = stamp(w, lane);
        for (int i = at; i < at + n; i++) {
            long s = a.store[i];
            if ((int) (s >>> 32) == launchId && s != me) {
                throw fail(EmulationException.Kind.GLOBAL_RACE, w, lane, op, "writes global byte 0x" + Long.toHexString(a.base + i)
                        + " that thread " + globalThread((int) s) + " also wrote in this launch (two writers, no atomics)");
            }
            long t = a.atomic[i];
            if ((int) (t >>> 32) == launchId && t != me) {
                throw fail(EmulationException.Kind.GLOBAL_RACE, w, lane, op, "writes global byte 0x" + Long.toHexString(a.base + i)
                        + " that thread " + globalThread((int) t) + " updated atomically in this launch");
            }
            if (a.nc[i] == launchId) {
                throw fail(EmulationException.Kind.NC_WRITE, w, lane, op, "writes global byte 0x" + Long.toHexString(a.base + i)
                        + " that this launch read through ld.global.nc (the non-coherent path needs data read-only for the whole kernel)");
            }
        }
        for (int i = at; i < at + n; i++) {
            a.store[i] = me;
            a.written[i] = 1;
        }
        GlobalMemory.put(a.data, at, n, v);
    }

    long atomicGlobal(Warp w, int lane, MemOps.Atom op, long addr, long b, long c) {
        int n = op.t.bytes();
        GlobalMemory.Allocation a = globalRange(w, lane, op, addr, n, "atomic");
        int at = (int) (addr - a.base);
        a.shadows();
        long me = stamp(w, lane);
        for (int i = at; i < at + n; i++) {
            if (a.written[i] == 0) {
                throw fail(EmulationException.Kind.UNINITIALISED, w, lane, op, "atomically updates global byte 0x"
                        + Long.toHexString(a.base + i) + ", which nothing has written");
            }
            long s = a.store[i];
            if ((int) (s >>> 32) == launchId && s != me) {
                throw fail(EmulationException.Kind.GLOBAL_RACE, w, lane, op, "updates global byte 0x" + Long.toHexString(a.base + i)
                        + " atomically that thread " + globalThread((int) s) + " wrote plainly in this launch");
            }
            if (a.nc[i] == launchId) {
                throw fail(EmulationException.Kind.NC_WRITE, w, lane, op, "updates global byte 0x" + Long.toHexString(a.base + i)
                        + " that this launch read through ld.global.nc");
            }
        }
        long old = GlobalMemory.get(a.data, at, n);
        GlobalMemory.put(a.data, at, n, op.apply(old, b, c));
        for (int i = at; i < at + n; i++) {
            a.atomic[i] = me;
        }
        return old;
    }

    private int sharedRange(Warp w, int lane, Op op, long addr, int n, String what) {
        if ((addr & (n - 1)) != 0) {
            throw fail(EmulationException.Kind.MISALIGNED, w, lane, op, what + " of " + n + " bytes at misaligned shared address "
                    + addr);
        }
        if (addr < 0 || addr + n > shared.size) {
            throw fail(EmulationException.Kind.OUT_OF_BOUNDS, w, lane, op, what + " of " + n + " bytes at shared address " + addr
                    + " outside the block's " + shared.size + " bytes (" + kernel.staticShared + " static + "
                    + (shared.size - kernel.dynamicBase) + " dynamic from " + kernel.dynamicBase + ")");
        }
        return (int) addr;
    }

    long loadShared(Warp w, int lane, Op op, long addr, int n) {
        int at = sharedRange(w, lane, op, addr, n, "shared load");
        String bad = shared.checkLoad(at, n, w.tidBase + lane);
        if (bad != null) {
            throw sharedFailure(w, lane, op, bad);
        }
        return GlobalMemory.get(shared.data, at, n);
    }

    void storeShared(Warp w, int lane, Op op, long addr, int n, long v) {
        int at = sharedRange(w, lane, op, addr, n, "shared store");
        String bad = shared.checkStore(at, n, w.tidBase + lane);
        if (bad != null) {
            throw sharedFailure(w, lane, op, bad);
        }
        GlobalMemory.put(shared.data, at, n, v);
    }

    long atomicShared(Warp w, int lane, MemOps.Atom op, long addr, long b, long c) {
        int n = op.t.bytes();
        int at = sharedRange(w, lane, op, addr, n, "shared atomic");
        String bad = shared.checkAtomic(at, n, w.tidBase + lane);
        if (bad != null) {
            throw sharedFailure(w, lane, op, bad);
        }
        long old = GlobalMemory.get(shared.data, at, n);
        GlobalMemory.put(shared.data, at, n, op.apply(old, b, c));
        return old;
    }

    private EmulationException sharedFailure(Warp w, int lane, Op op, String bad) {
        if (bad.startsWith(SharedMemory.RACE)) {
            int colon = bad.indexOf(':', SharedMemory.RACE.length());
            int other = Integer.parseInt(bad.substring(SharedMemory.RACE.length(), colon));
            String msg = "shared-memory race: " + bad.substring(colon + 1).replace("%OTHER%", "thread " + thread(other));
            return fail(EmulationException.Kind.SHARED_RACE, w, lane, op, msg);
        }
        return fail(EmulationException.Kind.UNINITIALISED, w, lane, op, bad);
    }

    long loadParam(Warp w, int lane, Op op, long addr, int n) {
        if (addr < 0 || addr + n > params.length) {
            throw fail(EmulationException.Kind.OUT_OF_BOUNDS, w, lane, op, "parameter load of " + n + " bytes at offset " + addr
                    + " outside the " + params.length + "-byte parameter buffer");
        }
        return GlobalMemory.get(params, (int) addr, n);
    }

    // ------------------------------------------------------------------ messages

    /** Block-local thread index → {@code (x,y,z)}. */
    String thread(int tid) {
        return "(" + tid % bx + "," + (tid / bx) % by + "," + tid / (bx * by) + ")";
    }

    private String globalThread(long linear) {
        long block = linear / threadsPerBlock;
        int tid = (int) (linear % threadsPerBlock);
        long x = block % gx;
        long y = (block / gx) % gy;
        long z = block / ((long) gx * gy);
        return thread(tid) + " of block (" + x + "," + y + "," + z + ")";
    }

    static String lanes(int mask) {
        StringBuilder b = new StringBuilder("{");
        for (int m = mask; m != 0; m &= m - 1) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(Integer.numberOfTrailingZeros(m));
        }
        return b.append('}').toString();
    }

    EmulationException fail(EmulationException.Kind kind, Warp w, int lane, Op op, String what) {
        String at = kernel.file + ":" + (op == null ? "?" : op.line + " `" + op.text + "`");
        String who = w == null ? "" : ", block (" + cx + "," + cy + "," + cz + ") thread " + thread(w.tidBase + lane);
        return new EmulationException(kind, String.format(Locale.ROOT, "%s: %s [%s%s]", kernel.name, what, at, who));
    }
}
