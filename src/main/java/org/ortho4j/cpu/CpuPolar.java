package org.ortho4j.cpu;

/** Placeholder; replaced by the family's implementation. */
final class CpuPolar {
    private CpuPolar() {
    }

    static void run(java.util.concurrent.ForkJoinPool pool, float[] g, float[] out, int batch, int rows, int cols) {
        throw new UnsupportedOperationException("CpuPolar not implemented yet");
    }
}
