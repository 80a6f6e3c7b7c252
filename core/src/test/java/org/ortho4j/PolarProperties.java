package org.ortho4j;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.ejml.data.DMatrixRMaj;
import org.ortho4j.testing.PolarChecks;
import org.ortho4j.testing.TestMatrices;
import org.ortho4j.testing.Tolerances;

/**
 * Invariants of the exact polar factor on random shapes (1..40 per side, batch 1..3) and seeds:
 * <ul>
 * <li>agreement with the float64 SVD on well-conditioned input (condition number ≤ 100);</li>
 * <li>equivariance {@code polar(P G Qᵀ) = P polar(G) Qᵀ} for orthogonal P, Q (docs/algorithms.md §2.1);</li>
 * <li>{@code polar(Gᵀ) = polar(G)ᵀ} and {@code polar(c·G) = polar(G)} for {@code c > 0};</li>
 * <li>orthonormal rows or columns and {@code QᵀG} symmetric PSD on any Gaussian input.</li>
 * </ul>
 * Tolerances: {@link Tolerances#POLAR_VS_SVD}. The polar factor's relative sensitivity to a relative input
 * perturbation is at most ~2·cond, so float32 rounding of the inputs (6e-8) costs ≤ 1.2e-5·cond/100.
 */
class PolarProperties {
    private static Context ctx;

    @BeforeContainer
    static void open() {
        ctx = Context.create(BackendKind.CPU);
    }

    @AfterContainer
    static void close() {
        ctx.close();
    }

    private static float[] polar(float[] g, int batch, int m, int n) {
        try (MatrixBatch in = ctx.upload(g, batch, m, n); MatrixBatch out = ctx.polar(in)) {
            return out.toArray();
        }
    }

    private static float[] conditioned(Random r, int batch, int m, int n, double cond) {
        float[] g = new float[batch * m * n];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(TestMatrices.withSpectrum(r, m, n, TestMatrices.conditioned(m, n, cond)), 0, g, b * m * n, m * n);
        }
        return g;
    }

    @Property(tries = 60)
    boolean matchesFloat64Svd(@ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(min = 1, max = 40) int n,
                              @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @DoubleRange(min = 1, max = 30) double cond,
                              @ForAll long seed) {
        Random r = new Random(seed);
        float[] g = conditioned(r, batch, m, n, cond);
        float[] q = polar(g, batch, m, n);
        for (int b = 0; b < batch; b++) {
            double err = TestMatrices.relError(q, b * m * n, TestMatrices.polar64(g, b * m * n, m, n), 0, m * n);
            if (!(err <= Tolerances.POLAR_VS_SVD)) {
                throw new AssertionError(m + "x" + n + " cond " + cond + ": rel error " + err);
            }
        }
        return true;
    }

    @Property(tries = 40)
    boolean orthogonallyEquivariant(@ForAll @IntRange(min = 1, max = 30) int m, @ForAll @IntRange(min = 1, max = 30) int n,
                                    @ForAll long seed) {
        Random r = new Random(seed);
        float[] g = conditioned(r, 1, m, n, 10);
        DMatrixRMaj p = TestMatrices.orthonormalColumns(r, m, m);
        DMatrixRMaj q = TestMatrices.orthonormalColumns(r, n, n);
        float[] rotated = PolarChecks.rotate(p, g, 0, m, n, q);
        double[] expected = PolarChecks.rotate64(p, TestMatrices.polar64(g, 0, m, n), m, n, q);
        double err = TestMatrices.relError(polar(rotated, 1, m, n), 0, expected, 0, m * n);
        if (!(err <= Tolerances.POLAR_VS_SVD)) {
            throw new AssertionError("polar(PGQᵀ) vs P polar(G) Qᵀ: " + err);
        }
        return true;
    }

    @Property(tries = 40)
    boolean transposeAndScale(@ForAll @IntRange(min = 1, max = 30) int m, @ForAll @IntRange(min = 1, max = 30) int n,
                              @ForAll @DoubleRange(min = 1e-3, max = 1e3) @Scale(6) double c, @ForAll long seed) {
        Random r = new Random(seed);
        float[] g = conditioned(r, 1, m, n, 10);
        float[] q = polar(g, 1, m, n);
        float[] gt = new float[m * n];
        float[] gc = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                gt[j * m + i] = g[i * n + j];
                gc[i * n + j] = (float) (c * g[i * n + j]);
            }
        }
        float[] qt = polar(gt, 1, n, m);
        float[] back = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                back[i * n + j] = qt[j * m + i];
            }
        }
        double et = TestMatrices.relError(back, q);
        double ec = TestMatrices.relError(polar(gc, 1, m, n), q);
        if (!(et <= Tolerances.POLAR_VS_SVD && ec <= Tolerances.POLAR_VS_SVD)) {
            throw new AssertionError("transpose " + et + ", scale " + ec);
        }
        return true;
    }

    @Property(tries = 40)
    boolean isometryWithSymmetricPsdQtG(@ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(min = 1, max = 40) int n,
                                        @ForAll long seed) {
        Random r = new Random(seed);
        float[] g = TestMatrices.gaussian(r, m * n);
        float[] q = polar(g, 1, m, n);
        DMatrixRMaj qm = PolarChecks.matrix(q, 0, m, n);
        double orth = PolarChecks.orthonormalityError(qm);
        double[] sp = PolarChecks.qtgSymmetricPsd(qm, PolarChecks.matrix(g, 0, m, n));
        if (!(orth <= Tolerances.POLAR_VS_SVD && sp[0] <= Tolerances.POLAR_VS_SVD && sp[1] >= -Tolerances.POLAR_VS_SVD)) {
            throw new AssertionError("orthonormality " + orth + ", asymmetry " + sp[0] + ", min eig " + sp[1]);
        }
        return true;
    }
}
