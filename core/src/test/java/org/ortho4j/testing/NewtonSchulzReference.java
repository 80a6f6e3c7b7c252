package org.ortho4j.testing;

import org.ortho4j.Schedule;

/**
 * The Newton–Schulz iteration of docs/algorithms.md §1.1 written out plainly in float64 (no symmetry, no blocking):
 * {@code X = G/(s‖G‖_F + eps)}, transposed when rows > cols, then {@code A = X Xᵀ, B = bA + cA², X = aX + BX}.
 */
public final class NewtonSchulzReference {
    private NewtonSchulzReference() {
    }

    /** NS of the {@code rows × cols} matrix at {@code g[off..]}, row-major float64 result. */
    public static double[] ns(float[] g, int off, int rows, int cols, Schedule.Coefficients co) {
        return ns(g, off, rows, cols, co, 52);
    }

    /**
     * The same iteration with every product operand rounded to {@code mantissaBits} (round half to even, as
     * {@code CpuNewtonSchulz} documents: X in X·Xᵀ and B·X, A in A·A, B in B·X): 10 emulates TF32, 7 BF16, 52 none.
     */
    public static double[] ns(float[] g, int off, int rows, int cols, Schedule.Coefficients co, int mantissaBits) {
        boolean tr = rows > cols;
        int m = Math.min(rows, cols);
        int n = Math.max(rows, cols);
        double ss = 0;
        for (int i = 0; i < rows * cols; i++) {
            ss += (double) g[off + i] * g[off + i];
        }
        double den = co.scale() * Math.sqrt(ss) + co.eps();
        double[][] x = new double[m][n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = den > 0 ? g[off + i * cols + j] / den : 0;
                if (tr) {
                    x[j][i] = v;
                } else {
                    x[i][j] = v;
                }
            }
        }
        for (int t = 0; t < co.steps(); t++) {
            double a = co.a(t);
            double b = co.b(t);
            double c = co.c(t);
            double[][] xr = round(x, mantissaBits);
            double[][] am = new double[m][m];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        s += xr[i][j] * xr[k][j];
                    }
                    am[i][k] = s; // A = X Xᵀ
                }
            }
            double[][] ar = round(am, mantissaBits);
            double[][] bm = new double[m][m];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    double s = 0;
                    for (int p = 0; p < m; p++) {
                        s += ar[i][p] * ar[p][k];
                    }
                    bm[i][k] = b * am[i][k] + c * s; // B = bA + cA²
                }
            }
            double[][] br = round(bm, mantissaBits);
            double[][] xn = new double[m][n];
            for (int i = 0; i < m; i++) {
                double[] row = xn[i];
                for (int j = 0; j < n; j++) {
                    row[j] = a * x[i][j];
                }
                for (int p = 0; p < m; p++) {
                    double f = br[i][p];
                    double[] xp = xr[p];
                    for (int j = 0; j < n; j++) {
                        row[j] += f * xp[j]; // X = aX + BX
                    }
                }
            }
            x = xn;
        }
        double[] out = new double[rows * cols];
        // (x holds the final iterate)
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = tr ? x[j][i] : x[i][j];
            }
        }
        return out;
    }

    /** Each entry rounded to {@code bits} mantissa bits, half to even ({@link Math#rint}); 52 = unchanged. */
    static double[][] round(double[][] a, int bits) {
        if (bits >= 52) {
            return a;
        }
        double[][] r = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            r[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                r[i][j] = roundTo(a[i][j], bits);
            }
        }
        return r;
    }

    /** x rounded to a {@code bits}-bit mantissa (plus the implicit one), half to even. */
    public static double roundTo(double x, int bits) {
        if (x == 0 || !Double.isFinite(x)) {
            return x;
        }
        int e = Math.getExponent(x);
        return Math.scalb(Math.rint(Math.scalb(x, bits - e)), e - bits);
    }
}
