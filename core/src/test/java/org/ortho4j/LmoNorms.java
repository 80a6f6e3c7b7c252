package org.ortho4j;

import org.ortho4j.testing.PolarChecks;

/**
 * The layer norm each SCION LMO is the unit-ball maximiser of, and its dual norm, in float64, so that for every
 * {@code d} (with the {@code eps = 1e-8} of {@code scion.py} negligible):
 * <pre>
 * ‖lmo(d)‖ = 1          and          ⟨d, lmo(d)⟩ = ‖d‖_*  (the dual norm)
 * </pre>
 * For an {@code m × n} matrix (rows = outputs) and the layer factor {@code k} of {@link Lmo}'s table:
 * <table>
 * <caption>Norms and duals</caption>
 * <tr><th>LMO</th><th>norm ‖X‖</th><th>dual ‖d‖_*</th></tr>
 * <tr><td>SPECTRAL, {@code s = Lmo.spectralScale}</td><td>{@code ‖X‖₂ / s} (hidden: {@code sqrt(n/m)·‖X‖₂}, the
 *     RMS→RMS operator norm)</td><td>{@code s·Σσ_i(d)} (scaled nuclear norm)</td></tr>
 * <tr><td>COLNORM, {@code k = n} (1 for input)</td><td>{@code k·max_j ‖x_j‖₂/sqrt(m)} (1→RMS: the largest column
 *     RMS)</td><td>{@code (sqrt(m)/k)·Σ_j ‖d_j‖₂}</td></tr>
 * <tr><td>ROWNORM, {@code k = sqrt(n)} (1 for input)</td><td>{@code k·max_i ‖x_i‖₂} (hidden: RMS→∞)</td>
 *     <td>{@code Σ_i ‖d_i‖₂ / k}</td></tr>
 * <tr><td>SIGN, {@code k = n} (1 for input)</td><td>{@code k·max_ij |x_ij|} (1→∞: the largest entry)</td>
 *     <td>{@code ‖d‖₁ / k} (entrywise)</td></tr>
 * <tr><td>BIAS</td><td>{@code RMS(X) = ‖X‖_F / sqrt(mn)}</td><td>{@code sqrt(mn)·‖d‖_F}</td></tr>
 * </table>
 * Derivation: each norm is a max over columns (rows, entries) of a scaled ℓ2 (ℓ∞) block norm, so the unit ball is
 * a product of balls and {@code ⟨d, X⟩} is maximised block by block at {@code X_block = radius·d_block/‖d_block‖},
 * giving the dual {@code Σ radius·‖d_block‖}; the radii are {@code sqrt(m)/k} (columns), {@code 1/k} (rows),
 * {@code 1/k} (entries, ℓ∞ ball → sign), and for SPECTRAL the ball {@code ‖X‖₂ ≤ s} is maximised by
 * {@code s·polar(d)}, giving {@code s·tr(polar(d)ᵀd) = s·Σσ_i}. BIAS is one ℓ2 block of radius {@code sqrt(mn)}.
 */
final class LmoNorms {
    private LmoNorms() {
    }

    /** The layer factor {@code k} of COLNORM, ROWNORM and SIGN. */
    static double k(Lmo lmo, int m, int n) {
        boolean input = lmo.layer() == Lmo.Layer.INPUT;
        switch (lmo.norm()) {
            case COLNORM:
            case SIGN:
                return input ? 1 : n;
            case ROWNORM:
                return input ? 1 : Math.sqrt(n);
            default:
                return 1;
        }
    }

    /** {@code ‖X‖} of matrix at {@code off} in the LMO's norm. */
    static double norm(Lmo lmo, float[] x, int off, int m, int n) {
        double k = k(lmo, m, n);
        switch (lmo.norm()) {
            case SPECTRAL:
                return PolarChecks.spectral(x, off, m, n) / Lmo.spectralScale(lmo.layer(), m, n);
            case COLNORM: {
                double max = 0;
                for (int j = 0; j < n; j++) {
                    max = Math.max(max, colNorm(x, off, m, n, j));
                }
                return k * max / Math.sqrt(m);
            }
            case ROWNORM: {
                double max = 0;
                for (int i = 0; i < m; i++) {
                    max = Math.max(max, rowNorm(x, off, n, i));
                }
                return k * max;
            }
            case SIGN: {
                double max = 0;
                for (int i = 0; i < m * n; i++) {
                    max = Math.max(max, Math.abs(x[off + i]));
                }
                return k * max;
            }
            case BIAS:
                return frobenius(x, off, m * n) / Math.sqrt((double) m * n);
            default:
                throw new IllegalArgumentException(lmo.toString());
        }
    }

    /** The dual norm {@code ‖d‖_*} of matrix at {@code off}. */
    static double dual(Lmo lmo, float[] d, int off, int m, int n) {
        double k = k(lmo, m, n);
        switch (lmo.norm()) {
            case SPECTRAL:
                return Lmo.spectralScale(lmo.layer(), m, n) * PolarChecks.nuclear(d, off, m, n);
            case COLNORM: {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += colNorm(d, off, m, n, j);
                }
                return Math.sqrt(m) / k * s;
            }
            case ROWNORM: {
                double s = 0;
                for (int i = 0; i < m; i++) {
                    s += rowNorm(d, off, n, i);
                }
                return s / k;
            }
            case SIGN: {
                double s = 0;
                for (int i = 0; i < m * n; i++) {
                    s += Math.abs(d[off + i]);
                }
                return s / k;
            }
            case BIAS:
                return Math.sqrt((double) m * n) * frobenius(d, off, m * n);
            default:
                throw new IllegalArgumentException(lmo.toString());
        }
    }

    static double colNorm(float[] x, int off, int m, int n, int j) {
        double s = 0;
        for (int i = 0; i < m; i++) {
            double v = x[off + i * n + j];
            s += v * v;
        }
        return Math.sqrt(s);
    }

    static double rowNorm(float[] x, int off, int n, int i) {
        double s = 0;
        for (int j = 0; j < n; j++) {
            double v = x[off + i * n + j];
            s += v * v;
        }
        return Math.sqrt(s);
    }

    static double frobenius(float[] x, int off, int count) {
        double s = 0;
        for (int i = 0; i < count; i++) {
            s += (double) x[off + i] * x[off + i];
        }
        return Math.sqrt(s);
    }

    /** Relative tolerance for the norm identities: the polar one for SPECTRAL, the elementwise one otherwise. */
    static double tolerance(Lmo lmo) {
        return lmo.norm() == Lmo.Norm.SPECTRAL ? org.ortho4j.testing.Tolerances.POLAR_VS_SVD
                : org.ortho4j.testing.Tolerances.ELEMENTWISE;
    }
}
