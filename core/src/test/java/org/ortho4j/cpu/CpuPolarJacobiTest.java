package org.ortho4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ortho4j.testing.TestMatrices;

/**
 * White-box checks of {@link CpuPolar#jacobi}, the algorithm the GPU Jacobi kernel mirrors: it converges (a
 * sweep with no rotation) well before {@link CpuPolar#MAX_SWEEPS}, the columns end mutually orthogonal to the
 * stated tolerance, {@code V} stays orthogonal, {@code A_in·V = A_out} and the column norms are the singular
 * values; and the round-robin schedule meets every pair exactly once per sweep.
 */
class CpuPolarJacobiTest {

    @ParameterizedTest(name = "{0}x{1} cond {2}")
    @CsvSource({"1, 1, 1", "2, 2, 10", "3, 2, 10", "17, 17, 1e3", "40, 13, 1e6", "128, 128, 10", "300, 128, 1e4", "64, 63, 1e12"})
    void convergesToOrthogonalColumns(int m, int n, double cond) {
        Random r = TestMatrices.rng();
        float[] g = TestMatrices.withSpectrum(r, m, n, TestMatrices.conditioned(m, n, cond));
        double[] a = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                a[j * m + i] = g[i * n + j]; // column-major A = G (m ≥ n)
            }
        }
        double[] a0 = a.clone();
        double[] v = new double[n * n];
        for (int k = 0; k < n; k++) {
            v[k * n + k] = 1;
        }
        int sweeps = CpuPolar.jacobi(a, v, m, n);
        assertTrue(sweeps < CpuPolar.MAX_SWEEPS, "did not converge: " + sweeps + " sweeps");
        double tol = Math.sqrt(m) * 0x1p-53;
        for (int p = 0; p < n; p++) {
            for (int q = p + 1; q < n; q++) {
                double ap = 0;
                double aq = 0;
                double pq = 0;
                for (int i = 0; i < m; i++) {
                    ap += a[p * m + i] * a[p * m + i];
                    aq += a[q * m + i] * a[q * m + i];
                    pq += a[p * m + i] * a[q * m + i];
                }
                assertTrue(Math.abs(pq) <= tol * Math.sqrt(ap) * Math.sqrt(aq), "columns " + p + ", " + q + " not orthogonal");
            }
        }
        // V orthogonal, A0·V = A
        double worst = 0;
        for (int p = 0; p < n; p++) {
            for (int q = 0; q < n; q++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += v[p * n + i] * v[q * n + i];
                }
                worst = Math.max(worst, Math.abs(s - (p == q ? 1 : 0)));
            }
        }
        assertTrue(worst <= 1e-12, "VᵀV − I: " + worst);
        double num = 0;
        double den = 0;
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += a0[j * m + i] * v[k * n + j]; // (A0 V)_ik
                }
                num += (s - a[k * m + i]) * (s - a[k * m + i]);
                den += a[k * m + i] * a[k * m + i];
            }
        }
        assertTrue(Math.sqrt(num / den) <= 1e-12, "A0·V vs A: " + Math.sqrt(num / den));
        // column norms = singular values of the float input (as float64)
        double[] sigma = TestMatrices.singularValues(g, 0, m, n);
        double[] norms = new double[n];
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int i = 0; i < m; i++) {
                s += a[k * m + i] * a[k * m + i];
            }
            norms[k] = Math.sqrt(s);
        }
        java.util.Arrays.sort(norms);
        for (int k = 0; k < n; k++) {
            assertEquals(sigma[k], norms[n - 1 - k], 1e-12 * sigma[0], "singular value " + k);
        }
    }

    /** The round-robin ordering visits each unordered pair once per sweep (every N, odd and even). */
    @Test
    void roundRobinCoversEveryPairOnce() {
        for (int n = 1; n <= 20; n++) {
            int[][] seen = new int[n][n];
            int np = n + (n & 1);
            int rounds = np - 1;
            for (int r = 0; r < rounds; r++) {
                boolean[] used = new boolean[n];
                for (int k = 0; k < np / 2; k++) {
                    int[] pq = new int[2];
                    CpuPolar.roundRobinPair(np, r, k, pq);
                    int p = pq[0];
                    int q = pq[1];
                    if (q >= n) {
                        continue;
                    }
                    assertTrue(!used[p] && !used[q], "pairs of round " + r + " overlap (n=" + n + ")");
                    used[p] = true;
                    used[q] = true;
                    seen[p][q]++;
                }
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    assertEquals(1, seen[p][q], "pair (" + p + "," + q + ") for n=" + n);
                }
            }
        }
    }
}
