package org.ortho4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The CPU reference's building blocks: the Jacobi eigensolver (d up to 128) and the selection behind ε. */
class CpuGaugeInternalsTest {

    @Test
    void jacobiDecomposesUpToHeadSize128() {
        Random r = new Random(11);
        for (int d : new int[] {1, 2, 3, 8, 17, 64, 128}) {
            for (int rank : new int[] {d, Math.max(1, d / 2)}) {
                // S = X Xᵀ with X d × rank: positive semi-definite, singular when rank < d.
                double[] x = new double[d * rank];
                for (int i = 0; i < x.length; i++) {
                    x[i] = r.nextGaussian();
                }
                double[] s = new double[d * d];
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        double sum = 0;
                        for (int k = 0; k < rank; k++) {
                            sum += x[i * rank + k] * x[j * rank + k];
                        }
                        s[i * d + j] = sum;
                    }
                }
                double[] a = s.clone();
                double[] u = new double[d * d];
                double[] lambda = new double[d];
                int sweeps = CpuGauge.jacobi(a, d, u, lambda);
                assertTrue(sweeps < CpuGauge.MAX_SWEEPS, "d=" + d + ": no convergence in " + sweeps + " sweeps");
                double norm = 0;
                double err = 0;
                double orth = 0;
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        double rec = 0;
                        double uu = 0;
                        for (int k = 0; k < d; k++) {
                            rec += u[i * d + k] * lambda[k] * u[j * d + k];    // (U Λ Uᵀ)_ij
                            uu += u[k * d + i] * u[k * d + j];                 // (Uᵀ U)_ij
                        }
                        err = Math.max(err, Math.abs(rec - s[i * d + j]));
                        norm = Math.max(norm, Math.abs(s[i * d + j]));
                        orth = Math.max(orth, Math.abs(uu - (i == j ? 1 : 0)));
                    }
                }
                assertTrue(err <= 1e-12 * Math.max(norm, 1) * d, "d=" + d + " rank=" + rank + ": ‖UΛUᵀ − S‖ " + err);
                assertTrue(orth <= 1e-12 * d, "d=" + d + ": UᵀU − I " + orth);
            }
        }
    }

    @Test
    void skewSolveSatisfiesLyapunov() {
        Random r = new Random(12);
        int d = 9;
        double[] x = new double[d * 20];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        double[] s = new double[d * d];
        double[] n = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < 20; k++) {
                    s[i * d + j] += x[i * 20 + k] * x[j * 20 + k];
                }
                n[i * d + j] = r.nextGaussian();
            }
        }
        double[] a = CpuGauge.skewSolve(s.clone(), n, d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double lhs = 0;
                for (int k = 0; k < d; k++) {
                    lhs += s[i * d + k] * a[k * d + j] + a[i * d + k] * s[k * d + j];   // (S A + A S)_ij
                }
                double rhs = n[i * d + j] - n[j * d + i];
                assertEquals(rhs, lhs, 1e-10, "S A + A S = N − Nᵀ at " + i + "," + j);
                assertEquals(-a[j * d + i], a[i * d + j], 1e-12, "A skew at " + i + "," + j);
            }
        }
    }

    @Test
    void selectFindsEveryRank() {
        Random r = new Random(13);
        for (int n : new int[] {1, 2, 5, 16, 17, 100, 1000}) {
            float[][] inputs = new float[4][n];
            for (int i = 0; i < n; i++) {
                inputs[0][i] = r.nextFloat();
                inputs[1][i] = i;
                inputs[2][i] = r.nextInt(3);
                inputs[3][i] = i % 2 == 0 ? i : n - i;
            }
            for (float[] in : inputs) {
                float[] sorted = in.clone();
                Arrays.sort(sorted);
                for (int k = 0; k < n; k += Math.max(1, n / 37)) {
                    float[] a = in.clone();
                    float v = CpuSoftThreshold.select(a, n, k);
                    assertEquals(sorted[k], v, 0f, "rank " + k + " of " + n);
                    for (int i = 0; i < n; i++) {
                        int at = i;
                        assertTrue(i < k ? a[i] <= v : i == k ? a[i] == v : a[i] >= v, () -> "partition at " + at);
                    }
                }
            }
        }
    }
}
