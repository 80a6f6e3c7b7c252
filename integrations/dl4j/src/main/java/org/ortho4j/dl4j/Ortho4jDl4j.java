package org.ortho4j.dl4j;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.ortho4j.Context;
import org.ortho4j.HostSpan;
import org.ortho4j.MatrixBatch;
import org.ortho4j.optim.Optimizer;
import org.ortho4j.optim.ParamGroup;

/**
 * ortho4j's optimizers inside DL4J's own training loop: {@link #attach} makes one {@link Ortho4jUpdater} the updater
 * of every parameter of a {@link MultiLayerNetwork}, declares each DL4J parameter as an ortho4j borrowed parameter
 * ({@link Context#borrowed}: id and shape, no memory), groups them ({@link #defaultGroups}, or your own) and builds
 * the optimizer. {@code net.fit(...)} then runs as usual: per step DL4J calls the updater with the network's flat
 * gradient view, and the optimizer's {@link Optimizer#stepUpdate} reads the weights in place from the network's flat
 * parameter buffer and writes {@code u = W − W'} over the gradient, which DL4J subtracts ({@code params -= u}).
 * ortho4j keeps only the optimizer state.
 *
 * <h2>Layout</h2>
 * DL4J keeps all parameters in one flat buffer, layer after layer, each layer's parameters in its {@code
 * paramTable()} order ({@code W}, {@code b}, then the layer-norm gain {@code g}). A {@code DenseLayer}'s or {@code
 * OutputLayer}'s {@code W} is {@code [nIn, nOut]} in {@code 'f'} order, which in memory is exactly the row-major
 * {@code nOut × nIn} matrix of ortho4j's convention (rows = outputs), so the borrowed weight is {@code nOut × nIn}
 * over that range with no copy or transpose; {@code b} and {@code g} are {@code 1 × nOut}. Ids are the keys of
 * {@code net.paramTable()}, {@code <layer index>_<param>} (e.g. {@code "0_W"}, {@code "2_b"}).
 *
 * <h2>Default groups</h2>
 * The {@code DenseLayer} weights are one {@link ParamGroup#hidden} group, the {@code OutputLayer}'s weight and bias
 * {@link ParamGroup#output}, every other bias and gain {@link ParamGroup#biasGain}. Pass your own grouping to {@link
 * #attach(MultiLayerNetwork, Ortho4jUpdater, Function, Context)}; every parameter must be in exactly one group (a
 * parameter left out would get DL4J's raw gradient subtracted as its update).
 *
 * <h2>What the gradient holds when ortho4j sees it</h2>
 * DL4J's {@code BaseMultiLayerUpdater.update} prepares the flat gradient view before it calls the updater: (1) it
 * divides it by the minibatch size when the configuration's {@code miniBatch} is true (the default), so ortho4j sees
 * the mean gradient over the minibatch, as a PyTorch loss with mean reduction gives; (2) it applies the layers'
 * {@code GradientNormalization} (clipping, renormalising), if configured; (3) L1/L2 regularisation would be added
 * after (1)–(2), and weight decay applied after the updater, but {@link #attach} refuses a layer with any DL4J
 * regularisation: weight decay is the optimizer's own (decoupled, {@code Muon.Options.weightDecay}, {@link
 * ParamGroup#weightDecay}). The gradient is that of the network's score, which includes neither L1/L2 terms.
 *
 * <h2>Updater blocks</h2>
 * DL4J groups consecutive parameters with equal updater configurations into one block and calls the updater once
 * per block; with the same {@link Ortho4jUpdater} on every layer that is one block over the whole network. Should
 * DL4J split it (e.g. a parameter layer in between with another updater, which {@link #attach} refuses), the session
 * collects the blocks of one iteration and steps when the last has arrived, writing the updates of all of them
 * (DL4J subtracts after all blocks). A block with another updater holding one of the optimizer's parameters is
 * refused at the first step.
 *
 * <h2>Not supported</h2>
 * {@code ComputationGraph}, layers with parameters other than {@code DenseLayer} and {@code OutputLayer}, a network
 * whose parameters are not float32, DL4J regularisation (l1, l2, weightDecay) on the parameters, DL4J's learning
 * rate and its schedules (see {@link Ortho4jUpdater}), gradients of another network ("external" updates), and
 * DL4J checkpoints of the optimizer state (it is not in DL4J's updater state: {@link Ortho4jUpdater#stateSize} is 0).
 */
public final class Ortho4jDl4j implements AutoCloseable {

    /** One DL4J parameter as an ortho4j borrowed parameter. */
    public static final class Param {
        private final String id;
        private final int layer;
        private final String key;
        private final long offset;
        private final MatrixBatch handle;

        Param(String id, int layer, String key, long offset, MatrixBatch handle) {
            this.id = id;
            this.layer = layer;
            this.key = key;
            this.offset = offset;
            this.handle = handle;
        }

        /**
         * The id, the key of {@code net.paramTable()}.
         *
         * @return e.g. {@code "0_W"}
         */
        public String id() {
            return id;
        }

        /**
         * The layer's index in the network.
         *
         * @return the index
         */
        public int layer() {
            return layer;
        }

        /**
         * DL4J's parameter key in the layer.
         *
         * @return {@code W}, {@code b} or {@code g}
         */
        public String key() {
            return key;
        }

        /**
         * Where the parameter starts in the network's flat parameter (and gradient) buffer.
         *
         * @return the offset, in elements
         */
        public long offset() {
            return offset;
        }

        /**
         * The borrowed parameter ({@code nOut × nIn} for a weight, {@code 1 × nOut} for a bias or gain).
         *
         * @return the handle to put into a {@link ParamGroup}
         */
        public MatrixBatch handle() {
            return handle;
        }

        /**
         * Whether this is a layer's weight matrix {@code W}.
         *
         * @return true for {@code W}
         */
        public boolean isWeight() {
            return "W".equals(key);
        }

        @Override
        public String toString() {
            return id + " " + handle.shape() + " at " + offset;
        }
    }

    /** A network's parameters as borrowed parameters, for building the groups. */
    public static final class Parameters {
        private final List<Param> all;
        private final Map<String, Param> byId = new LinkedHashMap<>();
        private final int outputLayer;

        Parameters(List<Param> all, int outputLayer) {
            this.all = Collections.unmodifiableList(all);
            for (Param p : all) {
                byId.put(p.id(), p);
            }
            this.outputLayer = outputLayer;
        }

        /**
         * Every parameter, in the network's flat order.
         *
         * @return the parameters
         */
        public List<Param> all() {
            return all;
        }

        /**
         * A parameter by id.
         *
         * @param id the key of {@code net.paramTable()}, e.g. {@code "0_W"}
         * @return the borrowed parameter
         * @throws IllegalArgumentException when there is none
         */
        public MatrixBatch get(String id) {
            Param p = byId.get(id);
            if (p == null) {
                throw new IllegalArgumentException("ortho4j-dl4j: no parameter '" + id + "'; the network has " + byId.keySet());
            }
            return p.handle();
        }

        /**
         * A layer's parameter.
         *
         * @param layer the layer's index
         * @param key   {@code W}, {@code b} or {@code g}
         * @return the borrowed parameter, or {@code null} when the layer has none such
         */
        public MatrixBatch get(int layer, String key) {
            for (Param p : all) {
                if (p.layer() == layer && p.key().equals(key)) {
                    return p.handle();
                }
            }
            return null;
        }

        /**
         * The index of the network's {@code OutputLayer}.
         *
         * @return the index, or -1 when the last parameter layer is not an {@code OutputLayer}
         */
        public int outputLayer() {
            return outputLayer;
        }
    }

    /** One of DL4J's updater blocks under this session. */
    private static final class Block {
        final int start;
        final int end;
        final GradientUpdater<?> updater;

        Block(int start, int end, GradientUpdater<?> updater) {
            this.start = start;
            this.end = end;
            this.updater = updater;
        }
    }

    private final MultiLayerNetwork net;
    private final Ortho4jUpdater config;
    private final Context ctx;
    private final boolean ownsContext;
    private final Optimizer optimizer;
    private final Parameters parameters;
    private final Map<MatrixBatch, Param> byHandle = new IdentityHashMap<>();
    private final List<Ortho4jUpdater> bound;

    private Updater resolvedFor;
    private List<Block> blocks;
    private INDArray[] pending;
    private int pendingIteration = -1;
    private int arrived;

    private Ortho4jDl4j(MultiLayerNetwork net, Ortho4jUpdater config, Context ctx, boolean ownsContext, Parameters parameters,
                        List<ParamGroup> groups, List<Ortho4jUpdater> bound) {
        this.net = net;
        this.config = config;
        this.ctx = ctx;
        this.ownsContext = ownsContext;
        this.parameters = parameters;
        for (Param p : parameters.all()) {
            byHandle.put(p.handle(), p);
        }
        this.optimizer = config.create(ctx, groups);
        this.bound = bound;
    }

    // ------------------------------------------------------------------ attach

    /**
     * Makes {@code updater} the updater of every parameter of {@code net} (replacing the configured ones and any
     * updater state DL4J holds), with the {@link #defaultGroups}, on a new {@link Context#create()} context.
     *
     * @param net     an initialised network ({@code net.init()})
     * @param updater the optimizer and its options
     * @return the session: the optimizer, its context, the parameters; close it when done
     * @throws IllegalArgumentException for a network or configuration this module does not support (one line saying
     *                                  which layer or setting and why)
     */
    public static Ortho4jDl4j attach(MultiLayerNetwork net, Ortho4jUpdater updater) {
        return attach(net, updater, Ortho4jDl4j::defaultGroups, null);
    }

    /**
     * Binds the {@link Ortho4jUpdater} that {@code net}'s configuration already has on every layer (e.g. set with
     * {@code NeuralNetConfiguration.Builder.updater(...)}, or read back from JSON or a checkpoint), with the {@link
     * #defaultGroups}, on a new context. The optimizer state starts fresh.
     *
     * @param net an initialised network whose every parameter has an equal {@link Ortho4jUpdater}
     * @return the session
     * @throws IllegalArgumentException when a parameter has another updater, or as {@link #attach(MultiLayerNetwork,
     *                                  Ortho4jUpdater)}
     */
    public static Ortho4jDl4j attach(MultiLayerNetwork net) {
        return attach(net, null, Ortho4jDl4j::defaultGroups, null);
    }

    /**
     * The general form.
     *
     * @param net     an initialised network
     * @param updater the optimizer and its options, set on every layer; {@code null} to use the one the configuration
     *                has on every layer
     * @param groups  builds the parameter groups from the parameters; every parameter in exactly one group ({@code
     *                null}: {@link #defaultGroups})
     * @param ctx     the context of the optimizer state ({@code null}: a new {@link Context#create()}, closed with the
     *                session)
     * @return the session
     */
    public static Ortho4jDl4j attach(MultiLayerNetwork net, Ortho4jUpdater updater, Function<Parameters, List<ParamGroup>> groups,
                                     Context ctx) {
        Objects.requireNonNull(net, "net");
        Layer[] layers = net.getLayers();
        if (layers == null || net.params() == null) {
            throw new IllegalArgumentException("ortho4j-dl4j: the network is not initialised; call net.init() before attach");
        }
        if (net.params().dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("ortho4j-dl4j: the network's parameters are " + net.params().dataType()
                    + "; ortho4j steps float32 parameters (MultiLayerConfiguration dataType(DataType.FLOAT))");
        }
        List<BaseLayer> confs = new ArrayList<>();
        int lastParamLayer = -1;
        for (int i = 0; i < layers.length; i++) {
            org.deeplearning4j.nn.conf.layers.Layer lc = layers[i].conf().getLayer();
            if (layers[i].numParams() == 0) {
                confs.add(null);
                continue;
            }
            String where = "layer " + i + " ('" + lc.getLayerName() + "', " + lc.getClass().getSimpleName() + ")";
            if (lc.getClass() != DenseLayer.class && lc.getClass() != OutputLayer.class) {
                throw new IllegalArgumentException("ortho4j-dl4j: " + where + " is not supported; the layers with parameters must"
                        + " be DenseLayer or OutputLayer");
            }
            BaseLayer bl = (BaseLayer) lc;
            refuseRegularization(where, "weights", bl.getRegularization());
            refuseRegularization(where, "biases", bl.getRegularizationBias());
            confs.add(bl);
            lastParamLayer = i;
        }
        if (lastParamLayer < 0) {
            throw new IllegalArgumentException("ortho4j-dl4j: the network has no parameters");
        }

        // Which configuration instances to bind: the given one on every layer, or the ones the layers have.
        List<Ortho4jUpdater> bound = new ArrayList<>();
        Ortho4jUpdater config = updater;
        if (updater != null) {
            for (int i = 0; i < layers.length; i++) {
                BaseLayer bl = confs.get(i);
                if (bl != null) {
                    bl.setIUpdater(updater);
                    bl.setBiasUpdater(null);
                    org.deeplearning4j.nn.conf.layers.Layer inConf = net.getLayerWiseConfigurations().getConf(i).getLayer();
                    if (inConf != bl && inConf instanceof BaseLayer b2) {
                        b2.setIUpdater(updater);
                        b2.setBiasUpdater(null);
                    }
                }
            }
            bound.add(updater);
        } else {
            for (int i = 0; i < layers.length; i++) {
                BaseLayer bl = confs.get(i);
                if (bl == null) {
                    continue;
                }
                for (String key : layers[i].paramTable(false).keySet()) {
                    IUpdater u = bl.getUpdaterByParam(key);
                    if (!(u instanceof Ortho4jUpdater o)) {
                        throw new IllegalArgumentException("ortho4j-dl4j: parameter " + i + "_" + key + " has updater "
                                + (u == null ? "null" : u.getClass().getSimpleName()) + "; attach(net) needs an Ortho4jUpdater on"
                                + " every parameter (or call attach(net, updater))");
                    }
                    if (config == null) {
                        config = o;
                    } else if (!config.equals(o)) {
                        throw new IllegalArgumentException("ortho4j-dl4j: parameter " + i + "_" + key + " has " + o
                                + ", another has " + config + "; one optimizer steps the whole network, so they must be equal");
                    }
                    if (bound.stream().noneMatch(b -> b == o)) {
                        bound.add(o);
                    }
                }
            }
        }

        // The layout: the flat parameter buffer, layer after layer, each layer's paramTable in order.
        boolean ownsContext = ctx == null;
        Context c = ownsContext ? Context.create() : ctx;
        List<Param> params = new ArrayList<>();
        long offset = 0;
        try {
            for (int i = 0; i < layers.length; i++) {
                Map<String, INDArray> table = layers[i].paramTable(false);
                if (table == null) {
                    continue;
                }
                for (Map.Entry<String, INDArray> e : table.entrySet()) {
                    INDArray v = e.getValue();
                    long n = v.length();
                    String id = i + "_" + e.getKey();                             // net.paramTable()'s key
                    MatrixBatch h;
                    if ("W".equals(e.getKey())) {
                        if (v.rank() != 2 || v.ordering() != 'f') {
                            throw new IllegalArgumentException("ortho4j-dl4j: weight " + id + " is " + v.shapeInfoToString().replace('\n', ' ')
                                    + "; expected [nIn, nOut] in 'f' order");
                        }
                        h = c.borrowed(id, 1, (int) v.size(1), (int) v.size(0));        // nOut × nIn, rows = outputs
                    } else {
                        h = c.borrowed(id, 1, 1, (int) n);
                    }
                    params.add(new Param(id, i, e.getKey(), offset, h));
                    offset += n;
                }
            }
            if (offset != net.numParams()) {
                throw new IllegalStateException("ortho4j-dl4j: the layers' parameter tables hold " + offset + " values, the network "
                        + net.numParams());
            }
            int outputLayer = confs.get(lastParamLayer) instanceof OutputLayer ? lastParamLayer : -1;
            Parameters ps = new Parameters(params, outputLayer);
            List<ParamGroup> gs = (groups == null ? (Function<Parameters, List<ParamGroup>>) Ortho4jDl4j::defaultGroups : groups).apply(ps);
            checkGroups(ps, gs);
            Ortho4jDl4j s = new Ortho4jDl4j(net, config, c, ownsContext, ps, gs, bound);
            for (Ortho4jUpdater u : bound) {
                u.bind(s);
            }
            net.setUpdater(null);                      // DL4J rebuilds its updater blocks from the configurations
            return s;
        } catch (RuntimeException ex) {
            if (ownsContext) {
                c.close();
            }
            throw ex;
        }
    }

    private static void refuseRegularization(String where, String what, List<Regularization> r) {
        if (r != null && !r.isEmpty()) {
            throw new IllegalArgumentException("ortho4j-dl4j: " + where + " has DL4J regularization on its " + what + " " + r
                    + "; remove it (l1/l2/weightDecay) and use the optimizer's decoupled weight decay (options or ParamGroup.weightDecay)");
        }
    }

    private static void checkGroups(Parameters ps, List<ParamGroup> gs) {
        Map<MatrixBatch, String> seen = new IdentityHashMap<>();
        for (ParamGroup g : gs) {
            for (MatrixBatch m : g.params()) {
                boolean ours = ps.all().stream().anyMatch(p -> p.handle() == m);
                if (!ours) {
                    throw new IllegalArgumentException("ortho4j-dl4j: group '" + g.name() + "' holds " + m.shape()
                            + ", which is not one of the network's parameters");
                }
                String before = seen.put(m, g.name());
                if (before != null) {
                    throw new IllegalArgumentException("ortho4j-dl4j: parameter " + m.id() + " is in groups '" + before + "' and '" + g.name() + "'");
                }
            }
        }
        for (Param p : ps.all()) {
            if (!seen.containsKey(p.handle())) {
                throw new IllegalArgumentException("ortho4j-dl4j: parameter " + p.id() + " is in no group; every parameter must be in"
                        + " exactly one (DL4J would otherwise subtract its raw gradient)");
            }
        }
    }

    /**
     * The default grouping: every {@code DenseLayer} weight in one {@link ParamGroup#hidden} group "hidden", the
     * {@code OutputLayer}'s weight and bias {@link ParamGroup#output} "output", every other bias and gain {@link
     * ParamGroup#biasGain} "biases" (groups without parameters left out).
     *
     * @param ps the network's parameters
     * @return the groups
     */
    public static List<ParamGroup> defaultGroups(Parameters ps) {
        List<MatrixBatch> hidden = new ArrayList<>();
        List<MatrixBatch> vectors = new ArrayList<>();
        for (Param p : ps.all()) {
            if (p.layer() == ps.outputLayer()) {
                continue;
            }
            (p.isWeight() ? hidden : vectors).add(p.handle());
        }
        List<ParamGroup> gs = new ArrayList<>();
        if (!hidden.isEmpty()) {
            gs.add(ParamGroup.hidden("hidden", hidden.toArray(new MatrixBatch[0])));
        }
        if (ps.outputLayer() >= 0) {
            gs.add(ParamGroup.output("output", ps.get(ps.outputLayer(), "W"), ps.get(ps.outputLayer(), "b")));
        }
        if (!vectors.isEmpty()) {
            gs.add(ParamGroup.biasGain("biases", vectors.toArray(new MatrixBatch[0])));
        }
        return gs;
    }

    // ------------------------------------------------------------------ access

    /**
     * The optimizer (e.g. for {@link Optimizer#learningRateScale(double)} or {@link Optimizer#steps()}).
     *
     * @return the optimizer
     */
    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * The context the optimizer state lives on.
     *
     * @return the context
     */
    public Context context() {
        return ctx;
    }

    /**
     * The network's parameters as borrowed parameters.
     *
     * @return the parameters
     */
    public Parameters parameters() {
        return parameters;
    }

    /**
     * The network.
     *
     * @return the network this session steps
     */
    public MultiLayerNetwork network() {
        return net;
    }

    /**
     * The updater configuration.
     *
     * @return the configuration
     */
    public Ortho4jUpdater updater() {
        return config;
    }

    /** Unbinds the network's updater configuration and frees the optimizer state (and the context it made). */
    @Override
    public synchronized void close() {
        for (Ortho4jUpdater u : bound) {
            if (u.session() == this) {
                u.bind(null);
            }
        }
        optimizer.close();
        if (ownsContext) {
            ctx.close();
        }
    }

    // ------------------------------------------------------------------ the step

    /** One block's gradient has arrived; steps when every block of this iteration has. */
    synchronized void arrive(Ortho4jGradientUpdater from, INDArray gradient, int iteration, int epoch) {
        Updater u = net.getUpdater(false);
        if (u == null || u != resolvedFor) {
            resolve(u);
        }
        int b = -1;
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).updater == from) {
                b = i;
            }
        }
        if (b < 0) {
            throw new IllegalStateException("ortho4j-dl4j: an updater block of another network (or of a replaced updater) reached this"
                    + " session; attach each network on its own (Ortho4jDl4j.attach)");
        }
        Block blk = blocks.get(b);
        if (gradient.length() != blk.end - blk.start || address(gradient) != address(net.getFlattenedGradients()) + 4L * blk.start) {
            throw new IllegalStateException("ortho4j-dl4j: the gradient is not this network's own gradient view (an external gradient,"
                    + " e.g. computed in another network); not supported");
        }
        if (iteration != pendingIteration) {
            java.util.Arrays.fill(pending, null);
            arrived = 0;
            pendingIteration = iteration;
        }
        if (pending[b] == null) {
            arrived++;
        }
        pending[b] = gradient;
        if (arrived < blocks.size()) {
            return;
        }
        try {
            step(iteration, epoch);
        } finally {
            java.util.Arrays.fill(pending, null);
            arrived = 0;
            pendingIteration = -1;
        }
    }

    private void resolve(Updater u) {
        if (!(u instanceof BaseMultiLayerUpdater<?> mu)) {
            throw new IllegalStateException("ortho4j-dl4j: the network's updater is " + (u == null ? "null" : u.getClass().getName())
                    + "; expected DL4J's MultiLayerUpdater");
        }
        List<Block> bs = new ArrayList<>();
        for (UpdaterBlock ub : mu.getUpdaterBlocks()) {
            GradientUpdater<?> gu = ub.getGradientUpdater();
            boolean ours = gu instanceof Ortho4jGradientUpdater o && o.getConfig().session() == this;
            if (ours) {
                bs.add(new Block(ub.getParamOffsetStart(), ub.getParamOffsetEnd(), gu));
            } else if (ub.getParamOffsetEnd() > ub.getParamOffsetStart()) {
                throw new IllegalStateException("ortho4j-dl4j: parameters [" + ub.getParamOffsetStart() + ", " + ub.getParamOffsetEnd()
                        + ") of the network are in an updater block with " + gu.getConfig() + ", not this session's Ortho4jUpdater");
            }
        }
        for (Param p : parameters.all()) {
            long end = p.offset() + p.handle().elements();
            if (bs.stream().noneMatch(x -> x.start <= p.offset() && end <= x.end)) {
                throw new IllegalStateException("ortho4j-dl4j: parameter " + p.id() + " is in no updater block of this session");
            }
        }
        blocks = bs;
        pending = new INDArray[bs.size()];
        arrived = 0;
        pendingIteration = -1;
        resolvedFor = u;
    }

    private void step(int iteration, int epoch) {
        if (config.learningRateScaleSchedule() != null) {
            optimizer.learningRateScale(config.learningRateScaleSchedule().valueAt(iteration, epoch));
        }
        FloatBuffer w = floats(net.params());
        FloatBuffer[] g = new FloatBuffer[blocks.size()];
        for (int i = 0; i < g.length; i++) {
            g[i] = floats(pending[i]);
        }
        List<HostSpan> weights = new ArrayList<>();
        List<HostSpan> grads = new ArrayList<>();
        for (MatrixBatch m : optimizer.parameters()) {
            Param p = byHandle.get(m);
            int n = (int) m.elements();
            int off = (int) p.offset();
            weights.add(HostSpan.of(slice(w, off, n)));
            for (int i = 0; i < blocks.size(); i++) {
                Block blk = blocks.get(i);
                if (blk.start <= off && off + n <= blk.end) {
                    grads.add(HostSpan.of(slice(g[i], off - blk.start, n)));
                    break;
                }
            }
        }
        optimizer.stepUpdate(weights, grads, grads);
    }

    /** Elements {@code [from, from + n)} of {@code b} (absolute indices), as a buffer of its own from index 0. */
    private static FloatBuffer slice(FloatBuffer b, int from, int n) {
        return b.slice(from, n);
    }

    /**
     * A float view of a contiguous float32 vector's memory, from its first element (index 0) to its last (no copy).
     */
    static FloatBuffer floats(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalStateException("ortho4j-dl4j: expected a float32 array, got " + a.dataType());
        }
        if (a.length() > 1 && a.elementWiseStride() != 1) {
            throw new IllegalStateException("ortho4j-dl4j: expected a contiguous array (element stride 1), got " + a.shapeInfoToString());
        }
        int n = (int) a.length();
        FloatBuffer all = a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        int start = (int) a.offset();
        return slice(all, start, n);
    }

    /** The address of an array's first element. */
    private static long address(INDArray a) {
        return a.data().address() + 4L * a.offset();
    }
}
