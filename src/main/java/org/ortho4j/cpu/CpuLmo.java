package org.ortho4j.cpu;

/** Placeholder; replaced by the family's implementation. */
final class CpuLmo {
    private CpuLmo() {
    }

    static void run(java.util.concurrent.ForkJoinPool pool, org.ortho4j.Lmo lmo, float[] d, float[] out, int batch, int rows, int cols) {
        throw new UnsupportedOperationException("CpuLmo not implemented yet");
    }
}
