package org.ortho4j.emu;

/**
 * Register fragment layouts of two warp-level {@code mma.sync} instructions: which element of A, B or C/D each lane
 * of a warp holds in each of its 32-bit registers. Written from NVIDIA's PTX ISA only, section "Matrix
 * multiply-accumulate operation using mma instruction" (docs.nvidia.com/cuda/parallel-thread-execution; 9.7.14.5 in
 * ISA 8.x, renumbered 9.7.13.4 / 9.7.16.5 in other releases), so that kernels can be checked against it.
 *
 * <p>Both subsections define, for {@code %laneid} in 0..31:
 * <pre>
 * groupID           = %laneid &gt;&gt; 2
 * threadID_in_group = %laneid % 4
 * </pre>
 *
 * <h2>{@link Shape#M16N8K8_TF32}: {@code mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32}</h2>
 * Subsection "Matrix Fragments for mma.m16n8k8" (anchor {@code #warp-level-matrix-fragment-mma-1688}), the
 * {@code .tf32} tables and Figures 72, 75, 77 (ISA 8.x numbering). One element per register; element {@code ai}
 * is register {@code i}.
 * <ul>
 * <li>Multiplicand A (16&times;8): "A vector expression containing four .b32 registers, containing four .tf32 elements
 * from the matrix A. | a0, a1, a2, a3"
 * <pre>
 * row =      groupID            for a0 and a2
 *            groupID + 8        for a1 and a3
 *
 * col =  threadID_in_group       for a0 and a1
 *        threadID_in_group + 4   for a2 and a3
 * </pre>
 * (Note: <em>not</em> the {@code .f16/.bf16} pattern of the same subsection, where a0,a1 share a row.)</li>
 * <li>Multiplicand B (8&times;8): "A vector expression containing two .b32 registers, containing two .tf32 elements
 * from the matrix B. | b0, b1"
 * <pre>
 * row =    threadID_in_group         for b0
 *        threadID_in_group + 4       for b1
 *
 * col =  groupID
 * </pre></li>
 * <li>Accumulators C or D (16&times;8), {@code .f32}: "A vector expression of four .f32 registers." (Figure 77)
 * <pre>
 * row =      groupID                            for c0 and c1
 *          groupID + 8                          for c2 and c3
 *
 * col =  (threadID_in_group * 2) + (i &amp; 0x1)    for ci   where i = {0,..,3}
 * </pre></li>
 * </ul>
 *
 * <h2>{@link Shape#M16N8K16_BF16}: {@code mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32}</h2>
 * Subsection "Matrix Fragments for mma.m16n8k16 with floating point type" (anchor
 * {@code #warp-level-matrix-fragment-mma-16816-float}), the {@code .f16 and .bf16} tables and Figures 79, 81, 83.
 * <ul>
 * <li>Multiplicand A (16&times;16): "A vector expression containing four .f16x2 registers, with each register
 * containing two .f16 / .bf16 elements from the matrix A. | a0, a1, a2, a3, a4, a5, a6, a7"
 * <pre>
 * row =      groupID            for ai where  0 &lt;= i &lt; 2 || 4 &lt;= i &lt; 6
 *           groupID + 8         Otherwise
 *
 * col =  (threadID_in_group * 2) + (i &amp; 0x1)          for ai where i &lt;  4
 *        (threadID_in_group * 2) + (i &amp; 0x1) + 8      for ai where i &gt;= 4
 * </pre></li>
 * <li>Multiplicand B (16&times;8): "A vector expression containing two .f16x2 registers, with each register
 * containing two .f16 / .bf16 elements from the matrix B. | b0, b1, b2, b3"
 * <pre>
 * row =  (threadID_in_group * 2) + (i &amp; 0x1)           for bi where i &lt;  2
 *        (threadID_in_group * 2) + (i &amp; 0x1) + 8       for bi where i &gt;= 2
 *
 * col = groupID
 * </pre></li>
 * <li>Accumulators C or D (16&times;8): ".f32 | A vector expression containing four .f32 registers containing four
 * .f32 elements from the matrix C (or D)." (Figure 83)
 * <pre>
 * row =      groupID                               for ci where i &lt;  2
 *          groupID + 8                             for ci where i &gt;= 2
 *
 * col =  (threadID_in_group * 2) + (i &amp; 0x1)        for ci where i = {0,..,3}
 * </pre></li>
 * </ul>
 * <b>Packing.</b> The ISA's fragment tables list the elements under the heading "Elements (low to high)": the
 * elements fill the registers of the vector expression in order, two per {@code .f16x2} register, lower-numbered
 * element in the low half. So register {@code r} holds {@code a(2r)} in bits 0..15 and {@code a(2r+1)} in bits
 * 16..31 (likewise {@code b(2r)}, {@code b(2r+1)}); in this class's terms element {@code i = 2*reg + half}.
 * Beware that {@code cvt.rn.bf16x2.f32 d, a, b} stores the conversion of {@code a} in the <em>upper</em> half of
 * {@code d} (ISA, {@code cvt}), so a kernel packing (a0, a1) with it must name a1 first.
 *
 * <p>Flattened from the above (with {@code g = groupID}, {@code t = threadID_in_group}):
 * <pre>
 *                 row                      col
 * TF32 A  reg i : g + 8*(i &amp; 1)           t + 4*(i &gt;&gt; 1)
 * TF32 B  reg i : t + 4*i                  g
 * C / D   reg i : g + 8*(i &gt;&gt; 1)          2t + (i &amp; 1)            (both shapes)
 * BF16 A  reg r, half h : g + 8*(r &amp; 1)   2t + h + 8*(r &gt;&gt; 1)
 * BF16 B  reg r, half h : 2t + h + 8*r     g
 * </pre>
 * The public methods validate their arguments and then read precomputed tables, so they are cheap enough for an
 * interpreter's inner loop; {@link #table} hands out a copy of a whole table to cache.
 */
public final class MmaFragments {

    /** The two supported {@code mma.sync} variants. */
    public enum Shape {
        /** {@code mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32}. */
        M16N8K8_TF32(8),
        /** {@code mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32}. */
        M16N8K16_BF16(16);

        final int k;

        Shape(int k) {
            this.k = k;
        }
    }

    /** The operands; C's layout is also D's. */
    public enum Operand { A, B, C }

    /** Lanes in a warp. */
    public static final int WARP_SIZE = 32;

    private static final int M = 16;
    private static final int N = 8;

    /** TABLES[shape][operand][(lane * registers + reg) * elementsPerRegister + half] = row * cols + col. */
    private static final int[][][] TABLES = new int[Shape.values().length][Operand.values().length][];

    static {
        for (Shape s : Shape.values()) {
            for (Operand o : Operand.values()) {
                int regs = registers(s, o);
                int epr = elementsPerRegister(s, o);
                int cols = cols(s, o);
                int[] t = new int[WARP_SIZE * regs * epr];
                for (int lane = 0; lane < WARP_SIZE; lane++) {
                    for (int reg = 0; reg < regs; reg++) {
                        for (int half = 0; half < epr; half++) {
                            t[(lane * regs + reg) * epr + half] =
                                    computeRow(s, o, lane, reg, half) * cols + computeCol(s, o, lane, reg, half);
                        }
                    }
                }
                TABLES[s.ordinal()][o.ordinal()] = t;
            }
        }
    }

    private MmaFragments() {
    }

    /** Rows of the operand's matrix: A 16, B K (8 or 16), C/D 16. */
    public static int rows(Shape s, Operand o) {
        check(s, o);
        return o == Operand.B ? s.k : M;
    }

    /** Columns of the operand's matrix: A K (8 or 16), B 8, C/D 8. */
    public static int cols(Shape s, Operand o) {
        check(s, o);
        return o == Operand.A ? s.k : N;
    }

    /** 32-bit registers per lane: A 4, B 2, C/D 4 (both shapes). */
    public static int registers(Shape s, Operand o) {
        check(s, o);
        return o == Operand.B ? 2 : 4;
    }

    /** Matrix elements per 32-bit register: 2 for bf16 A and B, otherwise 1. */
    public static int elementsPerRegister(Shape s, Operand o) {
        check(s, o);
        return s == Shape.M16N8K16_BF16 && o != Operand.C ? 2 : 1;
    }

    /**
     * Row of the element that lane {@code lane} holds in register {@code reg}, half {@code half} (0 = bits 0..15,
     * 1 = bits 16..31; always 0 when one element per register).
     */
    public static int row(Shape s, Operand o, int lane, int reg, int half) {
        return index(s, o, lane, reg, half) / cols(s, o);
    }

    /** Column of the element that lane {@code lane} holds in register {@code reg}, half {@code half}. */
    public static int col(Shape s, Operand o, int lane, int reg, int half) {
        return index(s, o, lane, reg, half) % cols(s, o);
    }

    /** {@code row * cols + col} of the element that lane {@code lane} holds in register {@code reg}, half {@code half}. */
    public static int index(Shape s, Operand o, int lane, int reg, int half) {
        check(s, o);
        int regs = registers(s, o);
        int epr = elementsPerRegister(s, o);
        if (lane < 0 || lane >= WARP_SIZE) {
            throw new IllegalArgumentException("lane " + lane + " not in 0.." + (WARP_SIZE - 1));
        }
        if (reg < 0 || reg >= regs) {
            throw new IllegalArgumentException("register " + reg + " not in 0.." + (regs - 1) + " for " + s + " " + o);
        }
        if (half < 0 || half >= epr) {
            throw new IllegalArgumentException("half " + half + " not in 0.." + (epr - 1) + " for " + s + " " + o);
        }
        return TABLES[s.ordinal()][o.ordinal()][(lane * regs + reg) * epr + half];
    }

    /**
     * A copy of the whole layout: entry {@code (lane * registers + reg) * elementsPerRegister + half} is
     * {@code row * cols + col} of the element held there. Length {@code 32 * registers * elementsPerRegister}
     * ({@code = rows * cols}). Fetch once and keep it; each call allocates.
     */
    public static int[] table(Shape s, Operand o) {
        check(s, o);
        return TABLES[s.ordinal()][o.ordinal()].clone();
    }

    private static void check(Shape s, Operand o) {
        if (s == null || o == null) {
            throw new IllegalArgumentException("shape and operand must not be null");
        }
    }

    // The ISA formulas (see the class comment); only the static initializer calls these.

    private static int computeRow(Shape s, Operand o, int lane, int reg, int half) {
        int groupID = lane >> 2;
        int threadIDInGroup = lane % 4;
        if (o == Operand.C) {
            // groupID for c0 and c1, groupID + 8 for c2 and c3 (both shapes)
            return reg < 2 ? groupID : groupID + 8;
        }
        if (s == Shape.M16N8K8_TF32) {
            if (o == Operand.A) {
                // groupID for a0 and a2, groupID + 8 for a1 and a3
                return reg == 0 || reg == 2 ? groupID : groupID + 8;
            }
            // B: threadID_in_group for b0, threadID_in_group + 4 for b1
            return reg == 0 ? threadIDInGroup : threadIDInGroup + 4;
        }
        int i = 2 * reg + half; // element index a_i / b_i: "Elements (low to high)"
        if (o == Operand.A) {
            // groupID for ai where 0 <= i < 2 || 4 <= i < 6, groupID + 8 otherwise
            return (0 <= i && i < 2) || (4 <= i && i < 6) ? groupID : groupID + 8;
        }
        // B: (threadID_in_group * 2) + (i & 0x1) for bi where i < 2, ... + 8 for i >= 2
        return i < 2 ? threadIDInGroup * 2 + (i & 0x1) : threadIDInGroup * 2 + (i & 0x1) + 8;
    }

    private static int computeCol(Shape s, Operand o, int lane, int reg, int half) {
        int groupID = lane >> 2;
        int threadIDInGroup = lane % 4;
        if (o == Operand.C) {
            // (threadID_in_group * 2) + (i & 0x1) for ci where i = {0,..,3}
            return threadIDInGroup * 2 + (reg & 0x1);
        }
        if (s == Shape.M16N8K8_TF32) {
            if (o == Operand.A) {
                // threadID_in_group for a0 and a1, threadID_in_group + 4 for a2 and a3
                return reg < 2 ? threadIDInGroup : threadIDInGroup + 4;
            }
            // B: groupID
            return groupID;
        }
        int i = 2 * reg + half;
        if (o == Operand.A) {
            // (threadID_in_group * 2) + (i & 0x1) for ai where i < 4, ... + 8 for i >= 4
            return i < 4 ? threadIDInGroup * 2 + (i & 0x1) : threadIDInGroup * 2 + (i & 0x1) + 8;
        }
        // B: groupID
        return groupID;
    }
}
