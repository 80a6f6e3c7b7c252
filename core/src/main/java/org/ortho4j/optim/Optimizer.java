package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.HostSpan;
import org.ortho4j.MatrixBatch;

/**
 * An optimizer over {@link ParamGroup}s whose parameters, and whose state (momentum, Adam moments), live on one
 * {@link Context}. {@link #step} reads one gradient per parameter, in {@link #parameters()} order (the groups'
 * parameters concatenated), and updates the parameters in place.
 *
 * <h2>Parameters the caller owns</h2>
 * A framework keeps its own weights. Declare each as a borrowed parameter ({@link Context#borrowed}: an id and a
 * shape, no memory), group them as usual, and call {@link #step(List, List)} with the framework's current weight and
 * gradient memory each step ({@link HostSpan}: a {@code float[]} range or a {@link java.nio.FloatBuffer}): the step
 * reads and updates the caller's weights in place, the optimizer keeps only its state, keyed by the parameter, so
 * nothing drifts whatever the framework does to its weights between steps (its own weight decay, a checkpoint
 * reload). {@link #stepUpdate} leaves the weights alone and writes the update instead, for frameworks that subtract
 * it themselves (DL4J). Muon, SCION, ROOT and DDC need every matrix of a step at once, so a wrapper collects the
 * gradients of the whole step first; the modules {@code ortho4j-djl} and {@code ortho4j-dl4j} are such wrappers
 * (see the README, "Use it from DJL" and "Use it from DL4J"):
 * <pre>{@code
 * Context ctx = Context.create();
 * MatrixBatch w1 = ctx.borrowed("fc1.weight", 1, 128, 64), b1 = ctx.borrowed("fc1.bias", 1, 1, 128);
 * MatrixBatch w2 = ctx.borrowed("fc2.weight", 1, 10, 128), b2 = ctx.borrowed("fc2.bias", 1, 1, 10);
 * Optimizer opt = new Muon(ctx, List.of(ParamGroup.hidden("hidden", w1),
 *         ParamGroup.output("head", w2, b2), ParamGroup.biasGain("biases", b1)), null);
 * // every training step, after the backward pass, in parameters() order:
 * opt.step(List.of(HostSpan.of(fc1W), HostSpan.of(fc2W), HostSpan.of(fc2B), HostSpan.of(fc1B)),
 *          List.of(HostSpan.of(fc1G), HostSpan.of(fc2G), HostSpan.of(fc2BG), HostSpan.of(fc1BG)));
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
     * The ids of the parameters, in {@link #parameters()} order.
     *
     * @return each parameter's {@link MatrixBatch#id()} ({@code null} for one with memory of its own)
     */
    default List<String> parameterIds() {
        List<String> ids = new java.util.ArrayList<>();
        for (MatrixBatch p : parameters()) {
            ids.add(p.id());
        }
        return java.util.Collections.unmodifiableList(ids);
    }

    /**
     * One update of parameters the caller owns, in place: every parameter must be borrowed ({@link
     * Context#borrowed}). Each parameter is bound to {@code weights.get(i)} for the step, so the step reads the
     * caller's current values and writes the new ones there; no copy of the weights outlives the step. The gradients
     * are read (and copied into the backend's memory for the step); they are checked first, so a non-finite gradient
     * is refused before anything, state included, changes.
     *
     * @param weights one span per parameter, in {@link #parameters()} order, each the parameter's size, writable
     * @param grads   one span per parameter, same order and sizes; not modified
     * @throws org.ortho4j.NonFiniteInputException when a gradient holds NaN or infinity (argument {@code grad <id>});
     *                                             nothing is changed
     */
    void step(List<HostSpan> weights, List<HostSpan> grads);

    /**
     * One update of parameters the caller owns, written as the update rather than applied: the weights are read, not
     * written, and {@code updates.get(i)} receives {@code u = W − W'} (W' the weights {@link #step(List, List)} would
     * leave), so that the caller's {@code W − u} is the step (DL4J's convention: the updater writes into the gradient
     * view, the framework subtracts it). {@code W − u} equals {@code W'} up to one float32 rounding.
     *
     * @param weights one span per parameter, in {@link #parameters()} order; not modified
     * @param grads   one span per parameter; not modified unless it is also the update's span
     * @param updates one writable span per parameter; may be the gradient's own span
     * @throws org.ortho4j.NonFiniteInputException when a gradient holds NaN or infinity; nothing is changed
     */
    void stepUpdate(List<HostSpan> weights, List<HostSpan> grads, List<HostSpan> updates);

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
