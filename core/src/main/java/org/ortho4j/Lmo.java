package org.ortho4j;

import java.util.Locale;
import java.util.Objects;

/**
 * A linear minimisation oracle as SCION applies it (Pethick et al. 2025, arXiv 2502.07529; LIONS-EPFL/scion
 * {@code scion.py}; docs/algorithms.md §2.2): the unit-norm direction of steepest descent for a layer's norm, sign dropped, so the step
 * is {@code W ← W − γ·ρ·lmo(d)}. For an {@code m × n} matrix (rows = outputs):
 * <table>
 * <caption>LMOs</caption>
 * <tr><th>norm</th><th>lmo(d)</th></tr>
 * <tr><td>SPECTRAL</td><td>{@code sqrt(m/n)·polar(d)}; input layer {@code max(1, sqrt(m/n))·polar(d)}</td></tr>
 * <tr><td>COLNORM</td><td>column j: {@code d_j / (‖d_j‖₂/sqrt(m)·k + 1e-8)}, {@code k = n} for hidden and
 *     output layers, {@code 1} for the input layer</td></tr>
 * <tr><td>ROWNORM</td><td>row i: {@code d_i / (‖d_i‖₂·k + 1e-8)}, {@code k = sqrt(n)} for hidden and output
 *     layers, {@code 1} for the input layer</td></tr>
 * <tr><td>SIGN</td><td>{@code sign(d)/n}; input layer {@code sign(d)}</td></tr>
 * <tr><td>BIAS</td><td>{@code d / (RMS(d) + 1e-8)}, RMS over the whole matrix (a bias is a 1×n or n×1 matrix)</td></tr>
 * </table>
 * The polar factor is exact ({@code U Vᵀ} from an SVD) unless a Newton–Schulz schedule is given, as SCION's
 * reference code does with Muon's.
 */
public final class Lmo {

    /** The layer norms of SCION. */
    public enum Norm {
        /** Spectral norm: the (scaled) polar factor. */
        SPECTRAL,
        /** Column-wise ℓ₂ norm: each column normalised. */
        COLNORM,
        /** Row-wise ℓ₂ norm: each row normalised. */
        ROWNORM,
        /** Max-norm (ℓ∞ of the entries): the sign, scaled. */
        SIGN,
        /** RMS norm of a bias or gain vector. */
        BIAS;

        /**
         * Parses a norm name in any case.
         *
         * @param s {@code spectral}, {@code colnorm}, {@code rownorm}, {@code sign} or {@code bias}
         * @return the norm
         * @throws IllegalArgumentException for any other name
         */
        public static Norm parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown LMO norm '" + s + "': expected spectral, colnorm, rownorm, sign or bias");
            }
        }
    }

    /** Where the layer sits: the scale factors differ for the first layer. */
    public enum Layer {
        /** The first layer (reads the data). */
        INPUT,
        /** A layer between two others. */
        HIDDEN,
        /** The last layer (writes the logits). */
        OUTPUT;

        /**
         * Parses a layer position in any case.
         *
         * @param s {@code input}, {@code hidden} or {@code output}
         * @return the position
         * @throws IllegalArgumentException for any other name
         */
        public static Layer parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown layer '" + s + "': expected input, hidden or output");
            }
        }
    }

    private final Norm norm;
    private final Layer layer;
    private final Schedule schedule; // null: exact polar

    private Lmo(Norm norm, Layer layer, Schedule schedule) {
        this.norm = Objects.requireNonNull(norm, "norm");
        this.layer = Objects.requireNonNull(layer, "layer");
        this.schedule = schedule;
    }

    /**
     * The LMO of {@code norm} for a layer at {@code layer}; SPECTRAL uses the exact polar factor.
     *
     * @param norm  the layer's norm
     * @param layer where the layer sits
     * @return the oracle
     */
    public static Lmo of(Norm norm, Layer layer) {
        return new Lmo(norm, layer, null);
    }

    /**
     * SPECTRAL with the polar factor approximated by Newton–Schulz with {@code schedule}.
     *
     * @param layer    where the layer sits
     * @param schedule the NS schedule
     * @return the oracle
     */
    public static Lmo spectral(Layer layer, Schedule schedule) {
        return new Lmo(Norm.SPECTRAL, layer, Objects.requireNonNull(schedule, "schedule"));
    }

    /**
     * The layer's norm.
     *
     * @return the norm
     */
    public Norm norm() {
        return norm;
    }

    /**
     * Where the layer sits.
     *
     * @return the position
     */
    public Layer layer() {
        return layer;
    }

    /**
     * The NS schedule for SPECTRAL.
     *
     * @return the schedule, or {@code null} for the exact polar factor
     */
    public Schedule schedule() {
        return schedule;
    }

    /**
     * The factor that multiplies {@code polar(d)} for SPECTRAL on an {@code m × n} matrix.
     *
     * @param layer where the layer sits
     * @param m     rows (outputs)
     * @param n     columns (inputs)
     * @return {@code sqrt(m/n)}, or {@code max(1, sqrt(m/n))} for the input layer
     */
    public static double spectralScale(Layer layer, int m, int n) {
        double s = Math.sqrt((double) m / n);
        return layer == Layer.INPUT ? Math.max(1.0, s) : s;
    }

    @Override
    public String toString() {
        return norm.name().toLowerCase(Locale.ROOT) + "/" + layer.name().toLowerCase(Locale.ROOT)
                + (norm == Norm.SPECTRAL ? (schedule == null ? " (exact polar)" : " (NS " + schedule + ")") : "");
    }
}
