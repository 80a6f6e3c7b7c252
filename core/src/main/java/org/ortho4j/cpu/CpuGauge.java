package org.ortho4j.cpu;

import java.util.concurrent.ForkJoinPool;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.RotationGauge;

/**
 * Gauge projections of DDC (docs/algorithms.md §4), the CPU reference of {@code kernels/gauge.cu}. Each removes from an
 * update its least-squares component along the vertical (symmetry) directions at the weights. Inputs are float;
 * every sum, product and solve runs in double; results are rounded to float once, on store.
 *
 * <h2>Rotation gauge</h2>
 * Shapes and GQA grouping as in {@link RotationGauge}. One task per (layer, K/V group g); the group's
 * <em>terms</em> are {@code d × D} pairs {@code (W_t, G_t)} written to {@code H_t}:
 * <ul>
 * <li>QK: the query heads {@code q = g·r … g·r + r − 1} ({@code W_t} = rows {@code [q·d, (q+1)·d)} of {@code W_Q}),
 *     then K head g (rows {@code [g·d, (g+1)·d)} of {@code W_K}).</li>
 * <li>VO: V head g (rows of {@code W_V}), then for each query head q of the group the transposed column block
 *     {@code W_t = W_O,qᵀ}, {@code G_t = G_O,qᵀ}, where {@code W_O,q} is columns {@code [q·d, (q+1)·d)} of
 *     {@code W_O}. In this view the vertical direction {@code −W_O,q A} of {@code W_O,q} reads {@code A W_t}, and
 *     {@code N = G_V W_Vᵀ − Σ_q W_O,qᵀ G_O,q}, {@code H_O,q = G_O,q + W_O,q A} become the same formulas as for
 *     QK: {@code N − Nᵀ = Σ_t (G_t W_tᵀ − W_t G_tᵀ)}, {@code H_t = G_t − A W_t}.</li>
 * </ul>
 *
 * <p>{@link RotationGauge.Rope#NONE}, the full {@code so(d)}:
 * <ol>
 * <li>{@code S = Σ_t W_t W_tᵀ}, {@code N = Σ_t G_t W_tᵀ} ({@code d × d}, terms in the order above, each entry a
 *     sum over the {@code D} columns in ascending order); {@code K = N − Nᵀ}.</li>
 * <li>{@code S = U Λ Uᵀ} by cyclic Jacobi ({@link #jacobi}).</li>
 * <li>{@code C = Uᵀ K U}; {@code Ã_ij = C_ij / (λ_i + λ_j)}, or 0 where {@code λ_i + λ_j ≤ τ},
 *     {@code τ = 16·d·2⁻⁵²·max(λ_max, 0)} (null directions of {@code S}: there {@code A W_t = 0} for any such
 *     component, so the least-squares solution takes it zero); {@code A = U Ã Uᵀ} (skew-symmetric).</li>
 * <li>{@code H_t = G_t − A W_t}, entry {@code (i, c)} = {@code G_t[i][c] − Σ_k A[i][k]·W_t[k][c]}, k ascending.</li>
 * </ol>
 * {@code A} solves {@code S A + A S = N − Nᵀ}, the normal equations of {@code min_A Σ_t ‖G_t − A W_t‖²} over
 * skew-symmetric {@code A}.
 *
 * <p>{@link RotationGauge.Rope#INTERLEAVED} (pairs {@code (2k, 2k+1)}) and {@link RotationGauge.Rope#HALF}
 * (pairs {@code (k, k + d/2)}), QK only: per pair {@code k} with rows {@code (p0, p1)},
 * {@code E_k W} has row {@code p0 = −W[p1]}, row {@code p1 = W[p0]}, zero elsewhere, and
 * <pre>
 * num = Σ_t Σ_c (G_t[p1][c]·W_t[p0][c] − G_t[p0][c]·W_t[p1][c])     (= Σ_t ⟨G_t, E_k W_t⟩)
 * den = Σ_t Σ_c (W_t[p0][c]² + W_t[p1][c]²)
 * a_k = den > 0 ? num / den : 0
 * H_t[p0][c] = G_t[p0][c] + a_k·W_t[p1][c],   H_t[p1][c] = G_t[p1][c] − a_k·W_t[p0][c]     (H = G − a_k E_k W)
 * </pre>
 *
 * <h2>Scaling gauge</h2>
 * Unit i: row i of {@code w1} ({@code k × D1}) with column i of {@code w2} ({@code D2 × k}):
 * {@code α_i = (⟨G1_i,W1_i⟩ − ⟨G2_i,W2_i⟩) / (‖W1_i‖² + ‖W2_i‖²)} (0 when the denominator is 0),
 * {@code H1_i = G1_i − α_i W1_i}, {@code H2_i = G2_i + α_i W2_i}.
 *
 * <h2>Logit-shift gauge</h2>
 * {@code H[i][j] = G[i][j] − (Σ_i' G[i'][j]) / rows}.
 *
 * <p>Work split over the pool: rotation, one task per (layer, K/V group); scaling, one per (layer, block of
 * {@value #UNIT_BLOCK} units); logit shift, one per (layer, block of {@value #COL_BLOCK} columns). Tasks write
 * disjoint output elements, and each sum is taken in the order stated above, so results do not depend on the
 * thread count.
 *
 * <p>Non-finite values in any input raise {@link NonFiniteInputException} before any output is written; inputs
 * are checked in argument order ({@code w1, w2, g1, g2}) and the lowest bad matrix of the first bad argument is
 * named.
 */
final class CpuGauge {
    private CpuGauge() {
    }

    /** Jacobi sweeps allowed before giving up on the stopping rule (quadratic convergence needs ~10 for d ≤ 128). */
    static final int MAX_SWEEPS = 40;

    static void rotation(ForkJoinPool pool, RotationGauge gauge, int batch, int rows1, int cols1, int rows2, int cols2,
                         float[] w1, float[] w2, float[] g1, float[] g2, float[] h1, float[] h2) {
        checkFinite(pool, "gaugeRotation", batch, rows1 * cols1, rows2 * cols2, w1, w2, g1, g2);
        int heads = gauge.heads();
        int kv = gauge.kvHeads();
        int r = gauge.groupSize();
        boolean qk = gauge.pair() == RotationGauge.Pair.QK;
        int d = qk ? rows1 / heads : rows1 / kv;
        int width = cols1;                                              // D
        int n1 = rows1 * cols1;
        int n2 = rows2 * cols2;
        RotationGauge.Rope rope = gauge.rope();
        CpuSoftThreshold.forEach(pool, batch * kv, task -> {
            int b = task / kv;
            int g = task % kv;
            View[] terms = new View[r + 1];
            if (qk) {
                for (int j = 0; j < r; j++) {
                    int q = g * r + j;                                  // query head of group g
                    terms[j] = new View(w1, g1, h1, b * n1 + q * d * width, width, 1);
                }
                terms[r] = new View(w2, g2, h2, b * n2 + g * d * width, width, 1);
            } else {
                terms[0] = new View(w1, g1, h1, b * n1 + g * d * width, width, 1);
                for (int j = 0; j < r; j++) {
                    int q = g * r + j;                                  // W_O,qᵀ: (i, c) at row c, column q·d + i
                    terms[j + 1] = new View(w2, g2, h2, b * n2 + q * d, 1, cols2);
                }
            }
            if (rope == RotationGauge.Rope.NONE) {
                fullRotation(terms, d, width);
            } else {
                ropeRotation(terms, d, width, rope == RotationGauge.Rope.HALF);
            }
        });
    }

    /** A {@code d × D} block of a (w, g, h) triple: element (i, c) at {@code off + i·rowStride + c·colStride}. */
    private static final class View {
        final float[] w;
        final float[] g;
        final float[] h;
        final int off;
        final int rowStride;
        final int colStride;

        View(float[] w, float[] g, float[] h, int off, int rowStride, int colStride) {
            this.w = w;
            this.g = g;
            this.h = h;
            this.off = off;
            this.rowStride = rowStride;
            this.colStride = colStride;
        }

        /** Copies the block of {@code src} into a row-major {@code d × D} double array. */
        void gather(float[] src, int d, int width, double[] dst) {
            for (int i = 0; i < d; i++) {
                int base = off + i * rowStride;
                for (int c = 0; c < width; c++) {
                    dst[i * width + c] = src[base + c * colStride];
                }
            }
        }

        void scatter(double[] src, int d, int width) {
            for (int i = 0; i < d; i++) {
                int base = off + i * rowStride;
                for (int c = 0; c < width; c++) {
                    h[base + c * colStride] = (float) src[i * width + c];
                }
            }
        }
    }

    private static void fullRotation(View[] terms, int d, int width) {
        double[] w = new double[d * width];
        double[] g = new double[d * width];
        double[] s = new double[d * d];
        double[] nm = new double[d * d];
        for (View t : terms) {
            t.gather(t.w, d, width, w);
            t.gather(t.g, d, width, g);
            for (int i = 0; i < d; i++) {
                int ri = i * width;
                for (int j = i; j < d; j++) {
                    int rj = j * width;
                    double sij = 0;
                    for (int c = 0; c < width; c++) {
                        sij += w[ri + c] * w[rj + c];                   // (W Wᵀ)_ij, upper triangle
                    }
                    s[i * d + j] += sij;
                }
                for (int j = 0; j < d; j++) {
                    int rj = j * width;
                    double nij = 0;
                    for (int c = 0; c < width; c++) {
                        nij += g[ri + c] * w[rj + c];                   // (G Wᵀ)_ij
                    }
                    nm[i * d + j] += nij;
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                s[i * d + j] = s[j * d + i];                            // S symmetric
            }
        }
        double[] a = skewSolve(s, nm, d);
        double[] acc = new double[width];
        double[] out = g;                                               // H overwrites the gathered G row by row
        for (View t : terms) {
            t.gather(t.w, d, width, w);
            t.gather(t.g, d, width, g);
            for (int i = 0; i < d; i++) {
                System.arraycopy(g, i * width, acc, 0, width);
                for (int k = 0; k < d; k++) {
                    double aik = a[i * d + k];
                    if (aik == 0) {
                        continue;
                    }
                    int rk = k * width;
                    for (int c = 0; c < width; c++) {
                        acc[c] -= aik * w[rk + c];                      // H = G − A W
                    }
                }
                System.arraycopy(acc, 0, out, i * width, width);
            }
            t.scatter(out, d, width);
        }
    }

    /**
     * The skew-symmetric {@code A} with {@code S A + A S = N − Nᵀ} ({@code S} symmetric positive semi-definite,
     * row-major {@code d × d}, overwritten): {@code A = U [C_ij/(λ_i+λ_j)] Uᵀ}, {@code C = Uᵀ(N − Nᵀ)U},
     * components with {@code λ_i + λ_j ≤ 16·d·2⁻⁵²·λ_max} set to zero.
     */
    static double[] skewSolve(double[] s, double[] n, int d) {
        double[] u = new double[d * d];
        double[] lambda = new double[d];
        jacobi(s, d, u, lambda);
        double lmax = 0;
        for (double l : lambda) {
            lmax = Math.max(lmax, l);
        }
        double tiny = 16.0 * d * 0x1p-52 * lmax;
        double[] k = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                k[i * d + j] = n[i * d + j] - n[j * d + i];             // K = N − Nᵀ
            }
        }
        double[] c = multAtBA(u, k, d);                                 // C = Uᵀ K U
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double den = lambda[i] + lambda[j];
                c[i * d + j] = den > tiny ? c[i * d + j] / den : 0.0;   // Ã_ij = C_ij / (λ_i + λ_j)
            }
        }
        // A = U Ã Uᵀ
        double[] t = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double sum = 0;
                for (int l = 0; l < d; l++) {
                    sum += u[i * d + l] * c[l * d + j];
                }
                t[i * d + j] = sum;
            }
        }
        double[] a = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double sum = 0;
                for (int l = 0; l < d; l++) {
                    sum += t[i * d + l] * u[j * d + l];
                }
                a[i * d + j] = sum;
            }
        }
        return a;
    }

    /** {@code Uᵀ K U} for row-major {@code d × d} arrays. */
    private static double[] multAtBA(double[] u, double[] k, int d) {
        double[] ku = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double sum = 0;
                for (int l = 0; l < d; l++) {
                    sum += k[i * d + l] * u[l * d + j];
                }
                ku[i * d + j] = sum;
            }
        }
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double sum = 0;
                for (int l = 0; l < d; l++) {
                    sum += u[l * d + i] * ku[l * d + j];
                }
                c[i * d + j] = sum;
            }
        }
        return c;
    }

    /**
     * Cyclic Jacobi eigen-decomposition of the symmetric row-major {@code d × d} matrix {@code a} (overwritten; its
     * diagonal ends as the eigenvalues): {@code a = U diag(λ) Uᵀ}, eigenvectors in the columns of {@code u}
     * (row-major, written), eigenvalues in {@code lambda} (unsorted, in the order of {@code u}'s columns).
     *
     * <ul>
     * <li>Ordering: row-cyclic sweeps, {@code p = 0 … d−2}, {@code q = p+1 … d−1}; pairs with {@code a_pq = 0}
     *     are skipped.</li>
     * <li>Rotation (Rutishauser's form, Numerical Recipes §11.1): {@code θ = (a_qq − a_pp)/(2 a_pq)},
     *     {@code t = sign(θ)/(|θ| + √(θ² + 1))} with {@code sign(0) = +1} ({@code t = 1/(2θ)} when
     *     {@code |θ| > 1e150}), {@code c = 1/√(t² + 1)}, {@code s = t·c}; then
     *     {@code a_pp −= t·a_pq}, {@code a_qq += t·a_pq}, {@code a_pq = a_qp = 0}, and for every {@code k ≠ p, q}:
     *     {@code a_kp ← c·a_kp − s·a_kq}, {@code a_kq ← s·a_kp + c·a_kq} (and the mirrored {@code a_pk, a_qk});
     *     for every {@code k}: {@code u_kp ← c·u_kp − s·u_kq}, {@code u_kq ← s·u_kp + c·u_kq}.</li>
     * <li>Stopping rule: before each sweep, {@code off = Σ_{p≠q} a_pq²} is compared with
     *     {@code (2⁻⁵²)²·‖a‖_F²} (the Frobenius norm of the input, invariant under rotations); the iteration stops
     *     when {@code off} is at or below it, or after {@link #MAX_SWEEPS} sweeps.</li>
     * </ul>
     *
     * @return the number of sweeps run
     */
    static int jacobi(double[] a, int d, double[] u, double[] lambda) {
        java.util.Arrays.fill(u, 0.0);
        for (int i = 0; i < d; i++) {
            u[i * d + i] = 1.0;
        }
        double norm2 = 0;
        for (double x : a) {
            norm2 += x * x;
        }
        double tol = 0x1p-104 * norm2;                                  // (2⁻⁵²)²·‖a‖_F²
        int sweep = 0;
        for (; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            for (int p = 0; p < d; p++) {
                for (int q = 0; q < d; q++) {
                    if (p != q) {
                        off += a[p * d + q] * a[p * d + q];
                    }
                }
            }
            if (off <= tol) {
                break;
            }
            for (int p = 0; p < d - 1; p++) {
                for (int q = p + 1; q < d; q++) {
                    double apq = a[p * d + q];
                    if (apq == 0) {
                        continue;
                    }
                    double app = a[p * d + p];
                    double aqq = a[q * d + q];
                    double theta = (aqq - app) / (2 * apq);
                    double t;
                    if (Math.abs(theta) > 1e150) {
                        t = 1 / (2 * theta);
                    } else {
                        t = (theta >= 0 ? 1.0 : -1.0) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    a[p * d + p] = app - t * apq;
                    a[q * d + q] = aqq + t * apq;
                    a[p * d + q] = 0;
                    a[q * d + p] = 0;
                    for (int k = 0; k < d; k++) {
                        if (k == p || k == q) {
                            continue;
                        }
                        double akp = a[k * d + p];
                        double akq = a[k * d + q];
                        double nkp = c * akp - s * akq;
                        double nkq = s * akp + c * akq;
                        a[k * d + p] = nkp;
                        a[p * d + k] = nkp;
                        a[k * d + q] = nkq;
                        a[q * d + k] = nkq;
                    }
                    for (int k = 0; k < d; k++) {
                        double ukp = u[k * d + p];
                        double ukq = u[k * d + q];
                        u[k * d + p] = c * ukp - s * ukq;
                        u[k * d + q] = s * ukp + c * ukq;
                    }
                }
            }
        }
        for (int i = 0; i < d; i++) {
            lambda[i] = a[i * d + i];
        }
        return sweep;
    }

    private static void ropeRotation(View[] terms, int d, int width, boolean half) {
        int pairs = d / 2;
        for (int k = 0; k < pairs; k++) {
            int p0 = half ? k : 2 * k;
            int p1 = half ? k + pairs : 2 * k + 1;
            double num = 0;
            double den = 0;
            for (View t : terms) {
                int r0 = t.off + p0 * t.rowStride;
                int r1 = t.off + p1 * t.rowStride;
                for (int c = 0; c < width; c++) {
                    double w0 = t.w[r0 + c * t.colStride];
                    double w1 = t.w[r1 + c * t.colStride];
                    double g0 = t.g[r0 + c * t.colStride];
                    double g1 = t.g[r1 + c * t.colStride];
                    num += g1 * w0 - g0 * w1;                           // ⟨G, E_k W⟩
                    den += w0 * w0 + w1 * w1;                           // ‖W^(k)‖²
                }
            }
            double a = den > 0 ? num / den : 0.0;
            for (View t : terms) {
                int r0 = t.off + p0 * t.rowStride;
                int r1 = t.off + p1 * t.rowStride;
                for (int c = 0; c < width; c++) {
                    int i0 = r0 + c * t.colStride;
                    int i1 = r1 + c * t.colStride;
                    double w0 = t.w[i0];
                    double w1 = t.w[i1];
                    double g0 = t.g[i0];
                    double g1 = t.g[i1];
                    t.h[i0] = (float) (g0 + a * w1);                    // H = G − a E_k W, row p0: E_k W = −w1
                    t.h[i1] = (float) (g1 - a * w0);                    //                   row p1: E_k W = w0
                }
            }
        }
    }

    /** Units per scaling task. */
    private static final int UNIT_BLOCK = 64;

    static void scaling(ForkJoinPool pool, int batch, int k, int d1, int d2, float[] w1, float[] w2, float[] g1, float[] g2,
                        float[] h1, float[] h2) {
        checkFinite(pool, "gaugeScaling", batch, k * d1, d2 * k, w1, w2, g1, g2);
        int blocks = (k + UNIT_BLOCK - 1) / UNIT_BLOCK;
        CpuSoftThreshold.forEach(pool, batch * blocks, task -> {
            int b = task / blocks;
            int u0 = (task % blocks) * UNIT_BLOCK;
            int u1 = Math.min(k, u0 + UNIT_BLOCK);
            int m = u1 - u0;
            double[] num = new double[m];
            double[] den = new double[m];
            int o1 = b * k * d1;
            int o2 = b * d2 * k;
            for (int i = u0; i < u1; i++) {
                double s = 0;
                double n = 0;
                for (int c = 0, at = o1 + i * d1; c < d1; c++, at++) {
                    s += (double) g1[at] * w1[at];                      // ⟨G1_i, W1_i⟩
                    n += (double) w1[at] * w1[at];                      // ‖W1_i‖²
                }
                num[i - u0] = s;
                den[i - u0] = n;
            }
            double[] s2 = new double[m];
            for (int row = 0; row < d2; row++) {
                int at = o2 + row * k;
                for (int i = u0; i < u1; i++) {
                    s2[i - u0] += (double) g2[at + i] * w2[at + i];     // ⟨G2_i, W2_i⟩
                    den[i - u0] += (double) w2[at + i] * w2[at + i];    // + ‖W2_i‖²
                }
            }
            double[] alpha = new double[m];
            for (int i = 0; i < m; i++) {
                alpha[i] = den[i] > 0 ? (num[i] - s2[i]) / den[i] : 0.0;  // α_i
            }
            for (int i = u0; i < u1; i++) {
                double al = alpha[i - u0];
                for (int c = 0, at = o1 + i * d1; c < d1; c++, at++) {
                    h1[at] = (float) (g1[at] - al * w1[at]);            // H1 = G1 − α W1
                }
            }
            for (int row = 0; row < d2; row++) {
                int at = o2 + row * k;
                for (int i = u0; i < u1; i++) {
                    h2[at + i] = (float) (g2[at + i] + alpha[i - u0] * w2[at + i]);  // H2 = G2 + α W2
                }
            }
        });
    }

    /** Columns per logit-shift task. */
    private static final int COL_BLOCK = 256;

    static void logitShift(ForkJoinPool pool, int batch, int rows, int cols, float[] g, float[] h) {
        checkFinite(pool, "gaugeLogitShift", batch, rows * cols, 0, g);
        int blocks = (cols + COL_BLOCK - 1) / COL_BLOCK;
        CpuSoftThreshold.forEach(pool, batch * blocks, task -> {
            int b = task / blocks;
            int c0 = (task % blocks) * COL_BLOCK;
            int c1 = Math.min(cols, c0 + COL_BLOCK);
            int off = b * rows * cols;
            double[] mean = new double[c1 - c0];
            for (int i = 0; i < rows; i++) {
                int at = off + i * cols;
                for (int j = c0; j < c1; j++) {
                    mean[j - c0] += g[at + j];                          // Σ_i G_ij
                }
            }
            for (int j = 0; j < mean.length; j++) {
                mean[j] /= rows;                                        // column mean
            }
            for (int i = 0; i < rows; i++) {
                int at = off + i * cols;
                for (int j = c0; j < c1; j++) {
                    h[at + j] = (float) (g[at + j] - mean[j - c0]);     // H = G − 1·meanᵀ
                }
            }
        });
    }

    /**
     * Throws for the first argument (in order w1, w2, g1, g2, or g alone) that holds a non-finite value. The
     * arrays alternate sizes: {@code n1} per matrix for the 1st and 3rd, {@code n2} for the 2nd and 4th.
     */
    private static void checkFinite(ForkJoinPool pool, String op, int batch, int n1, int n2, float[]... arrays) {
        String[] names = arrays.length == 1 ? new String[] {"g"} : new String[] {"w1", "w2", "g1", "g2"};
        for (int i = 0; i < arrays.length; i++) {
            int bad = CpuSoftThreshold.firstNonFinite(pool, arrays[i], batch, i % 2 == 0 ? n1 : n2);
            if (bad >= 0) {
                throw new NonFiniteInputException(op, names[i], bad);
            }
        }
    }
}
