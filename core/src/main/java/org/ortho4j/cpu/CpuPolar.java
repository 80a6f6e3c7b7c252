package org.ortho4j.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Ortho4jException;
import org.ortho4j.spi.CpuKernels;

/**
 * The exact polar factor {@code polar(G) = U Vᵀ} of each {@code rows × cols} matrix of a batch, for the thin SVD
 * {@code G = U Σ Vᵀ}, computed in float64 and stored in float32. Singular values
 * {@code σ_k ≤ max(m,n)·2⁻⁵²·σ_max} count as zero and contribute nothing: a zero matrix maps to zero, a
 * rank-deficient one to the partial isometry {@code Σ_{σ_k > thr} u_k v_kᵀ} on its range.
 *
 * <h2>Small matrices (min side ≤ {@value #JACOBI_MAX_SIDE}): one-sided (Hestenes) Jacobi</h2>
 * This is the CPU reference of the batched GPU Jacobi kernel, which mirrors it step by step:
 * <ol>
 * <li><b>Orientation.</b> {@code A = G} if {@code rows ≥ cols}, else {@code A = Gᵀ}; so {@code A} is
 *     {@code M × N} with {@code M = max(m,n) ≥ N = min(m,n)}. Work in float64; the columns {@code a_0..a_{N-1}} of
 *     {@code A} are stored contiguously (column-major), {@code V = I_N} likewise (column {@code v_k} contiguous).</li>
 * <li><b>Pair ordering: round-robin (circle method).</b> Let {@code N' = N + (N mod 2)} (a dummy column when N is
 *     odd). A sweep is {@code N' − 1} rounds {@code r = 0..N'−2}; round r holds the {@code N'/2} disjoint pairs
 *     <pre>
 *     k = 0:           (r, N'−1)
 *     k = 1..N'/2−1:   ((r + k) mod (N'−1), (r − k) mod (N'−1))     (mod taken in [0, N'−1))
 *     </pre>
 *     each written {@code (p, q)} with {@code p < q}; a pair that contains the dummy {@code N} is skipped. Every
 *     pair of columns meets exactly once per sweep, and the pairs of one round are disjoint, so a GPU can rotate
 *     them concurrently with identical results. Here rounds and pairs run in order r, then k.</li>
 * <li><b>Rotation of a pair.</b> {@code α = a_p·a_p, β = a_q·a_q, γ = a_p·a_q} (fresh dot products, float64).
 *     If {@code |γ| ≤ tol·sqrt(α)·sqrt(β)} the pair is converged and left alone (this includes zero columns).
 *     Otherwise (Rutishauser's formulas)
 *     <pre>
 *     ζ = (β − α) / (2γ)
 *     t = sign(ζ) / (|ζ| + sqrt(1 + ζ²))        sign(0) = +1;  t = sign(ζ)/(2|ζ|) when |ζ| &gt; 1e150
 *     c = 1 / sqrt(1 + t²),   s = c·t
 *     a_p ← c·a_p − s·a_q,    a_q ← s·a_p + c·a_q     (simultaneously; the same on v_p, v_q)
 *     </pre>
 *     which makes the new {@code a_p·a_q} zero in exact arithmetic ({@code t} is the smaller root of
 *     {@code t² + 2ζt − 1 = 0}).</li>
 * <li><b>Stopping rule.</b> {@code tol = sqrt(M)·2⁻⁵³} (LAPACK {@code dgesvj}'s choice); stop after the first
 *     sweep that rotates no pair, or after {@value #MAX_SWEEPS} sweeps.</li>
 * <li><b>Polar factor.</b> {@code σ_k = ‖a_k‖₂}, {@code thr = max(m,n)·2⁻⁵²·max_k σ_k}, and
 *     {@code polar(A) = Σ_{σ_k > thr} (a_k/σ_k) v_kᵀ} ({@code A V = U Σ} at convergence, so this is
 *     {@code U Vᵀ} restricted to the numerical range); {@code polar(G) = polar(A)} or its transpose.</li>
 * </ol>
 * Cost per sweep ≈ {@code N²/2} pairs × {@code (6M + 6M + 6N)} flops; quadratic convergence typically needs 6–10
 * sweeps.
 *
 * <h2>Larger matrices: QR, then EJML's SVD</h2>
 * Jacobi's {@code O(N³)} per sweep with ~8 sweeps is too slow above 128 per side. There the tall orientation
 * {@code A} ({@code M × N}) is first reduced by a Householder QR, {@code A = Q_r R}, when {@code M ≥ 1.6·N}
 * (LAPACK's {@code gesdd} crossover), then {@code R} (or {@code A}) goes to EJML's implicit-QR SVD
 * ({@link DecompositionFactory_DDRM#svd}), {@code polar(R) = Σ_{σ_k > thr} u_k v_kᵀ}, and
 * {@code polar(A) = Q_r·polar(R)}, the last product parallel over row blocks on the pool. Both steps are
 * backward stable in float64, so the polar factor is accurate to ~1e-13 for well-conditioned input, far below the
 * float32 rounding of the output; the QR pass makes it about twice as fast as EJML's SVD on a 3072 × 768 matrix
 * (one thread, ~6 s vs ~11 s, measured back to back on the shared 2-core development machine). Eigen-decomposing the Gram matrix would be faster still but squares the condition
 * number and cannot resolve singular values below ~1e-8·σ_max, which the zero threshold above needs.
 *
 * <p>Parallel over the batch; a large matrix alone (batch below the pool's parallelism) parallelises its final
 * product instead. {@code out} may be {@code g}: each matrix is copied into float64 work arrays before its slice
 * of {@code out} is written.
 */
final class CpuPolar {
    private CpuPolar() {
    }

    /** Largest {@code min(rows, cols)} that takes the Jacobi path. */
    static final int JACOBI_MAX_SIDE = 128;
    /** Sweep limit of the Jacobi path (as LAPACK {@code dgesvj}). */
    static final int MAX_SWEEPS = 30;
    /** {@code 2⁻⁵²}, the spacing of doubles at 1. */
    static final double EPS52 = 0x1p-52;

    /**
     * {@code out = polar(g)} for each matrix of the batch.
     *
     * @param g   {@code batch × rows × cols}, row-major; not modified (unless it is {@code out})
     * @param out same shape; modified
     * @throws NonFiniteInputException with the lowest batch index holding NaN or ±∞; nothing is written
     */
    static void run(ForkJoinPool pool, float[] g, float[] out, int batch, int rows, int cols) {
        run(pool, null, g, out, batch, rows, cols);
    }

    /**
     * {@link #run(ForkJoinPool, float[], float[], int, int, int)}, with matrices above {@value #JACOBI_MAX_SIDE}
     * per side on {@code kernels} when given (small ones keep the Jacobi path, the GPU kernel's reference).
     */
    static void run(ForkJoinPool pool, CpuKernels kernels, float[] g, float[] out, int batch, int rows, int cols) {
        int size = rows * cols;
        int bad = firstNonFinite(g, batch, size);
        if (bad >= 0) {
            throw new NonFiniteInputException("polar", "g", bad);
        }
        if (Math.min(rows, cols) <= JACOBI_MAX_SIDE) {
            parallelFor(pool, batch, b -> jacobiPolar(g, b * size, out, b * size, rows, cols));
        } else if (kernels != null) {
            kernels.polar(pool, g, out, batch, rows, cols);
        } else if (batch >= pool.getParallelism()) {
            parallelFor(pool, batch, b -> svdPolar(null, g, b * size, out, b * size, rows, cols));
        } else {
            for (int b = 0; b < batch; b++) {
                svdPolar(pool, g, b * size, out, b * size, rows, cols);
            }
        }
    }

    /** The lowest batch index whose matrix holds NaN or ±∞, or −1. */
    static int firstNonFinite(float[] x, int batch, int size) {
        for (int b = 0; b < batch; b++) {
            int off = b * size;
            for (int i = 0; i < size; i++) {
                if (!Float.isFinite(x[off + i])) {
                    return b;
                }
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ Jacobi path

    /** Polar factor of one small matrix by one-sided Jacobi (see the class javadoc). */
    static void jacobiPolar(float[] g, int gOff, float[] out, int oOff, int rows, int cols) {
        boolean wide = rows < cols;
        int m = wide ? cols : rows; // M ≥ N
        int n = wide ? rows : cols;
        double[] a = new double[m * n]; // column j of A at a[j*m ..]
        if (wide) {
            // A = Gᵀ: column j of A is row j of G
            for (int i = 0; i < n * m; i++) {
                a[i] = g[gOff + i];
            }
        } else {
            // A = G: a[j*m + i] = G[i][j]
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    a[j * m + i] = g[gOff + i * cols + j];
                }
            }
        }
        double[] v = new double[n * n]; // column k of V at v[k*n ..]
        for (int k = 0; k < n; k++) {
            v[k * n + k] = 1.0;
        }
        jacobi(a, v, m, n);

        double[] sigma = new double[n];
        double smax = 0;
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int i = 0; i < m; i++) {
                s += a[k * m + i] * a[k * m + i];
            }
            sigma[k] = Math.sqrt(s); // σ_k = ‖a_k‖₂
            smax = Math.max(smax, sigma[k]);
        }
        double thr = Math.max(rows, cols) * EPS52 * smax;
        for (int k = 0; k < n; k++) {
            // u_k = a_k / σ_k, in place; dropped columns become zero
            double inv = sigma[k] > thr ? 1.0 / sigma[k] : 0.0;
            for (int i = 0; i < m; i++) {
                a[k * m + i] *= inv;
            }
        }
        if (wide) {
            // Q = (Σ_k u_k v_kᵀ)ᵀ: row i of Q (i < N) = Σ_k V[i][k]·u_k
            double[] acc = new double[m];
            for (int i = 0; i < n; i++) {
                java.util.Arrays.fill(acc, 0.0);
                for (int k = 0; k < n; k++) {
                    double vik = v[k * n + i];
                    if (sigma[k] <= thr || vik == 0.0) {
                        continue;
                    }
                    int uo = k * m;
                    for (int j = 0; j < m; j++) {
                        acc[j] += vik * a[uo + j];
                    }
                }
                for (int j = 0; j < m; j++) {
                    out[oOff + i * cols + j] = (float) acc[j];
                }
            }
        } else {
            // Q = Σ_k u_k v_kᵀ: row r of Q = Σ_k u_k[r]·v_kᵀ
            double[] acc = new double[n];
            for (int r = 0; r < m; r++) {
                java.util.Arrays.fill(acc, 0.0);
                for (int k = 0; k < n; k++) {
                    double ukr = a[k * m + r];
                    if (ukr == 0.0) {
                        continue;
                    }
                    int vo = k * n;
                    for (int c = 0; c < n; c++) {
                        acc[c] += ukr * v[vo + c];
                    }
                }
                for (int c = 0; c < n; c++) {
                    out[oOff + r * cols + c] = (float) acc[c];
                }
            }
        }
    }

    /**
     * One-sided Jacobi on the columns of {@code a} ({@code m × n}, {@code m ≥ n}, column-major), accumulating
     * the rotations into {@code v} ({@code n × n}, column-major, initially the identity). On return the columns of
     * {@code a} are mutually orthogonal to {@code tol} and {@code A_in·V = A_out}.
     *
     * @return the number of sweeps run (the last one rotated nothing unless it is {@link #MAX_SWEEPS})
     */
    static int jacobi(double[] a, double[] v, int m, int n) {
        double tol = Math.sqrt(m) * 0x1p-53;
        int np = n + (n & 1); // N'
        int rounds = np - 1;
        int half = np / 2;
        int[] pq = new int[2];
        for (int sweep = 1; sweep <= MAX_SWEEPS; sweep++) {
            int rotations = 0;
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < half; k++) {
                    roundRobinPair(np, r, k, pq);
                    int p = pq[0];
                    int q = pq[1];
                    if (q >= n) {
                        continue; // the dummy column of an odd n
                    }
                    if (rotate(a, v, m, n, p, q, tol)) {
                        rotations++;
                    }
                }
            }
            if (rotations == 0) {
                return sweep;
            }
        }
        return MAX_SWEEPS;
    }

    /**
     * Pair {@code k} of round {@code r} of the circle method on {@code np} (even) columns, as {@code (p, q)} with
     * {@code p < q}: {@code (r, np−1)} for {@code k = 0}, else {@code ((r+k) mod (np−1), (r−k) mod (np−1))}.
     */
    static void roundRobinPair(int np, int r, int k, int[] pq) {
        int rounds = np - 1;
        int x = k == 0 ? r : (r + k) % rounds;
        int y = k == 0 ? np - 1 : ((r - k) % rounds + rounds) % rounds;
        pq[0] = Math.min(x, y);
        pq[1] = Math.max(x, y);
    }

    /** Orthogonalises columns p &lt; q of {@code a} unless already converged; returns whether it rotated. */
    private static boolean rotate(double[] a, double[] v, int m, int n, int p, int q, double tol) {
        int po = p * m;
        int qo = q * m;
        double alpha = 0;
        double beta = 0;
        double gamma = 0;
        for (int i = 0; i < m; i++) {
            double x = a[po + i];
            double y = a[qo + i];
            alpha += x * x; // α = a_p·a_p
            beta += y * y; // β = a_q·a_q
            gamma += x * y; // γ = a_p·a_q
        }
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) {
            return false;
        }
        double zeta = (beta - alpha) / (2 * gamma); // ζ = (β − α)/(2γ)
        double az = Math.abs(zeta);
        double t = az > 1e150 ? 0.5 / az : 1.0 / (az + Math.sqrt(1 + zeta * zeta)); // t = sign(ζ)/(|ζ| + sqrt(1+ζ²))
        if (zeta < 0) {
            t = -t;
        }
        double c = 1.0 / Math.sqrt(1 + t * t); // c = 1/sqrt(1+t²)
        double s = c * t; // s = c·t
        for (int i = 0; i < m; i++) {
            double x = a[po + i];
            double y = a[qo + i];
            a[po + i] = c * x - s * y; // a_p ← c·a_p − s·a_q
            a[qo + i] = s * x + c * y; // a_q ← s·a_p + c·a_q
        }
        int vp = p * n;
        int vq = q * n;
        for (int i = 0; i < n; i++) {
            double x = v[vp + i];
            double y = v[vq + i];
            v[vp + i] = c * x - s * y;
            v[vq + i] = s * x + c * y;
        }
        return true;
    }

    // ------------------------------------------------------------------ large path

    /** Polar factor of one large matrix by (QR +) EJML SVD; {@code pool} non-null parallelises the last product. */
    static void svdPolar(ForkJoinPool pool, float[] g, int gOff, float[] out, int oOff, int rows, int cols) {
        boolean wide = rows < cols;
        int m = wide ? cols : rows;
        int n = wide ? rows : cols;
        DMatrixRMaj a = new DMatrixRMaj(m, n); // A = G or Gᵀ, row-major
        boolean zero = true;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float x = g[gOff + i * cols + j];
                zero &= x == 0f;
                if (wide) {
                    a.data[j * n + i] = x;
                } else {
                    a.data[i * n + j] = x;
                }
            }
        }
        if (zero) {
            java.util.Arrays.fill(out, oOff, oOff + rows * cols, 0f);
            return;
        }
        DMatrixRMaj qr = null;
        DMatrixRMaj r = a;
        if (5L * m >= 8L * n) {
            // A = Q_r R, Q_r m×n with orthonormal columns, R n×n upper triangular
            QRDecomposition<DMatrixRMaj> qrd = DecompositionFactory_DDRM.qr(m, n);
            if (!qrd.decompose(a)) {
                throw new Ortho4jException("polar: QR of a " + rows + "x" + cols + " matrix failed");
            }
            qr = qrd.getQ(null, true);
            r = qrd.getR(null, true);
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(r.numRows, r.numCols, true, true, true);
        if (!svd.decompose(r)) {
            throw new Ortho4jException("polar: SVD of a " + rows + "x" + cols + " matrix did not converge");
        }
        DMatrixRMaj u = svd.getU(null, false); // r.numRows × n
        DMatrixRMaj v = svd.getV(null, false); // n × n
        double[] s = svd.getSingularValues();
        int ns = svd.numberOfSingularValues();
        double smax = 0;
        for (int k = 0; k < ns; k++) {
            smax = Math.max(smax, s[k]);
        }
        double thr = Math.max(rows, cols) * EPS52 * smax;
        for (int k = 0; k < ns; k++) {
            if (s[k] <= thr) {
                for (int i = 0; i < u.numRows; i++) {
                    u.unsafe_set(i, k, 0.0); // drop u_k v_kᵀ
                }
            }
        }
        DMatrixRMaj p = new DMatrixRMaj(u.numRows, n);
        CommonOps_DDRM.multTransB(u, v, p); // polar(R) = Σ_{σ_k > thr} u_k v_kᵀ
        DMatrixRMaj q = qr == null ? p : multiply(pool, qr, p); // polar(A) = Q_r·polar(R)
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[oOff + i * cols + j] = (float) (wide ? q.data[j * n + i] : q.data[i * n + j]);
            }
        }
    }

    /** {@code x·y} ({@code m×n · n×n}), rows split over {@code pool} when given. */
    private static DMatrixRMaj multiply(ForkJoinPool pool, DMatrixRMaj x, DMatrixRMaj y) {
        int m = x.numRows;
        int n = x.numCols;
        int c = y.numCols;
        DMatrixRMaj z = new DMatrixRMaj(m, c);
        int block = 32;
        int blocks = (m + block - 1) / block;
        IntConsumer rowBlock = bi -> {
            int end = Math.min(m, (bi + 1) * block);
            for (int i = bi * block; i < end; i++) {
                int zo = i * c;
                for (int k = 0; k < n; k++) {
                    double xik = x.data[i * n + k];
                    if (xik == 0.0) {
                        continue;
                    }
                    int yo = k * c;
                    for (int j = 0; j < c; j++) {
                        z.data[zo + j] += xik * y.data[yo + j]; // z_i += x_ik · y_k
                    }
                }
            }
        };
        if (pool == null) {
            for (int bi = 0; bi < blocks; bi++) {
                rowBlock.accept(bi);
            }
        } else {
            parallelFor(pool, blocks, rowBlock);
        }
        return z;
    }

    // ------------------------------------------------------------------ parallel loop

    /** Runs {@code body(i)} for {@code i = 0..n−1} on {@code pool}, splitting the range in halves. */
    static void parallelFor(ForkJoinPool pool, int n, IntConsumer body) {
        if (n <= 1 || pool.getParallelism() <= 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        pool.invoke(new Range(0, n, body));
    }

    private static final class Range extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final int lo;
        private final int hi;
        private final transient IntConsumer body;

        Range(int lo, int hi, IntConsumer body) {
            this.lo = lo;
            this.hi = hi;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Range(lo, mid, body), new Range(mid, hi, body));
        }
    }
}
