package org.ortho4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.HostSpan;
import org.ortho4j.MatrixBatch;
import org.ortho4j.optim.AdamW;
import org.ortho4j.optim.DdcAdam;
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.Optimizer;
import org.ortho4j.optim.ParamGroup;
import org.ortho4j.optim.Role;
import org.ortho4j.optim.Root;
import org.ortho4j.optim.Scion;

/**
 * An ortho4j optimizer (Muon, SCION, ROOT or DDC-Adam) as a DJL {@link ai.djl.training.optimizer.Optimizer}.
 *
 * <p><b>Step.</b> DJL's {@code Trainer.step()} calls {@link #update} once per trainable parameter, in its parameter
 * store's (hash-map) order. Muon, SCION, ROOT and DDC need every matrix of the step at once, so each call copies
 * the gradient's values (DJL closes its gradient array after the call), zeroes the engine's gradient of the weight
 * ({@code g.subi(g)}, as DJL's {@code GradientCollector.zeroGradients} on PyTorch; DJL's built-in PyTorch optimizers
 * zero it in their fused update, and PyTorch would otherwise accumulate into it on the next backward pass) and keeps
 * the weight array. When the last trainable parameter of the block has arrived, one ortho4j step runs on the
 * weights' own memory: every parameter is a borrowed parameter ({@link Context#borrowed}), bound to a {@link HostSpan}
 * over {@code weight.toByteBuffer(true)}. For a contiguous CPU PyTorch tensor that buffer is the tensor's memory
 * (checked once per weight array by writing through it and reading a copy back), so the step writes the weights in
 * place; otherwise (a GPU weight, an engine that hands out copies) the step writes into the copy and
 * {@code weight.set(...)} copies it back. ortho4j keeps the optimizer state only, never a second copy of the weights.
 *
 * <p><b>Roles</b>, from the block's structure ({@link #roleOf} names them, {@link Builder#role} overrides one):
 * each {@link Linear}'s weight (rows = outputs, DJL's {@code (out, in)}) is {@link Role#HIDDEN}, except the last
 * {@code Linear} in the block's parameter order, the output head, which is {@link Role#OUTPUT} together with its
 * bias; an {@link Embedding}'s table is {@link Role#EMBEDDING}; vectors (biases, norm gains and shifts) are
 * {@link Role#BIAS_GAIN} ({@code 1 × n}); any other weight of two or more dimensions (a convolution's kernel) is
 * {@link Role#HIDDEN} as the matrix {@code shape[0] × (the rest)}, anything else {@link Role#BIAS_GAIN} flattened.
 * Parameters that do not require a gradient (BatchNorm's running statistics, frozen layers) are left out. A
 * parameter's name is its key in {@code block.getParameters()}, e.g. {@code "01Linear_weight"}; these names are the
 * ids of the borrowed parameters, and {@link Builder#role} takes either them or DJL's parameter id.
 *
 * <p><b>Learning rates.</b> The ortho4j options hold the base rates. A DJL {@link Tracker} given to {@link
 * Builder#learningRateTracker} is read before every step as the factor {@link Optimizer#learningRateScale(double)}
 * (so a tracker for warm-up or decay should have base value 1); without one the factor is 1. DJL's own
 * {@code optWeightDecays} is refused (use the options' weight decay); {@code setRescaleGrad} and {@code optClipGrad}
 * are applied to the copied gradients, as DJL's optimizers do.
 *
 * <p><b>Devices.</b> One device: a parameter that arrives twice before its step has run means the Trainer holds
 * per-device copies (multi-device training), which this class refuses with an {@link IllegalStateException} naming
 * the devices (averaging the copies' gradients and keeping them equal is DJL's parameter server's job, which hands
 * each copy to the optimizer separately); on one device it means some trainable parameter never reached the
 * optimizer (not used in the forward pass), and the exception names those.
 *
 * <p>Close it to release the ortho4j state (and the context, when this class created it); DJL's Trainer does not
 * close optimizers.
 */
public final class Ortho4jOptimizer extends ai.djl.training.optimizer.Optimizer implements AutoCloseable {

    /** Which ortho4j optimizer runs the step. */
    public enum Kind {
        /** {@link Muon}, options {@link Muon.Options}. */
        MUON,
        /** {@link Scion}, options {@link Scion.Options}. */
        SCION,
        /** {@link Root}, options {@link Root.Options}. */
        ROOT,
        /** {@link DdcAdam}, options {@link AdamW.Options}. */
        DDC_ADAM
    }

    private final Kind kind;
    private final Block block;
    private final Object options;
    private final Map<String, Role> overrides;
    private final Tracker tracker;
    private final Context ctx;
    private final boolean ownsContext;

    // resolved from the block on first use
    private List<Slot> slots;                 // in ortho4j parameters() order
    private Map<String, Slot> byDjlId;
    private Optimizer delegate;

    // the step being collected
    private int arrived;
    private boolean closed;

    private Ortho4jOptimizer(Builder b) {
        super(b);
        this.kind = b.kind;
        this.block = b.block;
        this.options = b.options;
        this.overrides = Collections.unmodifiableMap(new LinkedHashMap<>(b.overrides));
        this.tracker = b.tracker;
        this.ownsContext = b.ctx == null;
        this.ctx = b.ctx == null ? Context.create(BackendKind.CPU) : b.ctx;
        if (getWeightDecay() != 0f) {
            throw new IllegalArgumentException("Ortho4jOptimizer: DJL's optWeightDecays is not used; set the ortho4j options' weight decay");
        }
        if (block.isInitialized()) {
            try {
                resolve();
            } catch (RuntimeException e) {
                if (ownsContext) {
                    ctx.close();
                }
                throw e;
            }
        }
    }

    /**
     * A builder for {@link Muon} over {@code block}'s parameters.
     *
     * @param block the model's block (initialized now or by the Trainer before the first step)
     * @return the builder ({@link Builder#options} takes {@link Muon.Options})
     */
    public static Builder muon(Block block) {
        return new Builder(Kind.MUON, block);
    }

    /**
     * A builder for {@link Scion} over {@code block}'s parameters.
     *
     * @param block the model's block
     * @return the builder ({@link Builder#options} takes {@link Scion.Options})
     */
    public static Builder scion(Block block) {
        return new Builder(Kind.SCION, block);
    }

    /**
     * A builder for {@link Root} over {@code block}'s parameters.
     *
     * @param block the model's block
     * @return the builder ({@link Builder#options} takes {@link Root.Options})
     */
    public static Builder root(Block block) {
        return new Builder(Kind.ROOT, block);
    }

    /**
     * A builder for {@link DdcAdam} over {@code block}'s parameters.
     *
     * @param block the model's block
     * @return the builder ({@link Builder#options} takes {@link AdamW.Options})
     */
    public static Builder ddcAdam(Block block) {
        return new Builder(Kind.DDC_ADAM, block);
    }

    /** Builds an {@link Ortho4jOptimizer}; also takes DJL's {@code setRescaleGrad} and {@code optClipGrad}. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private final Kind kind;
        private final Block block;
        private Object options;
        private final Map<String, Role> overrides = new LinkedHashMap<>();
        private Tracker tracker;
        private Context ctx;

        private Builder(Kind kind, Block block) {
            this.kind = kind;
            this.block = Objects.requireNonNull(block, "block");
        }

        /**
         * The ortho4j options: {@link Muon.Options}, {@link Scion.Options}, {@link Root.Options} or, for DDC-Adam,
         * {@link AdamW.Options}, as the kind needs; not copied (set them before the first step).
         *
         * @param options the options, or {@code null} for the defaults
         * @return this builder
         * @throws IllegalArgumentException when the options are not the kind's
         */
        public Builder options(Object options) {
            Class<?> want = switch (kind) {
                case MUON -> Muon.Options.class;
                case SCION -> Scion.Options.class;
                case ROOT -> Root.Options.class;
                case DDC_ADAM -> AdamW.Options.class;
            };
            if (options != null && !want.isInstance(options)) {
                throw new IllegalArgumentException(kind + " takes " + want.getName() + ", got " + options.getClass().getName());
            }
            this.options = options;
            return this;
        }

        /**
         * Overrides the role of one parameter: {@link Role#HIDDEN}, {@link Role#EMBEDDING}, {@link Role#OUTPUT} (a
         * head of its own, with its {@code Linear}'s bias when it has one) or {@link Role#BIAS_GAIN} (flattened to
         * {@code 1 × n}).
         *
         * @param name the parameter's name in {@code block.getParameters()} (e.g. {@code "03Linear_weight"}) or its DJL id
         * @param role the role
         * @return this builder
         */
        public Builder role(String name, Role role) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(role, "role");
            if (role == Role.ATTENTION || role == Role.MLP_PAIR) {
                throw new IllegalArgumentException("role(" + name + "): " + role + " groups need several parameters; use HIDDEN,"
                        + " EMBEDDING, OUTPUT or BIAS_GAIN");
            }
            overrides.put(name, role);
            return this;
        }

        /**
         * A DJL tracker read before every step as the factor on every learning rate ({@link
         * Optimizer#learningRateScale(double)}), at update number {@code steps + 1}.
         *
         * @param tracker the schedule of the factor (base value 1 for a warm-up or decay)
         * @return this builder
         */
        public Builder learningRateTracker(Tracker tracker) {
            this.tracker = tracker;
            return this;
        }

        /**
         * The context the ortho4j state lives on [a new CPU context, {@code Context.create(BackendKind.CPU)}, closed
         * with the optimizer]. A context given here is not closed by the optimizer.
         *
         * @param ctx the context
         * @return this builder
         */
        public Builder context(Context ctx) {
            this.ctx = ctx;
            return this;
        }

        /**
         * The optimizer.
         *
         * @return the optimizer
         */
        public Ortho4jOptimizer build() {
            return new Ortho4jOptimizer(this);
        }

        @Override
        protected Builder self() {
            return this;
        }
    }

    /** One trainable parameter: its names, role, matrix shape, and what arrived this step. */
    private static final class Slot {
        final String name;
        final Parameter param;
        final Block owner;
        final int rows;
        final int cols;
        Role role;
        MatrixBatch borrowed;
        float[] grad;
        NDArray weight;
        Device device;
        NDArray probed;
        boolean shared;

        Slot(String name, Parameter param, Block owner, int rows, int cols) {
            this.name = name;
            this.param = param;
            this.owner = owner;
            this.rows = rows;
            this.cols = cols;
        }
    }

    private void resolve() {
        if (!block.isInitialized()) {
            throw new IllegalStateException("Ortho4jOptimizer: the block is not initialized (initialize it, or let the Trainer do so,"
                    + " before the first step)");
        }
        List<Slot> found = new ArrayList<>();
        collect(block, "", found);
        Map<String, Slot> byName = new LinkedHashMap<>();
        Map<String, Slot> byId = new HashMap<>();
        for (Slot s : found) {
            byName.put(s.name, s);
            byId.put(s.param.getId(), s);
        }
        for (String key : overrides.keySet()) {
            if (!byName.containsKey(key) && !byId.containsKey(key)) {
                throw new IllegalArgumentException("Ortho4jOptimizer.role: no trainable parameter '" + key + "' in the block; its"
                        + " parameters: " + byName.keySet());
            }
        }
        Slot lastLinear = null;
        for (Slot s : found) {
            if (s.owner instanceof Linear && "weight".equals(s.param.getName())) {
                lastLinear = s;
            }
        }
        for (Slot s : found) {
            Role r = overrides.get(s.name);
            if (r == null) {
                r = overrides.get(s.param.getId());
            }
            s.role = r != null ? r : defaultRole(s, lastLinear);
        }
        // the heads' biases go with them, unless overridden
        Map<Slot, Slot> headBias = new LinkedHashMap<>();
        for (Slot s : found) {
            if (s.role == Role.OUTPUT && s.rows > 1 && s.owner instanceof Linear) {
                for (Slot t : found) {
                    if (t.owner == s.owner && "bias".equals(t.param.getName()) && !overrides.containsKey(t.name)
                            && !overrides.containsKey(t.param.getId())) {
                        headBias.put(s, t);
                        t.role = Role.OUTPUT;
                    }
                }
            }
        }
        List<ParamGroup> groups = new ArrayList<>();
        List<Slot> order = new ArrayList<>();
        List<MatrixBatch> hidden = new ArrayList<>();
        List<MatrixBatch> vectors = new ArrayList<>();
        List<Slot> hiddenSlots = new ArrayList<>();
        List<Slot> vectorSlots = new ArrayList<>();
        List<ParamGroup> tables = new ArrayList<>();
        List<Slot> tableSlots = new ArrayList<>();
        List<ParamGroup> heads = new ArrayList<>();
        List<Slot> headSlots = new ArrayList<>();
        for (Slot s : found) {
            switch (s.role) {
                case HIDDEN -> {
                    s.borrowed = ctx.borrowed(s.name, 1, s.rows, s.cols);
                    hidden.add(s.borrowed);
                    hiddenSlots.add(s);
                }
                case EMBEDDING -> {
                    s.borrowed = ctx.borrowed(s.name, 1, s.rows, s.cols);
                    tables.add(ParamGroup.embedding("embedding " + s.name, s.borrowed));
                    tableSlots.add(s);
                }
                case OUTPUT -> {
                    if (headBias.containsValue(s)) {
                        break;                                            // joins its head below
                    }
                    s.borrowed = ctx.borrowed(s.name, 1, s.rows, s.cols);
                    Slot bias = headBias.get(s);
                    MatrixBatch b = null;
                    if (bias != null) {
                        bias.borrowed = ctx.borrowed(bias.name, 1, 1, bias.rows * bias.cols);
                        b = bias.borrowed;
                    }
                    heads.add(ParamGroup.output("output " + s.name, s.borrowed, b));
                    headSlots.add(s);
                    if (bias != null) {
                        headSlots.add(bias);
                    }
                }
                case BIAS_GAIN -> {
                    s.borrowed = ctx.borrowed(s.name, 1, 1, s.rows * s.cols);
                    vectors.add(s.borrowed);
                    vectorSlots.add(s);
                }
                default -> throw new IllegalStateException("unreachable: " + s.role);
            }
        }
        if (!hidden.isEmpty()) {
            groups.add(ParamGroup.hidden("hidden", hidden.toArray(new MatrixBatch[0])));
            order.addAll(hiddenSlots);
        }
        groups.addAll(tables);
        order.addAll(tableSlots);
        groups.addAll(heads);
        order.addAll(headSlots);
        if (!vectors.isEmpty()) {
            groups.add(ParamGroup.biasGain("biases and gains", vectors.toArray(new MatrixBatch[0])));
            order.addAll(vectorSlots);
        }
        if (order.isEmpty()) {
            throw new IllegalStateException("Ortho4jOptimizer: the block has no trainable parameters");
        }
        Optimizer opt = switch (kind) {
            case MUON -> new Muon(ctx, groups, (Muon.Options) options);
            case SCION -> new Scion(ctx, groups, (Scion.Options) options);
            case ROOT -> new Root(ctx, groups, (Root.Options) options);
            case DDC_ADAM -> new DdcAdam(ctx, groups, (AdamW.Options) options);
        };
        List<String> ids = opt.parameterIds();
        for (int i = 0; i < order.size(); i++) {
            if (!order.get(i).name.equals(ids.get(i))) {
                throw new IllegalStateException("Ortho4jOptimizer: parameter order " + ids + " differs from the slots' at " + i);
            }
            order.get(i).grad = new float[order.get(i).rows * order.get(i).cols];
        }
        this.slots = Collections.unmodifiableList(order);
        this.byDjlId = byId;
        this.delegate = opt;
    }

    private static Role defaultRole(Slot s, Slot lastLinear) {
        if (s.owner instanceof Embedding && "embedding".equals(s.param.getName())) {
            return Role.EMBEDDING;
        }
        if (s.owner instanceof Linear && "weight".equals(s.param.getName())) {
            return s == lastLinear ? Role.OUTPUT : Role.HIDDEN;
        }
        if (s.rows > 1 && s.param.getType() == Parameter.Type.WEIGHT) {
            return Role.HIDDEN;
        }
        return Role.BIAS_GAIN;
    }

    /** The trainable parameters under {@code b}, named as {@code b.getParameters()} names them, with their blocks. */
    private static void collect(Block b, String prefix, List<Slot> out) {
        for (Pair<String, Parameter> p : b.getDirectParameters()) {
            Parameter param = p.getValue();
            if (!param.requiresGradient()) {
                continue;
            }
            Shape shape = param.getArray().getShape();
            long size = shape.size();
            long rows = shape.dimension() >= 2 ? shape.get(0) : 1;
            long cols = size / Math.max(rows, 1);
            if (size == 0 || rows * cols != size || size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("Ortho4jOptimizer: parameter " + prefix + p.getKey() + " has shape " + shape);
            }
            out.add(new Slot(prefix + p.getKey(), param, b, (int) rows, (int) cols));
        }
        for (Pair<String, Block> c : b.getChildren()) {
            collect(c.getValue(), prefix + c.getKey() + "_", out);
        }
    }

    /**
     * Takes one parameter's gradient; the step runs when the block's last trainable parameter has arrived.
     *
     * @param parameterId DJL's id of the parameter
     * @param weight      the parameter's array (updated in place when the step runs)
     * @param grad        the gradient (copied)
     * @throws IllegalArgumentException when {@code parameterId} is not a trainable parameter of the block, or the
     *                                  arrays are not float32 of the parameter's size
     * @throws IllegalStateException    when a parameter arrives twice before its step (per-device copies, or a
     *                                  parameter that never reaches the optimizer), or the optimizer is closed
     */
    @Override
    public synchronized void update(String parameterId, NDArray weight, NDArray grad) {
        if (closed) {
            throw new IllegalStateException("Ortho4jOptimizer: closed");
        }
        if (slots == null) {
            resolve();
        }
        Slot s = byDjlId.get(parameterId);
        if (s == null) {
            throw new IllegalArgumentException("Ortho4jOptimizer: parameter id " + parameterId + " (shape " + weight.getShape()
                    + ") is not a trainable parameter of the block this optimizer was built for; its parameters: " + names());
        }
        if (s.weight != null) {
            Device first = s.device;
            Device now = weight.getDevice();
            List<String> missing = new ArrayList<>();
            for (Slot t : slots) {
                if (t.weight == null) {
                    missing.add(t.name);
                }
            }
            clearPending();
            if (!first.equals(now)) {
                throw new IllegalStateException("Ortho4jOptimizer: parameter " + s.name + " arrived on " + first + " and on " + now
                        + " in one step: per-device copies (multi-device training) are not supported; train on one device");
            }
            throw new IllegalStateException("Ortho4jOptimizer: parameter " + s.name + " arrived twice before its step ran on " + now
                    + "; the parameters " + missing + " never reached the optimizer (unused in the forward pass? mark them"
                    + " setRequiresGradient(false)), or the Trainer holds per-device copies");
        }
        int n = s.grad.length;
        if (grad.getDataType() != DataType.FLOAT32 || weight.getDataType() != DataType.FLOAT32 || grad.size() != n
                || weight.size() != n) {
            throw new IllegalArgumentException("Ortho4jOptimizer: parameter " + s.name + " needs float32 weight and gradient of " + n
                    + " values, got " + weight.getDataType() + " " + weight.getShape() + " and " + grad.getDataType() + " " + grad.getShape());
        }
        floats(grad.toByteBuffer(true)).get(0, s.grad, 0, n);
        if (rescaleGrad != 1f || clipGrad > 0f) {
            for (int i = 0; i < n; i++) {
                float g = s.grad[i] * rescaleGrad;
                s.grad[i] = clipGrad > 0f ? Math.max(-clipGrad, Math.min(clipGrad, g)) : g;
            }
        }
        if (weight.hasGradient()) {
            try (NDArray engineGrad = weight.getGradient()) {
                engineGrad.subi(engineGrad);                              // as the engine's zeroGradients
            }
        }
        s.weight = weight;
        s.device = weight.getDevice();
        if (++arrived == slots.size()) {
            runStep();
        }
    }

    private void runStep() {
        int n = slots.size();
        List<HostSpan> weights = new ArrayList<>(n);
        List<HostSpan> grads = new ArrayList<>(n);
        FloatBuffer[] buffers = new FloatBuffer[n];
        try {
            for (int i = 0; i < n; i++) {
                Slot s = slots.get(i);
                if (s.probed != s.weight) {
                    s.shared = sharesMemory(s.weight);
                    s.probed = s.weight;
                }
                buffers[i] = floats(s.weight.toByteBuffer(true));
                weights.add(HostSpan.of(buffers[i]));
                grads.add(HostSpan.of(s.grad));
            }
            if (tracker != null) {
                delegate.learningRateScale(tracker.getNewValue((int) Math.min(Integer.MAX_VALUE, delegate.steps() + 1)));
            }
            delegate.step(weights, grads);
            for (int i = 0; i < n; i++) {
                Slot s = slots.get(i);
                if (!s.shared) {
                    s.weight.set(buffers[i].rewind());
                }
            }
        } finally {
            clearPending();
        }
    }

    private void clearPending() {
        for (Slot t : slots) {
            t.weight = null;
            t.device = null;
        }
        arrived = 0;
    }

    /**
     * Whether {@code w.toByteBuffer(true)} is {@code w}'s own memory: a value written through it must be seen in a
     * fresh copy of the array. The value is put back.
     */
    private static boolean sharesMemory(NDArray w) {
        ByteBuffer direct = w.toByteBuffer(true).order(ByteOrder.nativeOrder());
        if (!direct.isDirect() || direct.isReadOnly()) {
            return false;
        }
        int bits = direct.getInt(0);
        direct.putInt(0, bits ^ 1);
        try {
            try (NDArray copy = w.duplicate()) {
                return Float.floatToRawIntBits(copy.toFloatArray()[0]) == (bits ^ 1);
            }
        } finally {
            direct.putInt(0, bits);
        }
    }

    private static FloatBuffer floats(ByteBuffer b) {
        return b.order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private List<String> names() {
        List<String> out = new ArrayList<>();
        for (Slot s : slots) {
            out.add(s.name);
        }
        return out;
    }

    /**
     * The trainable parameters' names, in the order of the ortho4j optimizer's {@link Optimizer#parameters()}.
     *
     * @return the names ({@code block.getParameters()} keys)
     * @throws IllegalStateException when the block is not initialized yet
     */
    public synchronized List<String> parameterNames() {
        if (slots == null) {
            resolve();
        }
        return Collections.unmodifiableList(names());
    }

    /**
     * The role each trainable parameter was given.
     *
     * @param name a {@code block.getParameters()} key or DJL parameter id
     * @return its role
     * @throws IllegalArgumentException when there is no such trainable parameter
     */
    public synchronized Role roleOf(String name) {
        if (slots == null) {
            resolve();
        }
        for (Slot s : slots) {
            if (s.name.equals(name) || s.param.getId().equals(name)) {
                return s.role;
            }
        }
        throw new IllegalArgumentException("no trainable parameter '" + name + "'; the parameters: " + names());
    }

    /**
     * The ortho4j optimizer that runs the steps (its parameters are borrowed, named by {@link #parameterNames()}).
     *
     * @return the optimizer
     * @throws IllegalStateException when the block is not initialized yet
     */
    public synchronized Optimizer delegate() {
        if (slots == null) {
            resolve();
        }
        return delegate;
    }

    /**
     * Whether the last step wrote {@code name}'s weight in place (its {@code toByteBuffer(true)} is the array's own
     * memory) rather than through a copy and {@code weight.set}.
     *
     * @param name a parameter name from {@link #parameterNames()}
     * @return {@code true} when written in place; {@code false} also before the first step
     */
    public synchronized boolean writesInPlace(String name) {
        for (Slot s : slots == null ? List.<Slot>of() : slots) {
            if (s.name.equals(name)) {
                return s.shared;
            }
        }
        return false;
    }

    /**
     * Which ortho4j optimizer this is.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /** Releases the ortho4j state, and the context when this optimizer created it. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (delegate != null) {
                delegate.close();
            }
            if (ownsContext) {
                ctx.close();
            }
        }
    }
}
