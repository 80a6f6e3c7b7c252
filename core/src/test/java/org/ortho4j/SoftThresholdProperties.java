package org.ortho4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import net.jqwik.api.lifecycle.AfterContainer;
import org.ortho4j.testing.SoftThresholdOracle;
import org.ortho4j.testing.TestMatrices;

/** Invariants of the soft-threshold split on random shapes, quantiles and value distributions (CPU backend). */
class SoftThresholdProperties {
    private static final Context CTX = Context.create(BackendKind.CPU);

    @AfterContainer
    static void closeContext() {
        CTX.close();
    }

    /** Gaussian, heavy-tailed or few-valued (ties) entries. */
    private static float[] values(Random r, int count, int kind) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            double g = r.nextGaussian();
            a[i] = switch (kind) {
                case 0 -> (float) g;
                case 1 -> (float) (g / Math.max(1e-3, Math.abs(r.nextGaussian())));   // Cauchy-like outliers
                default -> (float) (r.nextInt(7) - 3) * 0.5f;                          // ties
            };
        }
        return a;
    }

    @Property(tries = 80)
    void splitInvariants(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 40) int rows,
                         @ForAll @IntRange(min = 1, max = 40) int cols, @ForAll @DoubleRange(min = 0, max = 1) @Scale(6) double q,
                         @ForAll @IntRange(min = 0, max = 2) int kind, @ForAll long seed) {
        float[] m = values(new Random(seed), batch * rows * cols, kind);
        try (MatrixBatch bm = CTX.upload(m, batch, rows, cols);
             MatrixBatch b = CTX.allocate(batch, rows, cols);
             MatrixBatch o = CTX.allocate(batch, rows, cols)) {
            b.fill(Float.NaN);
            o.fill(Float.NaN);
            float[] eps = CTX.softThreshold(bm, q, b, o);
            float[] bs = b.toArray();
            float[] os = o.toArray();
            int n = rows * cols;
            for (int k = 0; k < batch; k++) {
                SoftThresholdOracle.checkSplit("property", m, k * n, n, q, eps[k], bs, os);
            }
        }
    }

    @Property(tries = 40)
    void momentumThenSplit(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 24) int rows,
                           @ForAll @IntRange(min = 1, max = 24) int cols, @ForAll @DoubleRange(min = 0, max = 0.999) @Scale(4) double mu,
                           @ForAll boolean nesterov, @ForAll long seed) {
        Random r = new Random(seed);
        int total = batch * rows * cols;
        float[] grad = TestMatrices.gaussian(r, total);
        float[] buf = TestMatrices.gaussian(r, total);
        try (MatrixBatch g = CTX.upload(grad, batch, rows, cols);
             MatrixBatch bb = CTX.upload(buf, batch, rows, cols);
             MatrixBatch b = CTX.allocate(batch, rows, cols);
             MatrixBatch o = CTX.allocate(batch, rows, cols)) {
            b.fill(Float.NaN);
            o.fill(Float.NaN);
            float[] eps = CTX.momentumSoftThreshold(g, bb, mu, nesterov, 0.9, b, o);
            float[] nb = bb.toArray();
            float muf = (float) mu;                                      // fma: one rounding (CpuSoftThreshold)
            float[] m = new float[total];
            for (int i = 0; i < total; i++) {
                float expectBuf = Math.fma(muf, buf[i], grad[i]);          // buf ← μ·buf + grad
                assertEquals(expectBuf, nb[i], 0f);
                m[i] = nesterov ? Math.fma(muf, expectBuf, grad[i]) : expectBuf;
            }
            float[] bs = b.toArray();
            float[] os = o.toArray();
            int n = rows * cols;
            for (int k = 0; k < batch; k++) {
                SoftThresholdOracle.checkSplit("momentum property", m, k * n, n, 0.9, eps[k], bs, os);
            }
            assertArrayEquals(grad, g.toArray());
        }
    }
}
