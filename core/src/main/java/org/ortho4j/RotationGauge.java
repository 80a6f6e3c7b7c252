package org.ortho4j;

import java.util.Locale;
import java.util.Objects;

/**
 * The rotation gauge of attention heads (docs/algorithms.md §4.1; DDC, arXiv 2606.29176; constructions derived here).
 *
 * <p>Layout, per matrix of the batch (one layer per batch entry), head size {@code d}, model width {@code D}:
 * <ul>
 * <li>{@link Pair#QK}: {@code w1 = W_Q} is {@code (heads·d) × D}, {@code w2 = W_K} is {@code (kvHeads·d) × D};
 *     head h of Q is rows {@code [h·d, (h+1)·d)}.</li>
 * <li>{@link Pair#VO}: {@code w1 = W_V} is {@code (kvHeads·d) × D}, {@code w2 = W_O} is {@code D × (heads·d)};
 *     head h of O is columns {@code [h·d, (h+1)·d)}.</li>
 * </ul>
 * With grouped-query attention ({@code kvHeads < heads}), query heads {@code [g·r, (g+1)·r)},
 * {@code r = heads/kvHeads}, share K/V head g, and one skew-symmetric {@code A} per group is removed from all of
 * them (the {@code S} and {@code N} terms are summed over the group).
 *
 * <p>{@link Rope#NONE} projects off the full {@code so(d)}: {@code S A + A S = N − Nᵀ} solved through the
 * eigen-decomposition of {@code S}. {@link Rope#INTERLEAVED} (pairs {@code (2k, 2k+1)}) and {@link Rope#HALF}
 * (pairs {@code (k, k + d/2)}) project off only the rotations that commute with RoPE, one 2×2 generator per
 * pair, in closed form; they apply to the Q/K pair only.
 */
public final class RotationGauge {

    /** Which pair of weight matrices shares the rotation. */
    public enum Pair {
        /** {@code W_Q} and {@code W_K}: rotating a query head's rows and its key head's rows alike. */
        QK,
        /** {@code W_V} and {@code W_O}: rotating a value head's rows and the matching columns of {@code W_O}. */
        VO;

        /**
         * Parses a pair name in any case.
         *
         * @param s {@code qk} or {@code vo}
         * @return the pair
         * @throws IllegalArgumentException for any other name
         */
        public static Pair parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown pair '" + s + "': expected qk or vo");
            }
        }
    }

    /** The RoPE convention of the Q/K heads. */
    public enum Rope {
        /** No RoPE: the full {@code so(d)} is a gauge. */
        NONE,
        /** RoPE on the pairs {@code (2k, 2k+1)} of each head (GPT-J, Meta's original LLaMA). */
        INTERLEAVED,
        /** RoPE on the pairs {@code (k, k + d/2)} of each head (GPT-NeoX, Hugging Face LLaMA). */
        HALF;

        /**
         * Parses a RoPE convention in any case.
         *
         * @param s {@code none}, {@code interleaved} or {@code half}
         * @return the convention
         * @throws IllegalArgumentException for any other name
         */
        public static Rope parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown RoPE convention '" + s + "': expected none, interleaved or half");
            }
        }
    }

    private final Pair pair;
    private final int heads;
    private final int kvHeads;
    private final Rope rope;

    private RotationGauge(Pair pair, int heads, int kvHeads, Rope rope) {
        this.pair = Objects.requireNonNull(pair, "pair");
        this.rope = Objects.requireNonNull(rope, "rope");
        if (heads < 1) {
            throw new IllegalArgumentException("rotation gauge: heads must be ≥ 1, got " + heads);
        }
        if (kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("rotation gauge: kvHeads must be ≥ 1 and divide heads (" + heads + "), got " + kvHeads);
        }
        if (pair == Pair.VO && rope != Rope.NONE) {
            throw new IllegalArgumentException("rotation gauge: RoPE acts on Q and K only; the V/O pair takes rope=none");
        }
        this.heads = heads;
        this.kvHeads = kvHeads;
    }

    /**
     * Multi-head attention: one K/V head per query head.
     *
     * @param pair  which pair of matrices
     * @param heads the number of heads, at least 1
     * @param rope  the RoPE convention ({@link Rope#NONE} for {@link Pair#VO})
     * @return the gauge
     */
    public static RotationGauge of(Pair pair, int heads, Rope rope) {
        return new RotationGauge(pair, heads, heads, rope);
    }

    /**
     * Grouped-query attention: {@code kvHeads} divides {@code heads}.
     *
     * @param pair    which pair of matrices
     * @param heads   the number of query heads, at least 1
     * @param kvHeads the number of key/value heads, dividing {@code heads}
     * @param rope    the RoPE convention ({@link Rope#NONE} for {@link Pair#VO})
     * @return the gauge
     */
    public static RotationGauge grouped(Pair pair, int heads, int kvHeads, Rope rope) {
        return new RotationGauge(pair, heads, kvHeads, rope);
    }

    /**
     * Which pair of weight matrices shares the rotation.
     *
     * @return the pair
     */
    public Pair pair() {
        return pair;
    }

    /**
     * The number of query heads.
     *
     * @return the heads
     */
    public int heads() {
        return heads;
    }

    /**
     * The number of key/value heads.
     *
     * @return the key/value heads (equal to {@link #heads()} without grouped-query attention)
     */
    public int kvHeads() {
        return kvHeads;
    }

    /**
     * The RoPE convention of the Q/K heads.
     *
     * @return the convention
     */
    public Rope rope() {
        return rope;
    }

    /**
     * Query heads per K/V head.
     *
     * @return {@code heads / kvHeads}
     */
    public int groupSize() {
        return heads / kvHeads;
    }

    @Override
    public String toString() {
        return pair.name().toLowerCase(Locale.ROOT) + " heads=" + heads + " kvHeads=" + kvHeads + " rope="
                + rope.name().toLowerCase(Locale.ROOT);
    }
}
