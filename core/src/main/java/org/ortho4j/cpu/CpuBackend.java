package org.ortho4j.cpu;

import java.util.concurrent.ForkJoinPool;
import org.ortho4j.BackendKind;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;
import org.ortho4j.Precision;
import org.ortho4j.RotationGauge;
import org.ortho4j.Schedule;
import org.ortho4j.Threads;
import org.ortho4j.spi.Backend;
import org.ortho4j.spi.CpuKernels;
import org.ortho4j.spi.Storage;

/**
 * The pure-Java backend: multi-threaded over the batch and over row blocks, and the reference every CUDA kernel
 * is checked against. Each family lives in its own class ({@link CpuNewtonSchulz}, {@link CpuPolar},
 * {@link CpuLmo}, {@link CpuSoftThreshold}, {@link CpuGauge}).
 *
 * <p>A native CPU module (e.g. {@code ortho4j-cpu-native}) builds this backend with its {@link CpuKernels}: then
 * Newton–Schulz, the exact polar factor of matrices above 128 per side and the spectral LMOs run on those kernels,
 * after the same validation, non-finite checks and normalisation; every other family stays pure Java.
 */
public final class CpuBackend implements Backend {
    private final ForkJoinPool pool;
    private final boolean ownPool;
    private final CpuKernels kernels;

    /** Threads from {@link Threads#defaultCount()} ({@code -Dortho4j.threads}, else one per available processor). */
    public CpuBackend() {
        this(Threads.defaultCount());
    }

    /**
     * A CPU backend with its own pool of {@code threads} workers.
     *
     * @param threads the number of worker threads, at least 1
     */
    public CpuBackend(int threads) {
        this(threads, null);
    }

    /**
     * A CPU backend with its own pool of {@code threads} workers whose dense families run on {@code kernels}.
     *
     * @param threads the number of worker threads, at least 1
     * @param kernels the native kernels, closed with this backend; {@code null} for pure Java
     */
    public CpuBackend(int threads, CpuKernels kernels) {
        if (threads < 1) {
            throw new IllegalArgumentException("cpu backend: threads must be ≥ 1, got " + threads);
        }
        this.pool = new ForkJoinPool(threads);
        this.ownPool = true;
        this.kernels = kernels;
    }

    /**
     * The {@code float[]} behind a batch of a CPU backend, for {@link CpuKernels} implementations and tests that
     * work on host arrays directly.
     *
     * @param m a batch allocated by a {@link CpuBackend}
     * @return its elements, row-major, matrix after matrix (the live array, not a copy)
     * @throws ClassCastException when the batch belongs to another kind of backend
     */
    public static float[] hostArray(MatrixBatch m) {
        return data(m);
    }

    /** The worker pool (parallelism = thread count). */
    ForkJoinPool pool() {
        return pool;
    }

    static float[] data(MatrixBatch m) {
        return ((CpuStorage) m.storage()).data;
    }

    /**
     * The exact polar factor of {@code batch} row-major {@code rows × cols} matrices computed on the host exactly as
     * {@link #polar} does ({@code CpuPolar}: float64 Jacobi up to 128 per side, else float64 SVD), on the common
     * fork-join pool. The CUDA backend's path for matrices its Jacobi kernel cannot hold when cuSOLVER is not
     * available.
     *
     * @param g     the input, {@code batch·rows·cols} values, not modified
     * @param out   the output, {@code batch·rows·cols} values, distinct from {@code g}
     * @param batch the number of matrices
     * @param rows  rows of each matrix
     * @param cols  columns of each matrix
     * @throws org.ortho4j.NonFiniteInputException ("polar", "g", lowest bad matrix) before anything is written
     */
    public static void hostPolar(float[] g, float[] out, int batch, int rows, int cols) {
        CpuPolar.run(ForkJoinPool.commonPool(), g, out, batch, rows, cols);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CPU;
    }

    @Override
    public String description() {
        String path = kernels == null ? "pure Java" : kernels.description();
        return "cpu: " + path + ", " + pool.getParallelism() + " threads, Java " + Runtime.version().feature();
    }

    @Override
    public Storage allocate(long elements) {
        if (elements > Integer.MAX_VALUE - 8) {
            throw new Ortho4jException("cpu backend: " + elements + " elements exceed a Java array (2^31 - 9); split the batch");
        }
        try {
            return new CpuStorage(new float[(int) elements]);
        } catch (OutOfMemoryError e) {
            throw new Ortho4jException("cpu backend: out of heap allocating " + elements + " floats ("
                    + (elements * 4 >> 20) + " MiB); raise -Xmx or split the batch", e);
        }
    }

    @Override
    public void write(Storage dst, long dstOffset, float[] src, int srcOffset, int length) {
        System.arraycopy(src, srcOffset, ((CpuStorage) dst).data, Math.toIntExact(dstOffset), length);
    }

    @Override
    public void read(Storage src, long srcOffset, float[] dst, int dstOffset, int length) {
        System.arraycopy(((CpuStorage) src).data, Math.toIntExact(srcOffset), dst, dstOffset, length);
    }

    @Override
    public void copy(Storage src, long srcOffset, Storage dst, long dstOffset, long length) {
        System.arraycopy(((CpuStorage) src).data, Math.toIntExact(srcOffset), ((CpuStorage) dst).data,
                Math.toIntExact(dstOffset), Math.toIntExact(length));
    }

    @Override
    public void synchronize() {
        // synchronous
    }

    @Override
    public void newtonSchulz(MatrixBatch g, Schedule.Coefficients coefficients, Precision precision, MatrixBatch out) {
        CpuNewtonSchulz.run(pool, kernels, data(g), data(out), g.batch(), g.rows(), g.cols(), coefficients, precision);
    }

    @Override
    public void polar(MatrixBatch g, MatrixBatch out) {
        CpuPolar.run(pool, kernels, data(g), data(out), g.batch(), g.rows(), g.cols());
    }

    @Override
    public void lmo(Lmo lmo, MatrixBatch d, MatrixBatch out) {
        CpuLmo.run(pool, kernels, lmo, data(d), data(out), d.batch(), d.rows(), d.cols());
    }

    @Override
    public float[] softThreshold(MatrixBatch m, double quantile, MatrixBatch base, MatrixBatch outlier) {
        return CpuSoftThreshold.split(pool, data(m), m.batch(), m.rows() * m.cols(), quantile, data(base), data(outlier));
    }

    @Override
    public float[] momentumSoftThreshold(MatrixBatch grad, MatrixBatch buf, double momentum, boolean nesterov,
                                         double quantile, MatrixBatch base, MatrixBatch outlier) {
        return CpuSoftThreshold.momentumSplit(pool, data(grad), data(buf), momentum, nesterov, grad.batch(),
                grad.rows() * grad.cols(), quantile, data(base), data(outlier));
    }

    @Override
    public void gaugeRotation(RotationGauge gauge, MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2,
                              MatrixBatch h1, MatrixBatch h2) {
        CpuGauge.rotation(pool, gauge, w1.batch(), w1.rows(), w1.cols(), w2.rows(), w2.cols(),
                data(w1), data(w2), data(g1), data(g2), data(h1), data(h2));
    }

    @Override
    public void gaugeScaling(MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1, MatrixBatch h2) {
        CpuGauge.scaling(pool, w1.batch(), w1.rows(), w1.cols(), w2.rows(), data(w1), data(w2), data(g1), data(g2),
                data(h1), data(h2));
    }

    @Override
    public void gaugeLogitShift(MatrixBatch g, MatrixBatch h) {
        CpuGauge.logitShift(pool, g.batch(), g.rows(), g.cols(), data(g), data(h));
    }

    @Override
    public void close() {
        if (ownPool) {
            pool.shutdown();
        }
        if (kernels != null) {
            kernels.close();
        }
    }
}
