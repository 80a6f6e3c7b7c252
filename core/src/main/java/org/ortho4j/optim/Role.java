package org.ortho4j.optim;

/**
 * What a parameter group is, which decides the update rule each optimizer applies to it and the gauges
 * (docs/algorithms.md §4) that DDC projects off.
 * <table>
 * <caption>Roles and their parameters, in {@link ParamGroup#params()} order</caption>
 * <tr><th>role</th><th>parameters</th><th>gauge</th></tr>
 * <tr><td>HIDDEN</td><td>one or more weight matrices {@code m × n} (rows = outputs)</td><td>none</td></tr>
 * <tr><td>EMBEDDING</td><td>a lookup table {@code vocab × width}</td><td>none</td></tr>
 * <tr><td>OUTPUT</td><td>the head {@code W_U} ({@code vocab × width}), optionally its bias {@code 1 × vocab}</td>
 *     <td>logit shift: {@code W_U → W_U + 1uᵀ, b → b + t·1}</td></tr>
 * <tr><td>BIAS_GAIN</td><td>vectors stored as {@code 1 × n}</td><td>none</td></tr>
 * <tr><td>ATTENTION</td><td>{@code W_Q, W_K, W_V, W_O} with heads, kvHeads and the RoPE convention
 *     (layout of {@link org.ortho4j.RotationGauge})</td><td>rotation per head on Q/K and on V/O</td></tr>
 * <tr><td>MLP_PAIR</td><td>{@code W_in} ({@code k × D1}), {@code W_out} ({@code D2 × k}), optionally
 *     {@code b_in} ({@code 1 × k}) of a positively homogeneous activation (ReLU)</td>
 *     <td>scaling: unit i's row of {@code W_in} and {@code b_in[i]} by {@code s}, column i of {@code W_out} by {@code 1/s}</td></tr>
 * </table>
 */
public enum Role {
    /** Hidden weight matrices; no gauge. */
    HIDDEN,
    /** An embedding table; no gauge. */
    EMBEDDING,
    /** The output head and its optional bias; logit-shift gauge. */
    OUTPUT,
    /** Biases and gains stored as vectors; no gauge. */
    BIAS_GAIN,
    /** An attention block's {@code W_Q, W_K, W_V, W_O}; rotation gauge per head. */
    ATTENTION,
    /** An MLP's {@code W_in}, {@code W_out} and optional {@code b_in}; scaling gauge per hidden unit. */
    MLP_PAIR
}
