package org.ortho4j.testing;

import org.ortho4j.Schedule;

/**
 * The Newton–Schulz iteration of ALGORITHMS.md §1 written out plainly in float64 (no symmetry, no blocking):
 * {@code X = G/(s‖G‖_F + eps)}, transposed when rows > cols, then {@code A = X Xᵀ, B = bA + cA², X = aX + BX}.
 */
public final class NewtonSchulzReference {
    private NewtonSchulzReference() {
    }

    /** NS of the {@code rows × cols} matrix at {@code g[off..]}, row-major float64 result. */
    public static double[] ns(float[] g, int off, int rows, int cols, Schedule.Coefficients co) {
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
            double[][] am = new double[m][m];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        s += x[i][j] * x[k][j];
                    }
                    am[i][k] = s; // A = X Xᵀ
                }
            }
            double[][] bm = new double[m][m];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    double s = 0;
                    for (int p = 0; p < m; p++) {
                        s += am[i][p] * am[p][k];
                    }
                    bm[i][k] = b * am[i][k] + c * s; // B = bA + cA²
                }
            }
            double[][] xn = new double[m][n];
            for (int i = 0; i < m; i++) {
                double[] row = xn[i];
                for (int j = 0; j < n; j++) {
                    row[j] = a * x[i][j];
                }
                for (int p = 0; p < m; p++) {
                    double f = bm[i][p];
                    double[] xp = x[p];
                    for (int j = 0; j < n; j++) {
                        row[j] += f * xp[j]; // X = aX + BX
                    }
                }
            }
            x = xn;
        }
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = tr ? x[j][i] : x[i][j];
            }
        }
        return out;
    }
}
