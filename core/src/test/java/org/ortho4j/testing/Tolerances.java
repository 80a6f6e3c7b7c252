package org.ortho4j.testing;

/**
 * Central tolerances for every backend's tests (relative errors, ‖out − ref‖_F / ‖ref‖_F unless said otherwise).
 * They are set from the arithmetic, not from observed results: float32 arithmetic over products of length n
 * gives errors near sqrt(n)·2⁻²⁴; the bounds leave a factor of ~10 on top.
 */
public final class Tolerances {
    private Tolerances() {
    }

    /** NS output vs the same iteration in float64, fp32 operands. */
    public static final double NS_FP32_VS_FP64 = 2e-4;
    /** NS output vs float64 iteration, tf32 operands. */
    public static final double NS_TF32_VS_FP64 = 5e-3;
    /** NS output vs float64 iteration, bf16 operands. */
    public static final double NS_BF16_VS_FP64 = 5e-2;
    /** Exact polar vs float64 SVD on well-conditioned input (docs/algorithms.md §2.1: ≤ 1e-5). */
    public static final double POLAR_VS_SVD = 1e-5;
    /** Elementwise operations (soft-threshold, LMOs but spectral): relative to the largest magnitude. */
    public static final double ELEMENTWISE = 1e-6;
    /** Gauge projections: inner product with every vertical direction, relative (docs/algorithms.md §4, §6: ≤ 1e-5). */
    public static final double GAUGE_ORTHOGONALITY = 1e-5;
    /** Gauge projection vs dense float64 least squares. */
    public static final double GAUGE_VS_LSQ = 1e-4;
}
