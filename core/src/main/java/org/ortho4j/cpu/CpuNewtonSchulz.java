package org.ortho4j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.spi.CpuKernels;

/**
 * Newton–Schulz orthogonalisation on the CPU (docs/algorithms.md §1.1, §1.5), the reference for the CUDA kernels.
 *
 * <p>For each {@code rows × cols} matrix G of the batch, with {@code m = min(rows, cols)}, {@code n = max(rows, cols)}
 * and X kept {@code m × n} (G itself when {@code rows ≤ cols}, else Gᵀ, transposed back on output):
 * <pre>
 *   ν   = ‖G‖_F                                   (float64 sum of squares over float32 values)
 *   inv = (float) (1 / (scale·ν + eps))             (0 when the denominator is 0: a zero matrix maps to zero)
 *   X   = inv · G                                   (float32 multiply)
 *   for t = 0 .. T−1:
 *       Xr = ρ(X)                                    (operand copy of X)
 *       A  = Xr · Xrᵀ                                (m × m, upper triangle computed, mirrored)
 *       Ar = ρ(A)
 *       B  = b_t·A + c_t·(Ar · Ar)                   (upper triangle computed, mirrored; b_t·A uses A unrounded)
 *       Br = ρ(B)
 *       X  = a_t·X + Br · Xr                         (a_t·X uses X unrounded; Xr is the same copy as in A)
 * </pre>
 * where ρ is the operand rounding of the {@link Precision}: the identity for FP32; round to nearest even to a
 * 10-bit mantissa for TF32, to a 7-bit mantissa for BF16 (exponent range of float32 in both). So exactly the
 * operands of the three matrix products are rounded: both factors of {@code X Xᵀ} (ρ(X)), both factors of
 * {@code A·A} (ρ(A)), and both factors of {@code B·X} (ρ(B), ρ(X)). Every product term is then formed and summed
 * in float32; A, B and X are stored in float32; the scalars a_t, b_t, c_t are the schedule's doubles cast to float
 * and applied in float32 ({@code c_t} multiplies the left factor of each term: {@code Σ_p (c_t·Ar[i][p])·Ar[p][j]}).
 * The CUDA kernels round the same operands (tensor-core inputs) and differ only in summation order.
 *
 * <p>Non-finite input is detected over the whole batch before anything is written, so on
 * {@link NonFiniteInputException} the output holds what it held. {@code out} may be the same array as {@code g}.
 *
 * <p>Work split on the pool: over the matrices of the batch when there are at least as many matrices as threads
 * (or the matrices are small), otherwise over row blocks of each product. Each worker allocates its scratch
 * ({@code 4·m·n + 4·m²} floats at most) once per call and reuses it for all its matrices and steps. Matrices with
 * {@code m·n ≤} {@link CpuNsSmall#MAX_SIZE} that run whole on one thread take {@link CpuNsSmall} (row arrays, no
 * packing), which gives bitwise the same result as the blocked path.
 */
final class CpuNewtonSchulz {
    /** Below this many multiply-adds per Gram product ({@code m²·n}) a matrix is not split over threads. */
    private static final long ROW_SPLIT_MIN_WORK = 1L << 18;

    /** Per-thread {@link CpuMatmul#newStage()} for row-block tasks (≈ 260 KiB each, not reallocated per task). */
    private static final ThreadLocal<float[][]> STAGE = ThreadLocal.withInitial(CpuMatmul::newStage);

    private CpuNewtonSchulz() {
    }

    /**
     * {@code out = NS(g)} for each of the {@code batch} matrices; see the class comment for the exact arithmetic.
     *
     * @param g   {@code batch·rows·cols} row-major input (not modified unless it is {@code out})
     * @param out same size, modified; may be {@code g}
     * @throws NonFiniteInputException when some matrix of g holds NaN or ±∞; nothing written
     */
    static void run(ForkJoinPool pool, float[] g, float[] out, int batch, int rows, int cols, Schedule.Coefficients co,
                    Precision precision) {
        run(pool, null, g, out, batch, rows, cols, co, precision);
    }

    /**
     * {@link #run(ForkJoinPool, float[], float[], int, int, int, Schedule.Coefficients, Precision)}, with the
     * iteration on {@code kernels} when given (after the same checks and normalisation).
     */
    static void run(ForkJoinPool pool, CpuKernels kernels, float[] g, float[] out, int batch, int rows, int cols,
                    Schedule.Coefficients co, Precision precision) {
        int size = rows * cols;
        // ν_b = ‖G_b‖_F for every matrix, and the first matrix holding a non-finite value, before any write
        double[] norms = new double[batch];
        for (int bi = 0; bi < batch; bi++) {
            double ss = frobeniusSquared(g, bi * size, size);
            if (!Double.isFinite(ss)) {
                throw new NonFiniteInputException("newtonSchulz", "g", bi);
            }
            norms[bi] = Math.sqrt(ss);
        }
        if (kernels != null) {
            float[] inv = new float[batch];
            for (int bi = 0; bi < batch; bi++) {
                inv[bi] = inverseScale(co, norms[bi]);
            }
            kernels.newtonSchulz(pool, g, out, batch, rows, cols, inv, co, precision);
            return;
        }
        int m = Math.min(rows, cols);
        int n = Math.max(rows, cols);
        int threads = pool.getParallelism();
        long work = (long) m * m * n;
        if (threads > 1 && batch < threads && work >= ROW_SPLIT_MIN_WORK) {
            // few large matrices: one at a time, each product split over row blocks
            Work w = new Work(m, n, precision);
            for (int bi = 0; bi < batch; bi++) {
                w.matrix(pool, threads, g, out, bi * size, rows, cols, norms[bi], co);
            }
            return;
        }
        int tasks = Math.min(threads, batch);
        boolean small = (long) m * n <= CpuNsSmall.MAX_SIZE;
        if (tasks <= 1) {
            Work w = small ? null : new Work(m, n, precision);
            CpuNsSmall sw = small ? new CpuNsSmall(m, n, precision) : null;
            for (int bi = 0; bi < batch; bi++) {
                if (small) {
                    sw.matrix(g, out, bi * size, rows, cols, inverseScale(co, norms[bi]), co);
                } else {
                    w.matrix(null, 1, g, out, bi * size, rows, cols, norms[bi], co);
                }
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        List<RecursiveAction> list = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            list.add(new RecursiveAction() {
                private static final long serialVersionUID = 1L;

                @Override
                protected void compute() {
                    // one matrix per claim; small matrices whole on this thread without packing or staging
                    Work w = small ? null : new Work(m, n, precision);
                    CpuNsSmall sw = small ? new CpuNsSmall(m, n, precision) : null;
                    for (int bi; (bi = next.getAndIncrement()) < batch; ) {
                        if (small) {
                            sw.matrix(g, out, bi * size, rows, cols, inverseScale(co, norms[bi]), co);
                        } else {
                            w.matrix(null, 1, g, out, bi * size, rows, cols, norms[bi], co);
                        }
                    }
                }
            });
        }
        invokeAll(pool, list);
    }

    /** {@code (float) (1 / (scale·ν + eps))}, or 0 when the denominator is not positive (zero matrix → zero). */
    static float inverseScale(Schedule.Coefficients co, double norm) {
        double den = co.scale() * norm + co.eps();
        return den > 0 ? (float) (1.0 / den) : 0f;
    }

    /** Σ x² in float64 (four partial sums); ∞ or NaN when any element is non-finite. */
    static double frobeniusSquared(float[] x, int off, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            double v0 = x[off + i];
            double v1 = x[off + i + 1];
            double v2 = x[off + i + 2];
            double v3 = x[off + i + 3];
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
        }
        for (; i < len; i++) {
            double v = x[off + i];
            s0 += v * v;
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void invokeAll(ForkJoinPool pool, List<RecursiveAction> list) {
        pool.invoke(new RecursiveAction() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void compute() {
                invokeAll(list);
            }
        });
    }

    /** One worker's scratch for an m × n iteration (m ≤ n). */
    private static final class Work {
        final int m;
        final int n;
        final Precision precision;
        float[] x;
        float[] xn;
        final float[] xr;
        final float[] xt;
        final float[] a;
        final float[] ar;
        final float[] bm;
        final float[] br;
        final float[][] stage = CpuMatmul.newStage();

        Work(int m, int n, Precision precision) {
            this.m = m;
            this.n = n;
            this.precision = precision;
            boolean reduced = precision != Precision.FP32;
            x = new float[m * n];
            xn = new float[m * n];
            xr = reduced ? new float[m * n] : null;
            xt = new float[m * n];
            a = new float[m * m];
            ar = reduced ? new float[m * m] : a;
            bm = new float[m * m];
            br = reduced ? new float[m * m] : bm;
        }

        /** NS of the rows × cols matrix at g[off..], written to out[off..]; pool null = this thread only. */
        void matrix(ForkJoinPool pool, int threads, float[] g, float[] out, int off, int rows, int cols, double norm,
                    Schedule.Coefficients co) {
            float inv = inverseScale(co, norm); // X0 = G / (s·‖G‖_F + eps)
            boolean transposed = rows > cols;
            if (!transposed) {
                for (int i = 0; i < m * n; i++) {
                    x[i] = inv * g[off + i];
                }
            } else {
                // X = Gᵀ·inv (m = cols, n = rows): X[j][i] = G[i][j]
                CpuMatmul.transpose(g, off, rows, cols, x, 0);
                for (int i = 0; i < m * n; i++) {
                    x[i] = inv * x[i];
                }
            }
            if (inv != 0f) {
                for (int t = 0; t < co.steps(); t++) {
                    step(pool, threads, (float) co.a(t), (float) co.b(t), (float) co.c(t));
                }
            }
            if (!transposed) {
                System.arraycopy(x, 0, out, off, m * n);
            } else {
                CpuMatmul.transpose(x, 0, m, n, out, off); // out (n × m) = Xᵀ
            }
        }

        /** One step: A = Xr Xrᵀ, B = b·A + c·Ar·Ar, X = a·X + Br·Xr. */
        private void step(ForkJoinPool pool, int threads, float ca, float cb, float cc) {
            float[] xop = x;
            if (precision != Precision.FP32) {
                CpuMatmul.round(precision, x, 0, xr, 0, m * n); // Xr = ρ(X)
                xop = xr;
            }
            final float[] xo = xop;
            // Xrᵀ (n × m), rows of Xr split over the threads like the products
            product(pool, threads, false, (i0, i1, st) -> CpuMatmul.transpose(xo, 0, m, n, xt, 0, i0, i1));
            // A = Xr · Xrᵀ  (upper triangle)
            product(pool, threads, true, (i0, i1, st) ->
                    CpuMatmul.gemm(1f, xo, 0, n, xt, 0, m, n, 0f, null, 0, 0, a, 0, m, i0, i1, m, true, st));
            product(pool, threads, true, (i0, i1, st) -> CpuMatmul.mirrorUpper(a, 0, m, i0, i1));
            CpuMatmul.round(precision, a, 0, ar, 0, m * m); // Ar = ρ(A)
            // B = b·A + c·Ar·Ar  (upper triangle; Ar symmetric so Ar·Ar is too)
            product(pool, threads, true, (i0, i1, st) ->
                    CpuMatmul.gemm(cc, ar, 0, m, ar, 0, m, m, cb, a, 0, m, bm, 0, m, i0, i1, m, true, st));
            product(pool, threads, true, (i0, i1, st) -> CpuMatmul.mirrorUpper(bm, 0, m, i0, i1));
            CpuMatmul.round(precision, bm, 0, br, 0, m * m); // Br = ρ(B)
            // X' = a·X + Br · Xr
            final float[] xcur = x;
            final float[] xnext = xn;
            product(pool, threads, false, (i0, i1, st) ->
                    CpuMatmul.gemm(1f, br, 0, m, xo, 0, n, m, ca, xcur, 0, n, xnext, 0, n, i0, i1, n, false, st));
            xn = x;
            x = xnext;
        }

        private interface RowBlock {
            void run(int i0, int i1, float[][] stage);
        }

        /** Runs {@code body} over the rows [0, m): here, or split into row blocks on the pool. */
        private void product(ForkJoinPool pool, int threads, boolean upper, RowBlock body) {
            if (pool == null || threads <= 1 || m < 4) {
                body.run(0, m, stage);
                return;
            }
            int[] s = CpuMatmul.rowSplits(m, 4 * threads, upper);
            List<RecursiveAction> list = new ArrayList<>(s.length - 1);
            for (int t = 0; t + 1 < s.length; t++) {
                int i0 = s[t];
                int i1 = s[t + 1];
                if (i0 < i1) {
                    list.add(new RecursiveAction() {
                        private static final long serialVersionUID = 1L;

                        @Override
                        protected void compute() {
                            body.run(i0, i1, STAGE.get());
                        }
                    });
                }
            }
            invokeAll(pool, list);
        }
    }
}
