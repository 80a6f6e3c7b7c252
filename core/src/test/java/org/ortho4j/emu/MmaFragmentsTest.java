package org.ortho4j.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.emu.MmaFragments.Operand;
import org.ortho4j.emu.MmaFragments.Shape;

/**
 * Tests of {@link MmaFragments}. The per-layout tests hold literal values transcribed by hand from the PTX ISA's
 * fragment figures / formulas (subsections "Matrix Fragments for mma.m16n8k8" and "Matrix Fragments for
 * mma.m16n8k16 with floating point type"); they are the only tests here that can catch a layout that is wrong but
 * still a consistent bijection (the round trip in {@link #multiplyThroughRegistersRoundTrips} cannot).
 */
class MmaFragmentsTest {

    private static final Shape TF32 = Shape.M16N8K8_TF32;
    private static final Shape BF16 = Shape.M16N8K16_BF16;

    // ---------------------------------------------------------------- sizes

    @Test
    void sizes() {
        assertEquals(16, MmaFragments.rows(TF32, Operand.A));
        assertEquals(8, MmaFragments.cols(TF32, Operand.A));
        assertEquals(8, MmaFragments.rows(TF32, Operand.B));
        assertEquals(8, MmaFragments.cols(TF32, Operand.B));
        assertEquals(16, MmaFragments.rows(TF32, Operand.C));
        assertEquals(8, MmaFragments.cols(TF32, Operand.C));
        assertEquals(16, MmaFragments.rows(BF16, Operand.A));
        assertEquals(16, MmaFragments.cols(BF16, Operand.A));
        assertEquals(16, MmaFragments.rows(BF16, Operand.B));
        assertEquals(8, MmaFragments.cols(BF16, Operand.B));
        assertEquals(16, MmaFragments.rows(BF16, Operand.C));
        assertEquals(8, MmaFragments.cols(BF16, Operand.C));
        for (Shape s : Shape.values()) {
            assertEquals(4, MmaFragments.registers(s, Operand.A));
            assertEquals(2, MmaFragments.registers(s, Operand.B));
            assertEquals(4, MmaFragments.registers(s, Operand.C));
            assertEquals(1, MmaFragments.elementsPerRegister(s, Operand.C));
        }
        assertEquals(1, MmaFragments.elementsPerRegister(TF32, Operand.A));
        assertEquals(1, MmaFragments.elementsPerRegister(TF32, Operand.B));
        assertEquals(2, MmaFragments.elementsPerRegister(BF16, Operand.A));
        assertEquals(2, MmaFragments.elementsPerRegister(BF16, Operand.B));
    }

    // ---------------------------------------------------------------- (1) bijection

    @Test
    void everyLayoutIsABijectionOntoTheWholeMatrix() {
        for (Shape s : Shape.values()) {
            for (Operand o : Operand.values()) {
                int rows = MmaFragments.rows(s, o);
                int cols = MmaFragments.cols(s, o);
                int regs = MmaFragments.registers(s, o);
                int epr = MmaFragments.elementsPerRegister(s, o);
                assertEquals(rows * cols, 32 * regs * epr, s + " " + o + ": element count");
                int[][] heldBy = new int[rows][cols];
                int[] table = MmaFragments.table(s, o);
                assertEquals(rows * cols, table.length, s + " " + o + ": table length");
                for (int lane = 0; lane < 32; lane++) {
                    for (int reg = 0; reg < regs; reg++) {
                        for (int half = 0; half < epr; half++) {
                            int r = MmaFragments.row(s, o, lane, reg, half);
                            int c = MmaFragments.col(s, o, lane, reg, half);
                            assertTrue(r >= 0 && r < rows && c >= 0 && c < cols,
                                    s + " " + o + " lane " + lane + " reg " + reg + " half " + half + " -> (" + r
                                            + "," + c + ") out of range");
                            heldBy[r][c]++;
                            assertEquals(r * cols + c, table[(lane * regs + reg) * epr + half],
                                    s + " " + o + ": table disagrees with row/col");
                            assertEquals(r * cols + c, MmaFragments.index(s, o, lane, reg, half));
                        }
                    }
                }
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        assertEquals(1, heldBy[r][c], s + " " + o + ": element (" + r + "," + c + ") held "
                                + heldBy[r][c] + " times");
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- (2) literal entries from the ISA

    /** Each row: {lane, reg, half, row, col}. */
    private static void expect(Shape s, Operand o, int[][] entries) {
        for (int[] e : entries) {
            String where = s + " " + o + " lane " + e[0] + " reg " + e[1] + " half " + e[2];
            assertEquals(e[3], MmaFragments.row(s, o, e[0], e[1], e[2]), where + ": row");
            assertEquals(e[4], MmaFragments.col(s, o, e[0], e[1], e[2]), where + ": col");
        }
    }

    /** m16n8k8 .tf32 A (Figure 72): a0 (g,t), a1 (g+8,t), a2 (g,t+4), a3 (g+8,t+4). */
    @Test
    void tf32A() {
        expect(TF32, Operand.A, new int[][] {
            // lane 0 (groupID 0, threadID_in_group 0)
            {0, 0, 0, 0, 0}, {0, 1, 0, 8, 0}, {0, 2, 0, 0, 4}, {0, 3, 0, 8, 4},
            // lane 1: T1 sits in column 1 of rows 0 and 8, column 5 of rows 0 and 8
            {1, 0, 0, 0, 1}, {1, 1, 0, 8, 1}, {1, 2, 0, 0, 5}, {1, 3, 0, 8, 5},
            // lane 5 (g 1, t 1)
            {5, 0, 0, 1, 1}, {5, 1, 0, 9, 1}, {5, 2, 0, 1, 5}, {5, 3, 0, 9, 5},
            // lane 14 (g 3, t 2)
            {14, 0, 0, 3, 2}, {14, 1, 0, 11, 2}, {14, 2, 0, 3, 6}, {14, 3, 0, 11, 6},
            // lane 31 (g 7, t 3): bottom-right element A[15][7] is a3 of lane 31
            {31, 0, 0, 7, 3}, {31, 1, 0, 15, 3}, {31, 2, 0, 7, 7}, {31, 3, 0, 15, 7},
        });
    }

    /** m16n8k8 .tf32 B (Figure 75): b0 (t, g), b1 (t+4, g). */
    @Test
    void tf32B() {
        expect(TF32, Operand.B, new int[][] {
            {0, 0, 0, 0, 0}, {0, 1, 0, 4, 0},
            {1, 0, 0, 1, 0}, {1, 1, 0, 5, 0},
            {3, 0, 0, 3, 0}, {3, 1, 0, 7, 0},
            {4, 0, 0, 0, 1}, {4, 1, 0, 4, 1},
            {5, 0, 0, 1, 1}, {5, 1, 0, 5, 1},
            {14, 0, 0, 2, 3}, {14, 1, 0, 6, 3},
            {31, 0, 0, 3, 7}, {31, 1, 0, 7, 7},
        });
    }

    /** m16n8k8 C/D .f32 (Figure 77): c0 (g,2t), c1 (g,2t+1), c2 (g+8,2t), c3 (g+8,2t+1). */
    @Test
    void tf32C() {
        expect(TF32, Operand.C, new int[][] {
            {0, 0, 0, 0, 0}, {0, 1, 0, 0, 1}, {0, 2, 0, 8, 0}, {0, 3, 0, 8, 1},
            {1, 0, 0, 0, 2}, {1, 1, 0, 0, 3}, {1, 2, 0, 8, 2}, {1, 3, 0, 8, 3},
            {5, 0, 0, 1, 2}, {5, 1, 0, 1, 3}, {5, 2, 0, 9, 2}, {5, 3, 0, 9, 3},
            {14, 0, 0, 3, 4}, {14, 1, 0, 3, 5}, {14, 2, 0, 11, 4}, {14, 3, 0, 11, 5},
            {31, 0, 0, 7, 6}, {31, 1, 0, 7, 7}, {31, 2, 0, 15, 6}, {31, 3, 0, 15, 7},
        });
    }

    /**
     * m16n8k16 .bf16 A (Figure 79). Registers hold {a0,a1}, {a2,a3}, {a4,a5}, {a6,a7}, low half first.
     * a0 (g,2t) a1 (g,2t+1) a2 (g+8,2t) a3 (g+8,2t+1) a4 (g,2t+8) a5 (g,2t+9) a6 (g+8,2t+8) a7 (g+8,2t+9).
     */
    @Test
    void bf16A() {
        expect(BF16, Operand.A, new int[][] {
            // lane 0: a0..a7
            {0, 0, 0, 0, 0}, {0, 0, 1, 0, 1}, {0, 1, 0, 8, 0}, {0, 1, 1, 8, 1},
            {0, 2, 0, 0, 8}, {0, 2, 1, 0, 9}, {0, 3, 0, 8, 8}, {0, 3, 1, 8, 9},
            // lane 1: row 0 columns 2,3 and 10,11
            {1, 0, 0, 0, 2}, {1, 0, 1, 0, 3}, {1, 1, 0, 8, 2}, {1, 1, 1, 8, 3},
            {1, 2, 0, 0, 10}, {1, 2, 1, 0, 11}, {1, 3, 0, 8, 10}, {1, 3, 1, 8, 11},
            // lane 5 (g 1, t 1)
            {5, 0, 0, 1, 2}, {5, 0, 1, 1, 3}, {5, 1, 0, 9, 2}, {5, 1, 1, 9, 3},
            {5, 2, 0, 1, 10}, {5, 2, 1, 1, 11}, {5, 3, 0, 9, 10}, {5, 3, 1, 9, 11},
            // lane 14 (g 3, t 2)
            {14, 0, 0, 3, 4}, {14, 0, 1, 3, 5}, {14, 1, 0, 11, 4}, {14, 1, 1, 11, 5},
            {14, 2, 0, 3, 12}, {14, 2, 1, 3, 13}, {14, 3, 0, 11, 12}, {14, 3, 1, 11, 13},
            // lane 31 (g 7, t 3)
            {31, 0, 0, 7, 6}, {31, 0, 1, 7, 7}, {31, 1, 0, 15, 6}, {31, 1, 1, 15, 7},
            {31, 2, 0, 7, 14}, {31, 2, 1, 7, 15}, {31, 3, 0, 15, 14}, {31, 3, 1, 15, 15},
        });
    }

    /**
     * m16n8k16 .bf16 B (Figure 81). Registers hold {b0,b1}, {b2,b3}, low half first.
     * b0 (2t,g) b1 (2t+1,g) b2 (2t+8,g) b3 (2t+9,g).
     */
    @Test
    void bf16B() {
        expect(BF16, Operand.B, new int[][] {
            {0, 0, 0, 0, 0}, {0, 0, 1, 1, 0}, {0, 1, 0, 8, 0}, {0, 1, 1, 9, 0},
            {1, 0, 0, 2, 0}, {1, 0, 1, 3, 0}, {1, 1, 0, 10, 0}, {1, 1, 1, 11, 0},
            {3, 0, 0, 6, 0}, {3, 0, 1, 7, 0}, {3, 1, 0, 14, 0}, {3, 1, 1, 15, 0},
            {4, 0, 0, 0, 1}, {4, 0, 1, 1, 1}, {4, 1, 0, 8, 1}, {4, 1, 1, 9, 1},
            {5, 0, 0, 2, 1}, {5, 0, 1, 3, 1}, {5, 1, 0, 10, 1}, {5, 1, 1, 11, 1},
            {14, 0, 0, 4, 3}, {14, 0, 1, 5, 3}, {14, 1, 0, 12, 3}, {14, 1, 1, 13, 3},
            {31, 0, 0, 6, 7}, {31, 0, 1, 7, 7}, {31, 1, 0, 14, 7}, {31, 1, 1, 15, 7},
        });
    }

    /** m16n8k16 C/D .f32 (Figure 83): c0 (g,2t), c1 (g,2t+1), c2 (g+8,2t), c3 (g+8,2t+1). */
    @Test
    void bf16C() {
        expect(BF16, Operand.C, new int[][] {
            {0, 0, 0, 0, 0}, {0, 1, 0, 0, 1}, {0, 2, 0, 8, 0}, {0, 3, 0, 8, 1},
            {3, 0, 0, 0, 6}, {3, 1, 0, 0, 7}, {3, 2, 0, 8, 6}, {3, 3, 0, 8, 7},
            {5, 0, 0, 1, 2}, {5, 1, 0, 1, 3}, {5, 2, 0, 9, 2}, {5, 3, 0, 9, 3},
            {14, 0, 0, 3, 4}, {14, 1, 0, 3, 5}, {14, 2, 0, 11, 4}, {14, 3, 0, 11, 5},
            {31, 0, 0, 7, 6}, {31, 1, 0, 7, 7}, {31, 2, 0, 15, 6}, {31, 3, 0, 15, 7},
        });
    }

    // ---------------------------------------------------------------- (3) multiply through registers

    /**
     * Random A (16xK), B (Kx8), C (16x8), values exact in tf32/bf16; distributed into per-lane 32-bit registers with
     * the layouts (bf16 pairs packed low half = lower-numbered element), then an emulated mma gathers A, B, C back out
     * of the registers, computes D = A*B + C and scatters D into registers with the C layout; gathering D and
     * comparing with a reference triple loop on the original matrices checks the round trip.
     */
    @Test
    void multiplyThroughRegistersRoundTrips() {
        Random rnd = new Random(0x5eed);
        for (Shape s : Shape.values()) {
            for (int trial = 0; trial < 20; trial++) {
                int k = MmaFragments.cols(s, Operand.A);
                float[][] a = randomMatrix(rnd, 16, k);
                float[][] b = randomMatrix(rnd, k, 8);
                float[][] c = randomMatrix(rnd, 16, 8);

                int[][] ra = distribute(s, Operand.A, a);
                int[][] rb = distribute(s, Operand.B, b);
                int[][] rc = distribute(s, Operand.C, c);

                int[][] rd = emulatedMma(s, ra, rb, rc);

                float[][] d = gather(s, Operand.C, rd);
                for (int i = 0; i < 16; i++) {
                    for (int j = 0; j < 8; j++) {
                        double ref = c[i][j];
                        for (int p = 0; p < k; p++) {
                            ref += (double) a[i][p] * b[p][j];
                        }
                        assertEquals((float) ref, d[i][j], 0f, s + " D[" + i + "][" + j + "]");
                    }
                }
                // and the operands themselves come back unchanged
                assertArrayEquals(a, gather(s, Operand.A, ra));
                assertArrayEquals(b, gather(s, Operand.B, rb));
            }
        }
    }

    /** Small integers / 8: exact in bf16 (8 significant bits) and tf32, and their dot products are exact in float. */
    private static float[][] randomMatrix(Random rnd, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = (rnd.nextInt(255) - 127) / 8f;
            }
        }
        return m;
    }

    private static boolean packed(Shape s, Operand o) {
        return MmaFragments.elementsPerRegister(s, o) == 2;
    }

    /** float -> bf16 bits; the test values are exact, so truncation is exact. */
    private static int bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        assertEquals(0, bits & 0xffff, "test value " + f + " not exact in bf16");
        return bits >>> 16;
    }

    private static float fromBf16(int h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    /** Per-lane registers [lane][reg] holding the matrix as the layout says. */
    private static int[][] distribute(Shape s, Operand o, float[][] m) {
        int cols = MmaFragments.cols(s, o);
        int regs = MmaFragments.registers(s, o);
        int[][] r = new int[32][regs];
        for (int lane = 0; lane < 32; lane++) {
            for (int reg = 0; reg < regs; reg++) {
                if (packed(s, o)) {
                    int lo = MmaFragments.index(s, o, lane, reg, 0);
                    int hi = MmaFragments.index(s, o, lane, reg, 1);
                    r[lane][reg] = bf16(m[lo / cols][lo % cols]) | (bf16(m[hi / cols][hi % cols]) << 16);
                } else {
                    int e = MmaFragments.index(s, o, lane, reg, 0);
                    // tf32 in a .b32 register is an f32 bit pattern (low 13 mantissa bits ignored); C/D are f32
                    r[lane][reg] = Float.floatToRawIntBits(m[e / cols][e % cols]);
                }
            }
        }
        return r;
    }

    private static float[][] gather(Shape s, Operand o, int[][] r) {
        int rows = MmaFragments.rows(s, o);
        int cols = MmaFragments.cols(s, o);
        int regs = MmaFragments.registers(s, o);
        int epr = MmaFragments.elementsPerRegister(s, o);
        int[] table = MmaFragments.table(s, o);
        float[][] m = new float[rows][cols];
        for (int lane = 0; lane < 32; lane++) {
            for (int reg = 0; reg < regs; reg++) {
                for (int half = 0; half < epr; half++) {
                    int e = table[(lane * regs + reg) * epr + half];
                    m[e / cols][e % cols] = packed(s, o)
                            ? fromBf16(r[lane][reg] >>> (16 * half))
                            : Float.intBitsToFloat(r[lane][reg]);
                }
            }
        }
        return m;
    }

    /** What an interpreter does: gather the warp's operands, multiply, scatter D with the C layout. */
    private static int[][] emulatedMma(Shape s, int[][] ra, int[][] rb, int[][] rc) {
        float[][] a = gather(s, Operand.A, ra);
        float[][] b = gather(s, Operand.B, rb);
        float[][] c = gather(s, Operand.C, rc);
        int k = MmaFragments.cols(s, Operand.A);
        float[][] d = new float[16][8];
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 8; j++) {
                double acc = c[i][j];
                for (int p = 0; p < k; p++) {
                    acc += (double) a[i][p] * b[p][j];
                }
                d[i][j] = (float) acc;
            }
        }
        return distribute(s, Operand.C, d);
    }

    // ---------------------------------------------------------------- validation

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.row(null, Operand.A, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.rows(TF32, null));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.row(TF32, Operand.A, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.row(TF32, Operand.A, 32, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.col(TF32, Operand.A, 0, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.col(TF32, Operand.B, 0, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.col(TF32, Operand.A, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.col(BF16, Operand.C, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.col(BF16, Operand.A, 0, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.col(BF16, Operand.A, 0, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> MmaFragments.table(BF16, null));
    }

    @Test
    void tableIsACopy() {
        int[] t = MmaFragments.table(BF16, Operand.A);
        t[0] = 999;
        assertEquals(0, MmaFragments.table(BF16, Operand.A)[0]);
        assertEquals(0, MmaFragments.row(BF16, Operand.A, 0, 0, 0));
    }
}
