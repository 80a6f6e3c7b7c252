package org.ortho4j.spi;

import java.util.concurrent.ForkJoinPool;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * Alternative implementations of the CPU backend's two dense-algebra families on host arrays, for a module that
 * brings a native BLAS/LAPACK (such as {@code ortho4j-cpu-native}). The pure-Java backend
 * ({@link org.ortho4j.cpu.CpuBackend}) stays the reference: it validates the arguments, checks the values for
 * NaN and ±∞ and computes the Newton–Schulz normalisation itself, then hands the dense work to these kernels; the
 * spectral LMOs go through the same two methods. Everything else (soft-threshold, gauges, the other LMOs) stays
 * pure Java.
 *
 * <p>Implementations must compute what the reference computes (the arithmetic in {@code CpuNewtonSchulz}'s and
 * {@code CpuPolar}'s class comments) up to summation order: the same operands rounded for reduced precisions, the
 * same zero threshold for the polar factor. The contract test batteries of the core test-jar check them.
 */
public interface CpuKernels extends AutoCloseable {

    /**
     * What runs the dense work, for {@link org.ortho4j.Context#description()}.
     *
     * @return a one-line description, e.g. {@code OpenBLAS 0.3.31 (Zen), 2 threads}
     */
    String description();

    /**
     * Newton–Schulz on each {@code rows × cols} matrix of the batch, after normalisation: with {@code m ≤ n} the
     * short and long side, {@code X₀ = inverseScale[b]·G_b} (float32 multiply) on the wide orientation, then
     * {@code coefficients.steps()} steps {@code A = ρ(X)ρ(X)ᵀ, B = b·A + c·ρ(A)ρ(A), X = a·X + ρ(B)ρ(X)} with
     * ρ the operand rounding of {@code precision}; a matrix whose inverse scale is 0 maps to zero. The values are
     * finite (checked by the caller).
     *
     * @param pool          the backend's worker pool (its parallelism is the thread count)
     * @param g             {@code batch·rows·cols} row-major input, not modified unless it is {@code out}
     * @param out           output of the same size; may be {@code g}
     * @param batch         the number of matrices
     * @param rows          rows of each matrix
     * @param cols          columns of each matrix
     * @param inverseScale  {@code 1/(s·‖G_b‖_F + eps)} per matrix, as float32 (0 for a zero matrix)
     * @param coefficients  the per-step coefficients
     * @param precision     the rounding of the products' operands
     */
    void newtonSchulz(ForkJoinPool pool, float[] g, float[] out, int batch, int rows, int cols, float[] inverseScale,
                      Schedule.Coefficients coefficients, Precision precision);

    /**
     * The exact polar factor of each {@code rows × cols} matrix, from a float64 SVD, with singular values
     * {@code ≤ max(m,n)·2⁻⁵²·σ_max} dropped (the reference's threshold). The backend calls it for matrices whose
     * short side is above 128 (smaller ones keep the reference's one-sided Jacobi, which the GPU kernel mirrors).
     * The values are finite (checked by the caller).
     *
     * @param pool  the backend's worker pool
     * @param g     {@code batch·rows·cols} row-major input, not modified unless it is {@code out}
     * @param out   output of the same size; may be {@code g}
     * @param batch the number of matrices
     * @param rows  rows of each matrix
     * @param cols  columns of each matrix
     */
    void polar(ForkJoinPool pool, float[] g, float[] out, int batch, int rows, int cols);

    /** Releases native memory; the kernels are not used afterwards. */
    @Override
    void close();
}
