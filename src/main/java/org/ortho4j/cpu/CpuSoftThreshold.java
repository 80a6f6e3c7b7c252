package org.ortho4j.cpu;

import java.util.concurrent.ForkJoinPool;

/** Placeholder; replaced by the family's implementation. */
final class CpuSoftThreshold {
    private CpuSoftThreshold() {
    }

    static float[] split(ForkJoinPool pool, float[] m, int batch, int n, double q, float[] base, float[] outlier) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static float[] momentumSplit(ForkJoinPool pool, float[] grad, float[] buf, double mu, boolean nesterov, int batch, int n,
                                 double q, float[] base, float[] outlier) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
