package org.ortho4j.emu;

/**
 * Control flow (PTX ISA 9.0, "Control Flow Instructions": {@code bra}, {@code bra.uni}, {@code ret}, {@code exit}), block barriers
 * ("Parallel Synchronization and Communication Instructions: bar, barrier"), memory fences ({@code membar}, {@code fence}:
 * no-ops here, the emulator is sequentially consistent) and the warp collectives: {@code shfl.sync} ("Data Movement and Conversion Instructions"),
 * {@code vote.sync} ("Parallel Synchronization and Communication"), {@code mma.sync.aligned} ("Warp Level Matrix
 * Multiply-Accumulate Instructions"). The scheduler ({@link Launch}) gathers the
 * lanes of a collective and runs {@link #exec} once for all its members.
 */
final class ControlOps {
    private ControlOps() {
    }

    static final class Bra extends Op {
        int target = -1;
        final String label;
        final boolean uniform;

        Bra(String label, boolean uniform) {
            this.label = label;
            this.uniform = uniform;
        }

        @Override
        int kind() {
            return BRANCH;
        }

        @Override
        void exec(Warp w, int mask) {
            throw new IllegalStateException("branches are run by the scheduler");
        }
    }

    static final class Exit extends Op {
        @Override
        int kind() {
            return EXIT;
        }

        @Override
        void exec(Warp w, int mask) {
            throw new IllegalStateException("exits are run by the scheduler");
        }
    }

    static final class Nop extends Op {
        @Override
        void exec(Warp w, int mask) {
        }
    }

    /**
     * {@code bar.sync a} / {@code barrier.sync[.aligned] a} and {@code bar.red.{or,and}.pred p, a, {!}q} /
     * {@code bar.red.popc.u32 d, a, {!}q}: every thread of the block waits here (bar.sync is .aligned: all threads must
     * reach the same instruction); the reduction's result is written by {@link #exec} after the release.
     */
    static final class Bar extends Op {
        static final int NONE = 0, OR = 1, AND = 2, POPC = 3;
        final int reduction;
        final int dst;
        final int source;
        final boolean sourceNegated;

        Bar(int reduction, int dst, int source, boolean sourceNegated) {
            this.reduction = reduction;
            this.dst = dst;
            this.source = source;
            this.sourceNegated = sourceNegated;
        }

        @Override
        int kind() {
            return BARRIER;
        }

        @Override
        void exec(Warp w, int mask) {
            final long v = w.launch.barValue;
            for (int m = mask; m != 0; m &= m - 1) {
                w.r[dst + Integer.numberOfTrailingZeros(m)] = v;
            }
        }
    }

    /** A warp collective: which lanes must take part, given the lanes that arrived. */
    abstract static class Collective extends Op {
        @Override
        int kind() {
            return COLLECTIVE;
        }

        /**
         * The lanes that must execute this instance together. Throws when the arriving lanes disagree about it or
         * name a mask that excludes themselves.
         */
        abstract int members(Warp w, int arrived);

        abstract String name();

        /** The membermask register's value, checked equal across {@code arrived} and covering them. */
        final int memberMask(Warp w, int arrived, int maskOperand) {
            int first = Integer.numberOfTrailingZeros(arrived);
            int mask = (int) w.r[maskOperand + first];
            for (int m = arrived; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                int mine = (int) w.r[maskOperand + l];
                if (mine != mask) {
                    throw w.launch.fail(EmulationException.Kind.COLLECTIVE, w, l, this, name() + ": lane " + l + " passes member mask 0x"
                            + Integer.toHexString(mine) + " but lane " + first + " passes 0x" + Integer.toHexString(mask));
                }
                if ((mine & (1 << l)) == 0) {
                    throw w.launch.fail(EmulationException.Kind.COLLECTIVE, w, l, this, name() + ": lane " + l
                            + " executes it with member mask 0x" + Integer.toHexString(mine) + ", which does not include itself");
                }
            }
            return mask;
        }
    }

    static final int UP = 0, DOWN = 1, BFLY = 2, IDX = 3;

    /**
     * {@code shfl.sync.mode.b32 d[|p], a, b, c, membermask} (ISA, shfl.sync "Semantics"): for each lane, {@code maxLane = (lane &
     * segmask) | (cval & ~segmask)}, {@code minLane = lane & segmask}; up: {@code j = lane − b}, valid if
     * {@code j ≥ maxLane}; down: {@code j = lane + b}, valid if {@code j ≤ maxLane}; bfly: {@code j = lane ^ b};
     * idx: {@code j = minLane | (b & ~segmask)}, valid if {@code j ≤ maxLane}; invalid → own lane; {@code d = a[j]},
     * {@code p} = valid. Reading from a lane outside the member mask is undefined in the ISA: it fails here.
     */
    static final class Shfl extends Collective {
        final int mode;
        final int d;
        final int p;
        final int a;
        final int b;
        final int c;
        final int maskOperand;

        Shfl(int mode, int d, int p, int a, int b, int c, int maskOperand) {
            this.mode = mode;
            this.d = d;
            this.p = p;
            this.a = a;
            this.b = b;
            this.c = c;
            this.maskOperand = maskOperand;
        }

        @Override
        String name() {
            return "shfl.sync";
        }

        @Override
        int members(Warp w, int arrived) {
            return memberMask(w, arrived, maskOperand);
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final long[] src = w.launch.shuffle;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                src[l] = r[a + l];
            }
            for (int m = mask; m != 0; m &= m - 1) {
                int lane = Integer.numberOfTrailingZeros(m);
                int bval = (int) r[b + lane] & 31;
                int cv = (int) r[c + lane];
                int cval = cv & 31;
                int seg = (cv >>> 8) & 31;
                int maxLane = (lane & seg) | (cval & ~seg);
                int minLane = lane & seg;
                int j;
                boolean ok;
                switch (mode) {
                    case UP: j = lane - bval; ok = j >= maxLane; break;
                    case DOWN: j = lane + bval; ok = j <= maxLane; break;
                    case BFLY: j = lane ^ bval; ok = j <= maxLane; break;
                    default: j = minLane | (bval & ~seg); ok = j <= maxLane; break;
                }
                if (!ok) {
                    j = lane;
                }
                if ((mask & (1 << j)) == 0) {
                    throw w.launch.fail(EmulationException.Kind.COLLECTIVE, w, lane, this, "shfl.sync: lane " + lane
                            + " reads lane " + j + ", which is not in the member mask 0x" + Integer.toHexString(mask));
                }
                r[d + lane] = src[j] & 0xffffffffL;
                if (p >= 0) {
                    r[p + lane] = ok ? 1 : 0;
                }
            }
        }
    }

    static final int ALL = 0, ANY = 1, UNI = 2, BALLOT = 3;

    /** {@code vote.sync.{all,any,uni}.pred d, {!}a, membermask} and {@code vote.sync.ballot.b32 d, {!}a, membermask}. */
    static final class Vote extends Collective {
        final int mode;
        final int d;
        final int a;
        final boolean aNegated;
        final int maskOperand;

        Vote(int mode, int d, int a, boolean aNegated, int maskOperand) {
            this.mode = mode;
            this.d = d;
            this.a = a;
            this.aNegated = aNegated;
            this.maskOperand = maskOperand;
        }

        @Override
        String name() {
            return "vote.sync";
        }

        @Override
        int members(Warp w, int arrived) {
            return memberMask(w, arrived, maskOperand);
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            int ballot = 0;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                if ((r[a + l] != 0) != aNegated) {
                    ballot |= 1 << l;
                }
            }
            long v;
            switch (mode) {
                case ALL: v = ballot == mask ? 1 : 0; break;
                case ANY: v = ballot != 0 ? 1 : 0; break;
                case UNI: v = ballot == 0 || ballot == mask ? 1 : 0; break;
                default: v = ballot & 0xffffffffL; break;
            }
            for (int m = mask; m != 0; m &= m - 1) {
                r[d + Integer.numberOfTrailingZeros(m)] = v;
            }
        }
    }

    /**
     * {@code mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32} and {@code ….m16n8k16.row.col.f32.bf16.bf16.f32}
     * (ISA, "Multiply-and-Accumulate Instruction: mma"): all 32 lanes execute it together; the fragments are gathered with {@link MmaFragments}'
     * layouts, {@code D = A·B + C}. Products are exact in float64 (tf32·tf32 has 22 significant bits, bf16·bf16
     * 16); each element of D is {@code C} plus the K products summed in float64 in k order, rounded once to fp32.
     * The tensor cores' own accumulation order and rounding are not documented and not reproduced: results may
     * differ from a GPU in the last bits. A tf32 operand with any of its low 13 bits set fails the launch (the
     * hardware ignores them, which would silently truncate an unrounded fp32 value).
     */
    static final class Mma extends Collective {
        final MmaFragments.Shape shape;
        final int[] d;
        final int[] a;
        final int[] b;
        final int[] c;
        private final int[] ta;
        private final int[] tb;
        private final int[] tc;
        private final int kDim;

        Mma(MmaFragments.Shape shape, int[] d, int[] a, int[] b, int[] c) {
            this.shape = shape;
            this.d = d;
            this.a = a;
            this.b = b;
            this.c = c;
            this.ta = MmaFragments.table(shape, MmaFragments.Operand.A);
            this.tb = MmaFragments.table(shape, MmaFragments.Operand.B);
            this.tc = MmaFragments.table(shape, MmaFragments.Operand.C);
            this.kDim = MmaFragments.cols(shape, MmaFragments.Operand.A);
        }

        @Override
        String name() {
            return "mma.sync.aligned";
        }

        @Override
        int members(Warp w, int arrived) {
            return -1;                                                 // .aligned: the whole warp, same instruction
        }

        @Override
        void exec(Warp w, int mask) {
            final long[] r = w.r;
            final boolean bf16 = shape == MmaFragments.Shape.M16N8K16_BF16;
            final double[] am = w.launch.mmaA;
            final double[] bm = w.launch.mmaB;
            final double[] cm = w.launch.mmaC;
            gather(w, r, a, ta, am, bf16, "A");
            gather(w, r, b, tb, bm, bf16, "B");
            for (int lane = 0; lane < 32; lane++) {
                for (int reg = 0; reg < 4; reg++) {
                    cm[tc[lane * 4 + reg]] = Float.intBitsToFloat((int) r[c[reg] + lane]);
                }
            }
            for (int lane = 0; lane < 32; lane++) {
                for (int reg = 0; reg < 4; reg++) {
                    int e = tc[lane * 4 + reg];
                    int i = e / 8;
                    int j = e % 8;
                    double s = cm[e];
                    for (int k = 0; k < kDim; k++) {
                        s += am[i * kDim + k] * bm[k * 8 + j];
                    }
                    r[d[reg] + lane] = Float.floatToRawIntBits((float) s) & 0xffffffffL;
                }
            }
        }

        private void gather(Warp w, long[] r, int[] regs, int[] table, double[] out, boolean bf16, String which) {
            int per = bf16 ? 2 : 1;
            for (int lane = 0; lane < 32; lane++) {
                for (int reg = 0; reg < regs.length; reg++) {
                    int bits = (int) r[regs[reg] + lane];
                    if (bf16) {
                        out[table[(lane * regs.length + reg) * per]] = Float.intBitsToFloat(bits << 16);
                        out[table[(lane * regs.length + reg) * per + 1]] = Float.intBitsToFloat(bits & 0xffff0000);
                    } else {
                        if ((bits & 0x1fff) != 0) {
                            throw w.launch.fail(EmulationException.Kind.TF32_OPERAND, w, lane, this, "mma " + which
                                    + " operand register " + reg + " of lane " + lane + " holds 0x" + Integer.toHexString(bits)
                                    + " (" + Float.intBitsToFloat(bits) + "), not a tf32 value: its low 13 bits are not zero");
                        }
                        out[table[lane * regs.length + reg]] = Float.intBitsToFloat(bits);
                    }
                }
            }
        }
    }
}
