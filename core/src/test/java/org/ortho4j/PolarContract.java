package org.ortho4j;

import org.ortho4j.testing.BackendContract;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ortho4j.testing.PolarChecks;
import org.ortho4j.testing.TestMatrices;
import org.ortho4j.testing.Tolerances;

/**
 * The contract of {@link Context#polar}: {@code polar(G) = U Vᵀ} from an SVD in float64, stored in float32, with
 * singular values {@code ≤ max(m,n)·2⁻⁵²·σ_max} dropped. Every backend runs this battery.
 *
 * <p>Sizes cover 1×1, a row, a column, primes, tall and wide, the 128 per side limit of the Jacobi path and just
 * above it (129), with and without the QR preprocessing of the large path (M ≥ 1.6·N), batch 1 and 5.
 */
public abstract class PolarContract extends BackendContract {

    /** Runs polar on a NaN-poisoned output and returns it; every element must have been written. */
    protected float[] polar(float[] g, int batch, int m, int n) {
        try (MatrixBatch in = ctx.upload(g, batch, m, n); MatrixBatch out = ctx.allocate(batch, m, n)) {
            out.fill(Float.NaN);
            ctx.polar(in, out);
            float[] q = out.toArray();
            for (int i = 0; i < q.length; i++) {
                assertTrue(Float.isFinite(q[i]), "element " + i + " of polar output not written (or not finite)");
            }
            assertArrayEquals(g, in.toArray(), "polar modified its input");
            return q;
        }
    }

    private static float[] conditionedBatch(Random r, int batch, int m, int n, double cond) {
        float[] g = new float[batch * m * n];
        for (int b = 0; b < batch; b++) {
            float[] one = TestMatrices.withSpectrum(r, m, n, TestMatrices.conditioned(m, n, cond));
            System.arraycopy(one, 0, g, b * m * n, m * n);
        }
        return g;
    }

    @ParameterizedTest(name = "{0}x{1}x{2}")
    @CsvSource({
        "1, 1, 1", "5, 1, 1", "1, 1, 17", "1, 17, 1", "5, 1, 9", "5, 9, 1", "1, 2, 2", "1, 3, 2", "1, 2, 3",
        "1, 13, 31", "1, 31, 13", "5, 13, 31", "1, 97, 61", "1, 61, 97", "5, 7, 11", "5, 24, 16",
        "1, 128, 128", "1, 128, 300", "1, 129, 200", "1, 200, 129", "1, 300, 129", "2, 140, 150",
    })
    void matchesFloat64SvdOnWellConditionedInput(int batch, int m, int n) {
        Random r = TestMatrices.rng();
        float[] g = conditionedBatch(r, batch, m, n, 10);
        float[] q = polar(g, batch, m, n);
        for (int b = 0; b < batch; b++) {
            double[] ref = TestMatrices.polar64(g, b * m * n, m, n);
            double err = TestMatrices.relError(q, b * m * n, ref, 0, m * n);
            assertTrue(err <= Tolerances.POLAR_VS_SVD, m + "x" + n + " matrix " + b + ": rel error " + err);
        }
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"1, 1", "1, 6", "6, 1", "3, 3", "13, 31", "31, 13", "64, 64", "128, 5", "130, 140", "320, 130", "131, 131"})
    void hasOrthonormalRowsOrColumnsAndSymmetricPsdQtG(int m, int n) {
        Random r = TestMatrices.rng();
        int batch = 2;
        float[] g = TestMatrices.gaussian(r, batch * m * n); // any conditioning: Gaussian
        float[] q = polar(g, batch, m, n);
        for (int b = 0; b < batch; b++) {
            DMatrixRMaj qm = PolarChecks.matrix(q, b, m, n);
            double orth = PolarChecks.orthonormalityError(qm);
            assertTrue(orth <= Tolerances.POLAR_VS_SVD, "orthonormality error " + orth);
            double[] sp = PolarChecks.qtgSymmetricPsd(qm, PolarChecks.matrix(g, b, m, n));
            assertTrue(sp[0] <= Tolerances.POLAR_VS_SVD, "QᵀG asymmetry " + sp[0]);
            assertTrue(sp[1] >= -Tolerances.POLAR_VS_SVD, "QᵀG min eigenvalue / ‖QᵀG‖_F = " + sp[1]);
        }
    }

    /**
     * Exact-rank integer products (see {@link PolarChecks#exactRank}): the output is the partial isometry on the
     * range, so {@code Q Qᵀ Q = Q}, its singular values are 0 or 1 with exactly {@code rank} ones,
     * {@code Q Qᵀ G = G} and {@code QᵀG} is symmetric positive semidefinite.
     */
    @ParameterizedTest(name = "{0}x{1} rank {2}")
    @CsvSource({"2, 2, 1", "9, 6, 3", "6, 9, 3", "20, 35, 5", "35, 20, 1", "128, 128, 60", "150, 140, 7", "130, 300, 10", "300, 130, 129"})
    void rankDeficientInputGivesPartialIsometry(int m, int n, int rank) {
        Random r = TestMatrices.rng();
        float[] g = PolarChecks.exactRank(r, m, n, rank);
        float[] q = polar(g, 1, m, n);
        DMatrixRMaj qm = PolarChecks.matrix(q, 0, m, n);
        DMatrixRMaj gm = PolarChecks.matrix(g, 0, m, n);
        double idem = PolarChecks.relDiff(PolarChecks.qqtq(qm), qm);
        assertTrue(idem <= Tolerances.POLAR_VS_SVD, "‖QQᵀQ − Q‖/‖Q‖ = " + idem);
        double[] s = TestMatrices.singularValues(q, 0, m, n);
        int ones = 0;
        for (double x : s) {
            boolean one = Math.abs(x - 1) <= Tolerances.POLAR_VS_SVD;
            boolean zero = Math.abs(x) <= Tolerances.POLAR_VS_SVD;
            assertTrue(one || zero, "singular value " + x + " of Q is neither 0 nor 1");
            ones += one ? 1 : 0;
        }
        assertEquals(rank, ones, "rank of Q");
        double proj = PolarChecks.relDiff(PolarChecks.projectOnRange(qm, gm), gm);
        assertTrue(proj <= Tolerances.POLAR_VS_SVD, "‖QQᵀG − G‖/‖G‖ = " + proj);
        double[] sp = PolarChecks.qtgSymmetricPsd(qm, gm);
        assertTrue(sp[0] <= Tolerances.POLAR_VS_SVD && sp[1] >= -Tolerances.POLAR_VS_SVD, "QᵀG symmetric PSD: " + sp[0] + ", " + sp[1]);
    }

    @Test
    void zeroRowsAndColumnsAreRankDeficiency() {
        Random r = TestMatrices.rng();
        int m = 7;
        int n = 5;
        float[] g = TestMatrices.gaussian(r, m * n);
        for (int j = 0; j < n; j++) {
            g[2 * n + j] = 0; // row 2
        }
        for (int i = 0; i < m; i++) {
            g[i * n + 4] = 0; // column 4
        }
        float[] q = polar(g, 1, m, n);
        for (int j = 0; j < n; j++) {
            assertEquals(0f, q[2 * n + j], 0f, "row 2 of Q");
        }
        for (int i = 0; i < m; i++) {
            assertEquals(0f, q[i * n + 4], 1e-7f, "column 4 of Q");
        }
        double[] s = TestMatrices.singularValues(q, 0, m, n);
        assertEquals(1.0, s[3], Tolerances.POLAR_VS_SVD);
        assertEquals(0.0, s[4], Tolerances.POLAR_VS_SVD);
    }

    @ParameterizedTest(name = "{0}x{1}x{2}")
    @CsvSource({"1, 1, 1", "3, 4, 7", "1, 64, 1", "1, 130, 140", "1, 300, 130"})
    void zeroMapsToZero(int batch, int m, int n) {
        float[] q = polar(new float[batch * m * n], batch, m, n);
        for (float x : q) {
            assertEquals(0f, x, 0f);
        }
    }

    @Test
    void handExamples() {
        // 1×1: polar(x) = sign(x)
        assertArrayEquals(new float[] {-1f, 1f, 0f}, polar(new float[] {-3f, 0.25f, 0f}, 3, 1, 1), 0f);
        // a row: polar(x) = x / ‖x‖₂
        assertArrayEquals(new float[] {0.6f, 0f, -0.8f}, polar(new float[] {3f, 0f, -4f}, 1, 1, 3), 1e-7f);
        // a column
        assertArrayEquals(new float[] {0f, 0.6f, 0.8f}, polar(new float[] {0f, 6f, 8f}, 1, 3, 1), 1e-7f);
        // diag(2, -3) padded: U Vᵀ keeps the signs
        assertArrayEquals(new float[] {1f, 0f, 0f, 0f, -1f, 0f}, polar(new float[] {2f, 0f, 0f, 0f, -3f, 0f}, 1, 2, 3), 1e-7f);
        // [[1, 1], [0, 0]] has rank 1: polar = [[1, 1], [0, 0]]/sqrt(2)
        float h = (float) Math.sqrt(0.5);
        assertArrayEquals(new float[] {h, h, 0f, 0f}, polar(new float[] {1f, 1f, 0f, 0f}, 1, 2, 2), 1e-7f);
        // a rotation times an SPD matrix: [[cos, -sin], [sin, cos]]·diag(3, 1)
        double c = Math.cos(0.3);
        double s = Math.sin(0.3);
        float[] g = {(float) (3 * c), (float) (-s), (float) (3 * s), (float) c};
        assertArrayEquals(new float[] {(float) c, (float) -s, (float) s, (float) c}, polar(g, 1, 2, 2), 2e-7f);
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"12, 12", "40, 9", "9, 40", "130, 130"})
    void orthogonalInputIsFixed(int m, int n) {
        Random r = TestMatrices.rng();
        float[] g = TestMatrices.withSpectrum(r, m, n, TestMatrices.conditioned(m, n, 1));
        float[] q = polar(g, 1, m, n);
        double err = TestMatrices.relError(q, g);
        assertTrue(err <= Tolerances.POLAR_VS_SVD, "polar(Q) vs Q: " + err);
    }

    @ParameterizedTest(name = "scale {0}")
    @CsvSource({"1e30", "1e-30", "3.7"})
    void invariantUnderPositiveScalingEvenAtExtremes(float scale) {
        Random r = TestMatrices.rng();
        int m = 17;
        int n = 11;
        float[] g = conditionedBatch(r, 1, m, n, 10);
        float[] gs = g.clone();
        for (int i = 0; i < gs.length; i++) {
            gs[i] *= scale;
        }
        double err = TestMatrices.relError(polar(gs, 1, m, n), polar(g, 1, m, n));
        assertTrue(err <= Tolerances.POLAR_VS_SVD, "polar(cG) vs polar(G): " + err);
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"11, 7", "7, 11", "130, 132"})
    void inPlaceEqualsOutOfPlace(int m, int n) {
        Random r = TestMatrices.rng();
        int batch = 3;
        float[] g = TestMatrices.gaussian(r, batch * m * n);
        float[] expected = polar(g, batch, m, n);
        try (MatrixBatch x = ctx.upload(g, batch, m, n)) {
            ctx.polar(x, x);
            assertArrayEquals(expected, x.toArray(), 0f);
        }
    }

    @ParameterizedTest(name = "{0}x{1} value {2}")
    @CsvSource({"6, 5, NaN", "6, 5, Infinity", "5, 6, -Infinity", "130, 131, NaN"})
    void nonFiniteInputThrowsBeforeWriting(int m, int n, float bad) {
        Random r = TestMatrices.rng();
        int batch = 4;
        float[] g = TestMatrices.gaussian(r, batch * m * n);
        g[2 * m * n + m * n - 1] = bad; // last element of matrix 2
        g[3 * m * n] = Float.NaN; // and matrix 3
        try (MatrixBatch in = ctx.upload(g, batch, m, n); MatrixBatch out = ctx.allocate(batch, m, n)) {
            out.fill(7f);
            NonFiniteInputException e = assertThrows(NonFiniteInputException.class, () -> ctx.polar(in, out));
            assertEquals(2, e.batchIndex());
            assertEquals("polar", e.operation());
            assertEquals("g", e.argument());
            for (float x : out.toArray()) {
                assertEquals(7f, x, 0f, "output written despite non-finite input");
            }
        }
    }
}
