package org.ortho4j.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.RotationGauge;

/**
 * A named group of parameters with a {@link Role} and per-group settings (learning-rate multiplier, weight decay,
 * SCION's LMO and radius, the layer position). Parameters are {@link MatrixBatch}es on the optimizer's context;
 * vectors (biases, gains) are {@code 1 × n}. A batch of {@code b > 1} holds {@code b} independent layers of the same
 * shape (each matrix is orthogonalised and gauge-projected on its own).
 *
 * <p>Configure a group before handing it to an optimizer; the setters return {@code this}.
 */
public final class ParamGroup {
    private final String name;
    private final Role role;
    private final List<MatrixBatch> params;
    private final List<Boolean> vector;
    private final int heads;
    private final int kvHeads;
    private final RotationGauge.Rope rope;
    private double lrScale = 1.0;
    private Double weightDecay;
    private Lmo lmo;
    private Double radius;
    private Lmo.Layer layer;

    private ParamGroup(String name, Role role, List<MatrixBatch> params, List<Boolean> vector, int heads, int kvHeads,
                       RotationGauge.Rope rope) {
        this.name = Objects.requireNonNull(name, "name");
        this.role = role;
        this.params = Collections.unmodifiableList(params);
        this.vector = Collections.unmodifiableList(vector);
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.rope = rope;
        for (int i = 0; i < params.size(); i++) {
            MatrixBatch p = Objects.requireNonNull(params.get(i), name + ": parameter " + i + " is null");
            if (vector.get(i) && p.rows() != 1) {
                throw new IllegalArgumentException(name + ": vector parameter " + i + " must be 1 x n, got " + p.shape());
            }
        }
        this.layer = role == Role.OUTPUT ? Lmo.Layer.OUTPUT : role == Role.EMBEDDING ? Lmo.Layer.INPUT : Lmo.Layer.HIDDEN;
    }

    /**
     * Hidden weight matrices (no gauge).
     *
     * @param name    the group's name, used in messages
     * @param weights one or more weight matrices {@code m × n} (rows = outputs)
     * @return a {@link Role#HIDDEN} group
     */
    public static ParamGroup hidden(String name, MatrixBatch... weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException(name + ": a hidden group needs at least one matrix");
        }
        List<Boolean> v = new ArrayList<>(Collections.nCopies(weights.length, false));
        return new ParamGroup(name, Role.HIDDEN, List.of(weights), v, 0, 0, null);
    }

    /**
     * An embedding table. It is stored as the transpose of the layer's matrix in the {@link Lmo} convention
     * (rows = outputs: {@code width × vocab}, one column per token), so {@link Scion} applies its LMO to the
     * transposed table: COLNORM then normalises each token's row.
     *
     * @param name  the group's name, used in messages
     * @param table the table, {@code vocab × width}
     * @return a {@link Role#EMBEDDING} group
     */
    public static ParamGroup embedding(String name, MatrixBatch table) {
        return new ParamGroup(name, Role.EMBEDDING, List.of(table), List.of(false), 0, 0, null);
    }

    /**
     * The output head and its bias.
     *
     * @param name the group's name, used in messages
     * @param head the head {@code W_U}, {@code vocab × width}
     * @param bias its bias, {@code 1 × vocab}, or {@code null}
     * @return a {@link Role#OUTPUT} group
     */
    public static ParamGroup output(String name, MatrixBatch head, MatrixBatch bias) {
        if (bias == null) {
            return new ParamGroup(name, Role.OUTPUT, List.of(head), List.of(false), 0, 0, null);
        }
        if (bias.cols() != head.rows() || bias.batch() != head.batch()) {
            throw new IllegalArgumentException(name + ": head bias must be " + head.batch() + "x1x" + head.rows() + ", got " + bias.shape());
        }
        return new ParamGroup(name, Role.OUTPUT, List.of(head, bias), List.of(false, true), 0, 0, null);
    }

    /**
     * Biases and gains.
     *
     * @param name    the group's name, used in messages
     * @param vectors one or more vectors, each {@code 1 × n}
     * @return a {@link Role#BIAS_GAIN} group
     */
    public static ParamGroup biasGain(String name, MatrixBatch... vectors) {
        if (vectors.length == 0) {
            throw new IllegalArgumentException(name + ": a bias/gain group needs at least one vector");
        }
        return new ParamGroup(name, Role.BIAS_GAIN, List.of(vectors), new ArrayList<>(Collections.nCopies(vectors.length, true)), 0, 0, null);
    }

    /**
     * One attention layer (layout of {@link RotationGauge}).
     *
     * @param name    the group's name, used in messages
     * @param q       {@code W_Q}, {@code heads·d × D}
     * @param k       {@code W_K}, {@code kvHeads·d × D}
     * @param v       {@code W_V}, {@code kvHeads·d × D}
     * @param o       {@code W_O}, {@code D × heads·d}
     * @param heads   query heads
     * @param kvHeads key/value heads, dividing {@code heads} (grouped-query attention when fewer)
     * @param rope    the Q/K RoPE convention
     * @return a {@link Role#ATTENTION} group
     */
    public static ParamGroup attention(String name, MatrixBatch q, MatrixBatch k, MatrixBatch v, MatrixBatch o,
                                       int heads, int kvHeads, RotationGauge.Rope rope) {
        Objects.requireNonNull(rope, "rope");
        RotationGauge.grouped(RotationGauge.Pair.QK, heads, kvHeads, rope); // validates heads / kvHeads
        if (q.rows() % heads != 0) {
            throw new IllegalArgumentException(name + ": W_Q " + q.shape() + " rows not a multiple of heads=" + heads);
        }
        int d = q.rows() / heads;
        if (k.rows() != kvHeads * d || v.rows() != kvHeads * d || k.cols() != q.cols() || v.cols() != q.cols()
                || o.rows() != q.cols() || o.cols() != heads * d) {
            throw new IllegalArgumentException(name + ": attention shapes do not agree (Q " + q.shape() + ", K " + k.shape()
                    + ", V " + v.shape() + ", O " + o.shape() + ", heads " + heads + ", kvHeads " + kvHeads + ")");
        }
        return new ParamGroup(name, Role.ATTENTION, List.of(q, k, v, o), List.of(false, false, false, false), heads, kvHeads, rope);
    }

    /**
     * An MLP pair of a ReLU (positively homogeneous) layer.
     *
     * @param name the group's name, used in messages
     * @param wIn  {@code W_in}, {@code k × D1}
     * @param wOut {@code W_out}, {@code D2 × k}
     * @param bIn  {@code b_in}, {@code 1 × k}, or {@code null}
     * @return a {@link Role#MLP_PAIR} group
     */
    public static ParamGroup mlpPair(String name, MatrixBatch wIn, MatrixBatch wOut, MatrixBatch bIn) {
        if (wOut.cols() != wIn.rows() || wOut.batch() != wIn.batch()) {
            throw new IllegalArgumentException(name + ": W_out " + wOut.shape() + " must have " + wIn.rows() + " columns for W_in " + wIn.shape());
        }
        if (bIn == null) {
            return new ParamGroup(name, Role.MLP_PAIR, List.of(wIn, wOut), List.of(false, false), 0, 0, null);
        }
        if (bIn.cols() != wIn.rows() || bIn.batch() != wIn.batch()) {
            throw new IllegalArgumentException(name + ": b_in must be " + wIn.batch() + "x1x" + wIn.rows() + ", got " + bIn.shape());
        }
        return new ParamGroup(name, Role.MLP_PAIR, List.of(wIn, wOut, bIn), List.of(false, false, true), 0, 0, null);
    }

    // ---------------------------------------------------------------- settings

    /**
     * Multiplies every learning rate of this group (default 1).
     *
     * @param s the factor, finite and ≥ 0
     * @return this group
     */
    public ParamGroup lrScale(double s) {
        if (!(s >= 0) || !Double.isFinite(s)) {
            throw new IllegalArgumentException(name + ": lrScale must be finite and ≥ 0, got " + s);
        }
        this.lrScale = s;
        return this;
    }

    /**
     * Decoupled weight decay of this group, overriding the optimizer's.
     *
     * @param wd the weight decay, finite and ≥ 0
     * @return this group
     */
    public ParamGroup weightDecay(double wd) {
        if (!(wd >= 0) || !Double.isFinite(wd)) {
            throw new IllegalArgumentException(name + ": weight decay must be finite and ≥ 0, got " + wd);
        }
        this.weightDecay = wd;
        return this;
    }

    /**
     * SCION: the LMO of this group's matrices, overriding the choice by role.
     *
     * @param l the LMO
     * @return this group
     */
    public ParamGroup lmo(Lmo l) {
        this.lmo = Objects.requireNonNull(l, "lmo");
        return this;
    }

    /**
     * SCION: the radius ρ of this group ({@code W ← W − γρ·lmo(d)}), overriding the optimizer's.
     *
     * @param r the radius, positive and finite
     * @return this group
     */
    public ParamGroup radius(double r) {
        if (!(r > 0) || !Double.isFinite(r)) {
            throw new IllegalArgumentException(name + ": radius must be positive, got " + r);
        }
        this.radius = r;
        return this;
    }

    /**
     * Where the layer sits (input, hidden, output); the SCION LMO scales and Muon's role depend on it.
     *
     * @param l the layer position
     * @return this group
     */
    public ParamGroup layer(Lmo.Layer l) {
        this.layer = Objects.requireNonNull(l, "layer");
        return this;
    }

    // ---------------------------------------------------------------- access

    /**
     * The group's name.
     *
     * @return the name given at construction
     */
    public String name() {
        return name;
    }

    /**
     * What the group is.
     *
     * @return its role
     */
    public Role role() {
        return role;
    }

    /**
     * The group's parameters, in the order of its {@link Role}.
     *
     * @return the parameters (unmodifiable)
     */
    public List<MatrixBatch> params() {
        return params;
    }

    /**
     * Whether parameter {@code i} is a vector rather than a weight matrix.
     *
     * @param i the parameter's index in {@link #params()}
     * @return {@code true} for a {@code 1 × n} bias or gain
     */
    public boolean isVector(int i) {
        return vector.get(i);
    }

    /**
     * ATTENTION: the number of query heads.
     *
     * @return the heads, 0 for other roles
     */
    public int heads() {
        return heads;
    }

    /**
     * ATTENTION: the number of key/value heads.
     *
     * @return the key/value heads, 0 for other roles
     */
    public int kvHeads() {
        return kvHeads;
    }

    /**
     * ATTENTION: the Q/K RoPE convention.
     *
     * @return the convention, {@code null} for other roles
     */
    public RotationGauge.Rope rope() {
        return rope;
    }

    /**
     * The factor on every learning rate of this group.
     *
     * @return the factor (default 1)
     */
    public double lrScale() {
        return lrScale;
    }

    /**
     * The group's weight decay.
     *
     * @param fallback the optimizer's weight decay
     * @return the group's weight decay, or {@code fallback} when none was set
     */
    public double weightDecayOr(double fallback) {
        return weightDecay == null ? fallback : weightDecay;
    }

    /**
     * The group's LMO.
     *
     * @return the LMO set with {@link #lmo(Lmo)}, or {@code null} to choose by role
     */
    public Lmo lmo() {
        return lmo;
    }

    /**
     * The group's radius.
     *
     * @param fallback the optimizer's radius
     * @return the group's radius, or {@code fallback} when none was set
     */
    public double radiusOr(double fallback) {
        return radius == null ? fallback : radius;
    }

    /**
     * Where the layer sits.
     *
     * @return the layer position (by role unless set with {@link #layer(Lmo.Layer)})
     */
    public Lmo.Layer layer() {
        return layer;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(" [").append(role.name().toLowerCase(java.util.Locale.ROOT));
        for (MatrixBatch p : params) {
            sb.append(' ').append(p.shape());
        }
        return sb.append(']').toString();
    }
}
