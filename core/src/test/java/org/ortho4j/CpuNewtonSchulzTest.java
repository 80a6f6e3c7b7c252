package org.ortho4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.testing.NewtonSchulzReference;
import org.ortho4j.testing.TestMatrices;
import org.ortho4j.testing.Tolerances;

/** {@link NewtonSchulzContract} on the CPU backend, plus its two work splits (over the batch, over row blocks). */
class CpuNewtonSchulzTest extends NewtonSchulzContract {
    @Override
    protected Context newContext() {
        return Context.create(BackendKind.CPU);
    }

    /** One thread, batch split, row-block split must all agree with the float64 iteration and with each other. */
    @Test
    void workSplitsAgree() {
        int[][] shapes = {{1, 150, 170}, {1, 230, 90}, {5, 70, 70}, {2, 97, 131}};
        for (int[] s : shapes) {
            float[] g = TestMatrices.gaussian(new Random(s[1] * 1000L + s[2]), s[0] * s[1] * s[2]);
            float[] one;
            try (Context c1 = Context.cpu(1)) {
                one = run(c1, g, s);
            }
            for (int threads : new int[]{2, 3, 8}) {
                try (Context cn = Context.cpu(threads)) {
                    float[] many = run(cn, g, s);
                    int size = s[1] * s[2];
                    for (int b = 0; b < s[0]; b++) {
                        double[] ref = NewtonSchulzReference.ns(g, b * size, s[1], s[2],
                                Schedule.polarExpress().resolve(s[1], s[2]));
                        double err = TestMatrices.relError(many, b * size, ref, 0, size);
                        assertTrue(err <= Tolerances.NS_FP32_VS_FP64, threads + " threads, " + s[1] + "x" + s[2] + ": " + err);
                    }
                    // row blocks do not change any element's summation order: bitwise equal
                    for (int i = 0; i < g.length; i++) {
                        assertEquals(one[i], many[i], threads + " threads, element " + i);
                    }
                }
            }
        }
    }

    /**
     * Small matrices (one thread: the row-array path without packing) and the blocked row-split path (several
     * threads, one matrix) round the same operands and sum in the same order, for every precision: bitwise equal.
     */
    @Test
    void smallAndBlockedPathsAgreeBitwise() {
        int[][] shapes = {{1, 64, 64}, {1, 70, 100}, {1, 127, 97}}; // m²n ≥ 2¹⁸: split over rows on 2 threads
        for (Precision p : Precision.values()) {
            for (int[] s : shapes) {
                float[] g = TestMatrices.gaussian(new Random(s[1] * 31L + s[2]), s[0] * s[1] * s[2]);
                float[] one;
                float[] two;
                try (Context c1 = Context.cpu(1)) {
                    one = run(c1, g, s, p);
                }
                try (Context c2 = Context.cpu(2)) {
                    two = run(c2, g, s, p);
                }
                for (int i = 0; i < g.length; i++) {
                    assertEquals(one[i], two[i], p + " " + s[1] + "x" + s[2] + ", element " + i);
                }
            }
        }
    }

    private static float[] run(Context c, float[] g, int[] s, Precision p) {
        try (MatrixBatch in = c.upload(g, s[0], s[1], s[2]); MatrixBatch out = c.allocate(s[0], s[1], s[2])) {
            out.fill(Float.NaN);
            c.newtonSchulz(in, Schedule.polarExpress(), p, out);
            return out.toArray();
        }
    }

    private static float[] run(Context c, float[] g, int[] s) {
        try (MatrixBatch in = c.upload(g, s[0], s[1], s[2]); MatrixBatch out = c.allocate(s[0], s[1], s[2])) {
            out.fill(Float.NaN);
            c.newtonSchulz(in, Schedule.polarExpress(), out);
            return out.toArray();
        }
    }
}
