package org.ortho4j;

/**
 * Operand precision of the matrix products in a Newton–Schulz iteration. Accumulation is always float32.
 * The CPU backend emulates the reduced modes by rounding each product operand (round to nearest even), so
 * it computes the same function as the GPU's tensor cores up to summation order.
 */
public enum Precision {
    /** float32 operands. */
    FP32,
    /** TF32 operands: float32 rounded to a 10-bit mantissa. */
    TF32,
    /** bfloat16 operands: float32 rounded to a 7-bit mantissa. */
    BF16
}
