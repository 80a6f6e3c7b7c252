package org.ortho4j.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ortho4j.MatrixBatch;

/**
 * Collects gradients handed over one parameter at a time under the caller's ids, and runs one {@link Optimizer#step}
 * once every parameter's gradient of the step has arrived (Muon, SCION, ROOT and DDC need the whole matrix, and DDC
 * every member of a gauge group, at once); {@link #parameter(String)} then returns the updated values.
 *
 * <p>The optimizer here owns its parameters: they are a second copy of whatever the caller trains, which drifts
 * from the caller's weights as soon as anything else changes those (a framework's own weight decay, a checkpoint
 * reload), and copying {@link #parameter(String)} back inside a per-parameter callback hands every parameter but the
 * last the previous step's values. Framework wrappers should not use it: declare the framework's weights as
 * borrowed parameters ({@link org.ortho4j.Context#borrowed}) and call {@link Optimizer#step(List, List)} (or
 * {@link Optimizer#stepUpdate}) once per step with the framework's memory, as the modules {@code ortho4j-djl} and
 * {@code ortho4j-dl4j} do. This class remains for callers that keep their parameters in ortho4j.
 *
 * <p>Not thread-safe: one framework training loop drives it.
 */
public final class HostAdapter implements AutoCloseable {
    private final Optimizer optimizer;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final List<MatrixBatch> params;
    private final MatrixBatch[] grads;
    private final boolean[] arrived;
    private int count;

    /**
     * An adapter collecting the gradients of {@code optimizer}'s parameters, named by {@code ids}.
     *
     * @param optimizer the optimizer whose {@link Optimizer#parameters()} the framework's parameters are
     * @param ids       one id per parameter, in {@link Optimizer#parameters()} order, distinct
     */
    public HostAdapter(Optimizer optimizer, List<String> ids) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.params = optimizer.parameters();
        if (ids.size() != params.size()) {
            throw new IllegalArgumentException("HostAdapter: " + ids.size() + " ids for " + params.size() + " parameters");
        }
        for (int i = 0; i < ids.size(); i++) {
            if (index.put(Objects.requireNonNull(ids.get(i), "id"), i) != null) {
                throw new IllegalArgumentException("HostAdapter: id '" + ids.get(i) + "' appears twice");
            }
        }
        this.grads = new MatrixBatch[params.size()];
        this.arrived = new boolean[params.size()];
        try {
            for (int i = 0; i < grads.length; i++) {
                MatrixBatch p = params.get(i);
                grads[i] = optimizer.context().allocate(p.batch(), p.rows(), p.cols());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Stores the gradient of parameter {@code id} for the current step.
     *
     * @param id     the parameter's id
     * @param values its gradient, row-major, the parameter's size (not modified)
     */
    public void gradient(String id, float[] values) {
        int i = indexOf(id);
        grads[i].copyFrom(values);
        if (!arrived[i]) {
            arrived[i] = true;
            count++;
        }
    }

    /**
     * Whether every parameter's gradient of the current step has arrived.
     *
     * @return {@code true} when {@link #step()} may run
     */
    public boolean ready() {
        return count == grads.length;
    }

    /** Runs one optimizer step on the collected gradients and starts collecting the next step's. */
    public void step() {
        if (!ready()) {
            StringBuilder missing = new StringBuilder();
            for (Map.Entry<String, Integer> e : index.entrySet()) {
                if (!arrived[e.getValue()]) {
                    missing.append(missing.length() == 0 ? "" : ", ").append(e.getKey());
                }
            }
            throw new IllegalStateException("HostAdapter.step: no gradient yet for " + missing);
        }
        optimizer.step(Arrays.asList(grads));
        Arrays.fill(arrived, false);
        count = 0;
    }

    /**
     * The current values of parameter {@code id}.
     *
     * @param id the parameter's id
     * @return a copy of its values, row-major
     */
    public float[] parameter(String id) {
        return params.get(indexOf(id)).toArray();
    }

    private int indexOf(String id) {
        Integer i = index.get(id);
        if (i == null) {
            throw new IllegalArgumentException("HostAdapter: unknown parameter id '" + id + "' (known: " + index.keySet() + ")");
        }
        return i;
    }

    /** Releases the gradient buffers (not the optimizer). */
    @Override
    public void close() {
        for (MatrixBatch g : grads) {
            if (g != null) {
                g.close();
            }
        }
    }
}
