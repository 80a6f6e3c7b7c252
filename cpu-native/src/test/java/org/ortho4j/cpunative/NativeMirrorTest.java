package org.ortho4j.cpunative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * The fp32 steps from {@link NativeNewtonSchulz#NATIVE_MIRROR_MIN} per side on, which complete A in native memory,
 * in both layouts (wide: row-major, tall: column-major) and on both sides of the threshold: the pure-Java reference's
 * result to float32 accuracy, and NS(Gᵀ) = NS(G)ᵀ.
 */
class NativeMirrorTest {
    static float[] gaussian(long seed, int n) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    static float[] ns(Context ctx, float[] g, int rows, int cols) {
        try (MatrixBatch m = ctx.upload(g, 1, rows, cols)) {
            ctx.newtonSchulz(m, Schedule.polarExpress(), Precision.FP32, m);
            return m.toArray();
        }
    }

    @Test
    void bothLayoutsAroundTheThresholdMatchTheReference() {
        int t = NativeNewtonSchulz.NATIVE_MIRROR_MIN;
        int[][] shapes = {{t - 1, 2 * t + 3}, {t, t}, {t + 13, 2 * t + 3}, {2 * t + 3, t + 13}};
        try (Context nat = NativeContexts.create(); Context java = Context.cpu(2)) {
            for (int[] s : shapes) {
                float[] g = gaussian(s[0] * 1000L + s[1], s[0] * s[1]);
                float[] a = ns(nat, g, s[0], s[1]);
                float[] b = ns(java, g, s[0], s[1]);
                double num = 0, den = 0;
                for (int i = 0; i < a.length; i++) {
                    num += (a[i] - b[i]) * (double) (a[i] - b[i]);
                    den += b[i] * (double) b[i];
                }
                double rel = Math.sqrt(num / den);
                assertTrue(rel < 2e-5, s[0] + "x" + s[1] + ": native vs pure Java " + rel);
                float[] gt = new float[g.length];
                for (int i = 0; i < s[0]; i++) {
                    for (int j = 0; j < s[1]; j++) {
                        gt[j * s[0] + i] = g[i * s[1] + j];
                    }
                }
                float[] at = ns(nat, gt, s[1], s[0]);
                for (int i = 0; i < s[0]; i++) {
                    for (int j = 0; j < s[1]; j++) {
                        assertEquals(a[i * s[1] + j], at[j * s[0] + i], 1e-6, s[0] + "x" + s[1] + " transposed at " + i + "," + j);
                    }
                }
            }
        }
    }
}
