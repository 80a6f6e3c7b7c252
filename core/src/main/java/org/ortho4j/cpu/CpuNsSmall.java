package org.ortho4j.cpu;

import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * The Newton–Schulz iteration of {@link CpuNewtonSchulz} for one small matrix on one thread, every matrix held as
 * an array of row arrays, so that the products need neither packing nor staging: each inner loop is
 * {@code c[j] = fma(x, b[j], c[j])} over rows that all start at index 0, which C2 vectorises.
 *
 * <p>Arithmetic: exactly that of {@link CpuMatmul#gemm} (prologue {@code C = β·D}, then p increasing in groups of
 * four with the same expressions, {@code α} multiplying the left factor), so the results are bitwise equal to the
 * row-block path of {@link CpuNewtonSchulz} and do not depend on which path or how many threads ran. The symmetric
 * products compute row i from column {@code i & ~7} (an aligned start vectorises better) and mirror the upper
 * triangle onto the lower one, as the blocked path does.
 *
 * <p>Scratch: {@code 3·m·n + 4·m²} floats at most, allocated once per worker and reused.
 */
final class CpuNsSmall {
    /** Matrices with {@code m·n} at most this many floats take this path ({@code -Dortho4j.nsSmall} overrides). */
    static final int MAX_SIZE = Integer.getInteger("ortho4j.nsSmall", 128 * 128);

    private final int m;
    private final int n;
    private final Precision precision;
    private float[][] x;
    private float[][] xn;
    private final float[][] xr;
    private final float[][] xt;
    private final float[][] a;
    private final float[][] ar;
    private final float[][] bm;
    private final float[][] br;

    CpuNsSmall(int m, int n, Precision precision) {
        this.m = m;
        this.n = n;
        this.precision = precision;
        boolean reduced = precision != Precision.FP32;
        x = new float[m][n];
        xn = new float[m][n];
        xr = reduced ? new float[m][n] : null;
        xt = new float[n][m];
        a = new float[m][m];
        ar = reduced ? new float[m][m] : a;
        bm = new float[m][m];
        br = reduced ? new float[m][m] : bm;
    }

    /** NS of the rows × cols matrix at g[off..] with inverse scale {@code inv}, written to out[off..]. */
    void matrix(float[] g, float[] out, int off, int rows, int cols, float inv, Schedule.Coefficients co) {
        boolean transposed = rows > cols;
        for (int i = 0; i < m; i++) {
            float[] xi = x[i];
            if (!transposed) {
                for (int j = 0; j < n; j++) {
                    xi[j] = inv * g[off + i * n + j]; // X = inv·G
                }
            } else {
                for (int j = 0; j < n; j++) {
                    xi[j] = inv * g[off + j * m + i]; // X = inv·Gᵀ (G is n × m)
                }
            }
        }
        if (inv != 0f) {
            for (int t = 0; t < co.steps(); t++) {
                step((float) co.a(t), (float) co.b(t), (float) co.c(t));
            }
        }
        for (int i = 0; i < m; i++) {
            float[] xi = x[i];
            if (!transposed) {
                System.arraycopy(xi, 0, out, off + i * n, n);
            } else {
                for (int j = 0; j < n; j++) {
                    out[off + j * m + i] = xi[j]; // out (n × m) = Xᵀ
                }
            }
        }
    }

    /** One step: A = Xr Xrᵀ, B = b·A + c·Ar·Ar, X = a·X + Br·Xr (operands rounded as in the class comment of NS). */
    private void step(float ca, float cb, float cc) {
        float[][] xop = x;
        if (precision != Precision.FP32) {
            for (int i = 0; i < m; i++) {
                CpuMatmul.round(precision, x[i], 0, xr[i], 0, n); // Xr = ρ(X)
            }
            xop = xr;
        }
        for (int i = 0; i < m; i++) {
            float[] xi = xop[i];
            for (int p = 0; p < n; p++) {
                xt[p][i] = xi[p]; // Xrᵀ
            }
        }
        // A = Xr · Xrᵀ (row i from column i & ~7, then mirrored)
        for (int i = 0; i < m; i++) {
            float[] ai = a[i];
            int o = i & ~7;
            java.util.Arrays.fill(ai, o, m, 0f);
            row(1f, xop[i], xt, n, ai, o, m);
        }
        mirror(a);
        for (int i = 0; i < m; i++) {
            CpuMatmul.round(precision, a[i], 0, ar[i], 0, m); // Ar = ρ(A)
        }
        // B = b·A + c·Ar·Ar
        for (int i = 0; i < m; i++) {
            float[] bi = bm[i];
            float[] ai = a[i];
            int o = i & ~7;
            for (int j = o; j < m; j++) {
                bi[j] = cb * ai[j];
            }
            row(cc, ar[i], ar, m, bi, o, m);
        }
        mirror(bm);
        for (int i = 0; i < m; i++) {
            CpuMatmul.round(precision, bm[i], 0, br[i], 0, m); // Br = ρ(B)
        }
        // X' = a·X + Br · Xr
        for (int i = 0; i < m; i++) {
            float[] yi = xn[i];
            float[] xi = x[i];
            for (int j = 0; j < n; j++) {
                yi[j] = ca * xi[j];
            }
            row(1f, br[i], xop, m, yi, 0, n);
        }
        float[][] tmp = x;
        x = xn;
        xn = tmp;
    }

    /** S[j][i] = S[i][j] for j > i. */
    private void mirror(float[][] s) {
        for (int i = 0; i < m; i++) {
            float[] si = s[i];
            for (int j = i + 1; j < m; j++) {
                s[j][i] = si[j];
            }
        }
    }

    /** {@code c[j] += alpha·Σ_{p<k} arow[p]·b[p][j]} for {@code j ∈ [o, len)}: the kernel of {@link CpuMatmul#gemm}. */
    private static void row(float alpha, float[] arow, float[][] b, int k, float[] c, int o, int len) {
        CpuMatmul.row(alpha, arow, 0, b, 0, k, c, o, len);
    }
}
