package org.ortho4j.cpu;

import java.util.concurrent.ForkJoinPool;
import org.ortho4j.RotationGauge;

/** Placeholder; replaced by the family's implementation. */
final class CpuGauge {
    private CpuGauge() {
    }

    static void rotation(ForkJoinPool pool, RotationGauge gauge, int batch, int rows1, int cols1, int rows2, int cols2,
                         float[] w1, float[] w2, float[] g1, float[] g2, float[] h1, float[] h2) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static void scaling(ForkJoinPool pool, int batch, int k, int d1, int d2, float[] w1, float[] w2, float[] g1, float[] g2,
                        float[] h1, float[] h2) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static void logitShift(ForkJoinPool pool, int batch, int rows, int cols, float[] g, float[] h) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
