package org.ortho4j.cpu;

/** Placeholder; replaced by the family's implementation. */
final class CpuNewtonSchulz {
    private CpuNewtonSchulz() {
    }

    static void run(java.util.concurrent.ForkJoinPool pool, float[] g, float[] out, int batch, int rows, int cols, org.ortho4j.Schedule.Coefficients co, org.ortho4j.Precision precision) {
        throw new UnsupportedOperationException("CpuNewtonSchulz not implemented yet");
    }
}
