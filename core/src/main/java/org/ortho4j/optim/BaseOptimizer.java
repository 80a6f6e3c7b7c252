package org.ortho4j.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ortho4j.Context;
import org.ortho4j.HostSpan;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.MatrixBatch;

/**
 * Shared machinery: the parameter list, state slots on the backend (zero-initialised {@link MatrixBatch}es keyed by
 * parameter and name), the step counter, and the host AdamW used for parameters an optimizer does not treat as
 * matrices.
 *
 * <p>Elementwise arithmetic (momentum, Adam moments, axpy) runs in Java on host copies of the state, because the
 * kernel API has no elementwise operations: {@link #host} reads a batch, {@link #store} writes it back. This is the
 * single place where a GPU elementwise kernel would go; orthogonalisation, LMOs, soft-thresholds and gauge
 * projections always go through the {@link Context}.
 */
abstract class BaseOptimizer implements Optimizer {
    final Context ctx;
    private final List<ParamGroup> groups;
    private final List<MatrixBatch> params;
    private final Map<MatrixBatch, Map<String, MatrixBatch>> state = new IdentityHashMap<>();
    private final Map<String, double[]> scalars = new LinkedHashMap<>();
    long step;
    private double lrFactor = 1.0;
    private boolean closed;

    BaseOptimizer(Context ctx, List<ParamGroup> groups) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.groups = List.copyOf(groups);
        List<MatrixBatch> ps = new ArrayList<>();
        IdentityHashMap<MatrixBatch, Boolean> seen = new IdentityHashMap<>();
        for (ParamGroup g : this.groups) {
            for (MatrixBatch p : g.params()) {
                if (p.context() != ctx) {
                    throw new IllegalArgumentException(name() + ": parameter " + p.shape() + " of group " + g.name() + " belongs to another context");
                }
                if (seen.put(p, Boolean.TRUE) != null) {
                    throw new IllegalArgumentException(name() + ": parameter " + p.shape() + " appears twice (group " + g.name() + ")");
                }
                ps.add(p);
            }
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (MatrixBatch p : ps) {
            if (p.isBorrowed() && !ids.add(p.id())) {
                throw new IllegalArgumentException(name() + ": two borrowed parameters have the id '" + p.id() + "'");
            }
        }
        this.params = Collections.unmodifiableList(ps);
    }

    @Override
    public Context context() {
        return ctx;
    }

    @Override
    public List<ParamGroup> groups() {
        return groups;
    }

    @Override
    public List<MatrixBatch> parameters() {
        return params;
    }

    @Override
    public long steps() {
        return step;
    }

    @Override
    public void learningRateScale(double s) {
        if (!(s >= 0) || !Double.isFinite(s)) {
            throw new IllegalArgumentException(name() + ": learningRateScale must be finite and ≥ 0, got " + s);
        }
        lrFactor = s;
    }

    @Override
    public double learningRateScale() {
        return lrFactor;
    }

    /**
     * A learning rate of this optimizer as a step uses it.
     *
     * @param base  the option's learning rate
     * @param group the group being updated
     * @return {@code base · group.lrScale() · learningRateScale()}
     */
    double lr(double base, ParamGroup group) {
        return base * group.lrScale() * lrFactor;
    }

    @Override
    public final void step(List<MatrixBatch> grads) {
        if (closed) {
            throw new IllegalStateException(name() + ": optimizer is closed");
        }
        Objects.requireNonNull(grads, "grads");
        if (grads.size() != params.size()) {
            throw new IllegalArgumentException(name() + ": expected " + params.size() + " gradients, got " + grads.size());
        }
        for (int i = 0; i < grads.size(); i++) {
            MatrixBatch g = Objects.requireNonNull(grads.get(i), "gradient " + i);
            MatrixBatch p = params.get(i);
            if (g.context() != ctx || g.batch() != p.batch() || g.rows() != p.rows() || g.cols() != p.cols()) {
                throw new IllegalArgumentException(name() + ": gradient " + i + " (" + g.shape() + ") must match parameter " + p.shape()
                        + " on the same context");
            }
        }
        step++;
        int k = 0;
        for (ParamGroup g : groups) {
            List<MatrixBatch> gg = grads.subList(k, k + g.params().size());
            k += g.params().size();
            update(g, gg);
        }
    }

    @Override
    public final void step(List<HostSpan> weights, List<HostSpan> grads) {
        borrowedStep(weights, grads, null);
    }

    @Override
    public final void stepUpdate(List<HostSpan> weights, List<HostSpan> grads, List<HostSpan> updates) {
        borrowedStep(weights, grads, Objects.requireNonNull(updates, "updates"));
    }

    /**
     * A step on borrowed parameters: gradients checked and staged first (nothing changes on a bad one), parameters
     * bound to the caller's spans (or, for {@code updates}, to scratch copies of them) for the step, then unbound.
     */
    private void borrowedStep(List<HostSpan> weights, List<HostSpan> grads, List<HostSpan> updates) {
        if (closed) {
            throw new IllegalStateException(name() + ": optimizer is closed");
        }
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(grads, "grads");
        int n = params.size();
        if (weights.size() != n || grads.size() != n || (updates != null && updates.size() != n)) {
            throw new IllegalArgumentException(name() + ": expected " + n + " weight, gradient" + (updates == null ? "" : " and update")
                    + " spans, got " + weights.size() + ", " + grads.size() + (updates == null ? "" : ", " + updates.size()));
        }
        for (int i = 0; i < n; i++) {
            MatrixBatch p = params.get(i);
            if (!p.isBorrowed()) {
                throw new IllegalStateException(name() + ": parameter " + i + " (" + p.shape() + ") has memory of its own; step(weights,"
                        + " grads) needs every parameter borrowed (Context.borrowed)");
            }
            checkSpan(p, "weight", weights.get(i), updates == null);
            checkSpan(p, "gradient", grads.get(i), false);
            if (updates != null) {
                checkSpan(p, "update", updates.get(i), true);
            }
        }
        for (int i = 0; i < n; i++) {
            int bad = grads.get(i).firstNonFinite();
            if (bad >= 0) {
                MatrixBatch p = params.get(i);
                throw new NonFiniteInputException(name() + ".step", "grad " + p.id(), (int) (bad / p.matrixElements()));
            }
        }
        List<MatrixBatch> staged = new ArrayList<>(n);
        float[][] before = updates == null ? null : new float[n][];
        float[][] scratch = updates == null ? null : new float[n][];
        try {
            for (int i = 0; i < n; i++) {
                MatrixBatch p = params.get(i);
                MatrixBatch g = ctx.allocate(p.batch(), p.rows(), p.cols());
                staged.add(g);
                g.copyFrom(grads.get(i));                                  // the backend's copy for the step
            }
            for (int i = 0; i < n; i++) {
                if (updates == null) {
                    params.get(i).bind(weights.get(i));
                } else {
                    before[i] = weights.get(i).toArray();
                    scratch[i] = before[i].clone();
                    params.get(i).bind(HostSpan.of(scratch[i]));
                }
            }
            step(staged);
            if (updates != null) {
                for (int i = 0; i < n; i++) {
                    float[] w = before[i];
                    float[] u = scratch[i];
                    for (int j = 0; j < w.length; j++) {
                        u[j] = w[j] - u[j];                                  // u = W − W'
                    }
                    updates.get(i).write(0, u, 0, u.length);
                }
            }
        } finally {
            for (MatrixBatch p : params) {
                p.bind(null);
            }
            for (MatrixBatch g : staged) {
                g.close();
            }
        }
    }

    private void checkSpan(MatrixBatch p, String what, HostSpan s, boolean writable) {
        Objects.requireNonNull(s, name() + ": " + what + " span of '" + p.id() + "' is null");
        if (s.length() != p.elements()) {
            throw new IllegalArgumentException(name() + ": " + what + " of '" + p.id() + "' (" + p.shape() + ") needs " + p.elements()
                    + " values, the span has " + s.length());
        }
        if (writable && !s.isWritable()) {
            throw new IllegalArgumentException(name() + ": " + what + " span of '" + p.id() + "' is read-only");
        }
    }

    /** Updates the parameters of one group from their gradients; {@link #step} has been incremented. */
    abstract void update(ParamGroup group, List<MatrixBatch> grads);

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (Map<String, MatrixBatch> m : state.values()) {
                for (MatrixBatch b : m.values()) {
                    b.close();
                }
            }
            state.clear();
        }
    }

    // ---------------------------------------------------------------- state

    /** State slot {@code slot} of {@code p}, same shape as {@code p}, zero on first use. */
    MatrixBatch slot(MatrixBatch p, String slot) {
        return slot(p, slot, p.batch(), p.rows(), p.cols());
    }

    /** State slot of any shape, zero on first use. */
    MatrixBatch slot(MatrixBatch p, String slot, int batch, int rows, int cols) {
        Map<String, MatrixBatch> m = state.computeIfAbsent(p, k -> new LinkedHashMap<>());
        MatrixBatch s = m.get(slot);
        if (s == null) {
            s = ctx.allocate(batch, rows, cols);
            s.fill(0f);
            m.put(slot, s);
        }
        return s;
    }

    /** Scalar state (host), zero on first use. */
    double[] scalars(String key, int n) {
        return scalars.computeIfAbsent(key, k -> new double[n]);
    }

    /** Host copy of a batch (where a GPU elementwise kernel would read device memory directly). */
    static float[] host(MatrixBatch m) {
        return m.toArray();
    }

    /** Writes a host array back to the backend. */
    static void store(MatrixBatch m, float[] values) {
        m.copyFrom(values);
    }

    /** A temporary batch on this context holding {@code values}. */
    MatrixBatch temp(float[] values, int batch, int rows, int cols) {
        return ctx.upload(values, batch, rows, cols);
    }

    // ---------------------------------------------------------------- AdamW

    /**
     * The AdamW change of {@code p} (not applied), in float32 on host, with eps added to the bias-corrected
     * {@code √v̂} as torch's AdamW does: see {@link #adamWDelta(MatrixBatch, float[], float[], double, double, double,
     * double, double, boolean)}.
     */
    float[] adamWDelta(MatrixBatch p, float[] w, float[] g, double lr, double beta1, double beta2, double eps, double wd) {
        return adamWDelta(p, w, g, lr, beta1, beta2, eps, wd, false);
    }

    /**
     * The AdamW change of {@code p} (not applied), in float32 on host:
     * {@code m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², Δ = −lr·m̂/(√v̂ + e) − lr·wd·p} with
     * {@code m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)} and {@code e = eps} (torch.optim.AdamW) or, when {@code epsOnRawV},
     * {@code e = eps/√(1−β₂ᵗ)}: eps added to {@code √v} before the bias correction, as ROOT's reference code does
     * ({@code m/(eps + √v)} stepped by {@code lr·√(1−β₂ᵗ)/(1−β₁ᵗ)}). Updates the moments in slots {@code adam.m},
     * {@code adam.v}.
     */
    float[] adamWDelta(MatrixBatch p, float[] w, float[] g, double lr, double beta1, double beta2, double eps, double wd,
                       boolean epsOnRawV) {
        MatrixBatch ms = slot(p, "adam.m");
        MatrixBatch vs = slot(p, "adam.v");
        float[] m = host(ms);
        float[] v = host(vs);
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        double e = epsOnRawV ? eps / Math.sqrt(bc2) : eps;
        float[] d = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            m[i] = (float) (beta1 * m[i] + (1 - beta1) * g[i]);          // m ← β₁m + (1−β₁)g
            v[i] = (float) (beta2 * v[i] + (1 - beta2) * g[i] * g[i]);   // v ← β₂v + (1−β₂)g²
            double u = (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + e);         // m̂/(√v̂ + e)
            d[i] = (float) (-lr * u - lr * wd * w[i]);                     // decoupled weight decay
        }
        store(ms, m);
        store(vs, v);
        return d;
    }

    /** {@code p ← p + Δ}. */
    static void apply(MatrixBatch p, float[] w, float[] delta) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = w[i] + delta[i];
        }
        store(p, out);
    }
}
