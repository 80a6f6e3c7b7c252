package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/**
 * An optimizer over {@link ParamGroup}s whose parameters, and whose state (momentum, Adam moments), live on one
 * {@link Context}. {@link #step} reads one gradient per parameter, in {@link #parameters()} order (the groups'
 * parameters concatenated), and updates the parameters in place.
 *
 * <h2>Wrapping it in a framework</h2>
 * Frameworks hand an optimizer one parameter at a time: DL4J's {@code GradientUpdater.applyUpdater(INDArray
 * gradient, int iteration, int epoch)} turns the gradient into the update in place (the framework then does
 * {@code params -= update}), and DJL's {@code Optimizer.update(String parameterId, NDArray weight, NDArray grad)}
 * updates the weight. Because Muon/SCION/ROOT need the whole matrix and DDC needs every member of a gauge group
 * at once, a wrapper collects gradients and runs one {@link #step} when the last one of a step has arrived; see
 * {@link HostAdapter}, the dependency-free shape of such a wrapper:
 * <pre>{@code
 * // DJL: class Ortho4jDjl extends ai.djl.training.optimizer.Optimizer
 * public void update(String id, NDArray weight, NDArray grad) {
 *     adapter.gradient(id, grad.toFloatArray());
 *     if (adapter.ready()) adapter.step();                      // runs once per training step
 *     weight.set(adapter.parameter(id));                        // the updated values
 * }
 * // DL4J: class Ortho4jUpdater implements GradientUpdater — applyUpdater(gradient, it, ep):
 * //   float[] before = adapter.parameter(id); adapter.gradient(id, gradient.toFloatVector());
 * //   if (adapter.ready()) adapter.step();  gradient.assign(before − adapter.parameter(id))   // DL4J subtracts it
 * }</pre>
 */
public interface Optimizer extends AutoCloseable {

    /**
     * A short name.
     *
     * @return the name, e.g. {@code muon}
     */
    String name();

    /**
     * The context the parameters and the optimizer state live on.
     *
     * @return the context
     */
    Context context();

    /**
     * The parameter groups, in the order given at construction.
     *
     * @return the groups (unmodifiable)
     */
    List<ParamGroup> groups();

    /**
     * Every parameter of every group, in group order.
     *
     * @return the parameters, the order {@link #step} expects the gradients in
     */
    List<MatrixBatch> parameters();

    /**
     * One update of every parameter from {@code grads}.
     *
     * @param grads one gradient per parameter: same order and shapes as {@link #parameters()}, same context; not
     *              modified
     */
    void step(List<MatrixBatch> grads);

    /**
     * Sets the factor on every learning rate this optimizer uses from the next {@link #step} on, for warm-up and
     * decay schedules; 1 until set. It multiplies each learning rate exactly as a PyTorch LR scheduler multiplies a
     * group's {@code lr}: Muon's lr and its inner AdamW's, SCION's step size γ, ROOT's lr (so also its
     * {@code 0.2·√max(m, n)} matrix step and its inner AdamW's), AdamW's and DDC's; together with each group's
     * {@link ParamGroup#lrScale()}. Everything the references multiply by the lr is scaled with it: decoupled weight
     * decay ({@code W ← W − s·lr·wd·W}) and SCG's shrink ({@code W ← (1 − s·γ)·W − s·γ·ρ·lmo(d)}). Nothing else
     * changes: momentum, Adam's moments and bias corrections and the step count go on as before, so calling it
     * every step with the schedule's value, e.g. {@code opt.learningRateScale(Math.min(1, (t + 1) / 100.0))}, is a
     * linear warm-up over 100 steps. It is a factor, not a new base value: the base learning rates stay those of the
     * options.
     *
     * @param s the factor, finite and ≥ 0 (at 0 the parameters stay where they are while the momenta still advance)
     * @throws IllegalArgumentException when {@code s} is negative, NaN or infinite
     */
    void learningRateScale(double s);

    /**
     * The factor set by {@link #learningRateScale(double)}.
     *
     * @return the factor on every learning rate, 1 until set
     */
    double learningRateScale();

    /**
     * Number of steps taken.
     *
     * @return the number of completed {@link #step} calls
     */
    long steps();

    /** Releases the optimizer state (not the parameters). */
    @Override
    void close();
}
