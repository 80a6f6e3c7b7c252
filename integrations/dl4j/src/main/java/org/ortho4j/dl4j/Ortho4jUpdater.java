package org.ortho4j.dl4j;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.ortho4j.Context;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.optim.AdamW;
import org.ortho4j.optim.DdcAdam;
import org.ortho4j.optim.DdcMuon;
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.Optimizer;
import org.ortho4j.optim.ParamGroup;
import org.ortho4j.optim.Root;
import org.ortho4j.optim.Scion;

/**
 * DL4J's updater configuration ({@link IUpdater}) for one of ortho4j's optimizers: which optimizer and its options.
 * It is JSON-serialisable as DL4J requires (the optimizer's name and its options as a map of option name to value,
 * e.g. {@code {"@class":"org.ortho4j.dl4j.Ortho4jUpdater","optimizer":"muon","options":{"lr":"0.02",...}}}), so a
 * network's configuration with it round-trips through {@code MultiLayerConfiguration.toJson()/fromJson}.
 *
 * <p>It is one updater for the whole network: {@link Ortho4jDl4j#attach} sets it on every layer, so DL4J puts all
 * parameters into one updater block, and binds it to the network. The ortho4j optimizer keeps its own state
 * (momenta, Adam moments), so {@link #stateSize} is 0 and DL4J's updater state array holds nothing of it; a network
 * restored from a checkpoint starts a fresh optimizer state when {@link Ortho4jDl4j#attach(
 * org.deeplearning4j.nn.multilayer.MultiLayerNetwork) attached} again.
 *
 * <p>Learning rates are the optimizer's options; DL4J's per-layer learning rate and its schedules do not apply
 * ({@link #hasLearningRate()} is {@code false}, {@link #setLrAndSchedule} refuses). A schedule is a factor on every
 * learning rate, {@link Optimizer#learningRateScale(double)}: set it with {@link #learningRateScale(ISchedule)}
 * (evaluated at DL4J's iteration and epoch before each step, and serialised with the configuration), or call
 * {@link Ortho4jDl4j#optimizer()}{@code .learningRateScale(s)} yourself, e.g. from a {@code TrainingListener}.
 *
 * <p>A non-built-in {@link Schedule} (Newton–Schulz coefficients) in the options is used as given, but only its name
 * goes into the JSON; a configuration read back from JSON needs a built-in schedule ({@link Schedule#byName}).
 */
public final class Ortho4jUpdater implements IUpdater {
    private static final long serialVersionUID = 1L;

    /** The optimizers, by {@link Optimizer#name()}. */
    private static final List<String> KINDS = List.of("muon", "ddcmuon", "scion", "root", "ddcadam", "adamw");

    /** The optimizer's name, one of {@link #KINDS}. */
    @JsonProperty("optimizer")
    private String optimizer;
    /** The options' public fields, name to value as text (schedules by name, enums by constant). */
    @JsonProperty("options")
    private LinkedHashMap<String, String> options;
    /** The schedule of the factor on every learning rate, or {@code null}. */
    @JsonProperty("learningRateScale")
    private ISchedule learningRateScale;

    /** The options object as given (not serialised; rebuilt from {@link #options} after JSON). */
    @JsonIgnore
    private transient Object liveOptions;
    /** The network this configuration is bound to ({@link Ortho4jDl4j#attach}); not serialised, not cloned. */
    @JsonIgnore
    private transient volatile Ortho4jDl4j session;

    /** For JSON; use the factories. */
    private Ortho4jUpdater() {
    }

    private Ortho4jUpdater(String optimizer, Object liveOptions, ISchedule lrScale) {
        this.optimizer = optimizer;
        this.liveOptions = liveOptions;
        this.options = describe(liveOptions);
        this.learningRateScale = lrScale;
    }

    /**
     * Muon on the hidden weight matrices, AdamW inside on the head and biases ({@link Muon}).
     *
     * @param o the options ({@code null}: the defaults); read when the optimizer is built, so do not change them
     *          after {@link Ortho4jDl4j#attach}
     * @return the configuration
     */
    public static Ortho4jUpdater muon(Muon.Options o) {
        return new Ortho4jUpdater("muon", o == null ? new Muon.Options() : o, null);
    }

    /**
     * DDC-Muon ({@link DdcMuon}).
     *
     * @param o the options ({@code null}: the defaults)
     * @return the configuration
     */
    public static Ortho4jUpdater ddcMuon(Muon.Options o) {
        return new Ortho4jUpdater("ddcmuon", o == null ? new Muon.Options() : o, null);
    }

    /**
     * SCION ({@link Scion}).
     *
     * @param o the options ({@code null}: the defaults)
     * @return the configuration
     */
    public static Ortho4jUpdater scion(Scion.Options o) {
        return new Ortho4jUpdater("scion", o == null ? new Scion.Options() : o, null);
    }

    /**
     * ROOT ({@link Root}).
     *
     * @param o the options ({@code null}: the defaults)
     * @return the configuration
     */
    public static Ortho4jUpdater root(Root.Options o) {
        return new Ortho4jUpdater("root", o == null ? new Root.Options() : o, null);
    }

    /**
     * DDC-Adam ({@link DdcAdam}).
     *
     * @param o the options ({@code null}: the defaults)
     * @return the configuration
     */
    public static Ortho4jUpdater ddcAdam(AdamW.Options o) {
        return new Ortho4jUpdater("ddcadam", o == null ? new AdamW.Options() : o, null);
    }

    /**
     * AdamW ({@link AdamW}).
     *
     * @param o the options ({@code null}: the defaults)
     * @return the configuration
     */
    public static Ortho4jUpdater adamW(AdamW.Options o) {
        return new Ortho4jUpdater("adamw", o == null ? new AdamW.Options() : o, null);
    }

    /**
     * This configuration with a schedule of the factor on every learning rate ({@link
     * Optimizer#learningRateScale(double)}), evaluated at DL4J's {@code (iteration, epoch)} before each step.
     *
     * @param schedule the factor's schedule, e.g. {@code new MapSchedule(ScheduleType.ITERATION, ...)}; {@code null}
     *                 for none (the factor is then left as the optimizer has it, 1 unless set)
     * @return a new configuration
     */
    public Ortho4jUpdater learningRateScale(ISchedule schedule) {
        return new Ortho4jUpdater(optimizer, liveOptions(), schedule);
    }

    /**
     * The optimizer's name.
     *
     * @return one of {@code muon, ddcmuon, scion, root, ddcadam, adamw}
     */
    public String optimizer() {
        return optimizer;
    }

    /**
     * The options as recorded for JSON, option name to value.
     *
     * @return a copy of the map
     */
    public Map<String, String> options() {
        return new LinkedHashMap<>(options);
    }

    /**
     * The schedule of the learning-rate factor.
     *
     * @return the schedule, or {@code null}
     */
    public ISchedule learningRateScaleSchedule() {
        return learningRateScale;
    }

    /**
     * Builds the optimizer over {@code groups}.
     *
     * @param ctx    the context
     * @param groups the parameter groups
     * @return the optimizer
     */
    Optimizer create(Context ctx, List<ParamGroup> groups) {
        Object o = liveOptions();
        switch (optimizer) {
            case "muon":
                return new Muon(ctx, groups, (Muon.Options) o);
            case "ddcmuon":
                return new DdcMuon(ctx, groups, (Muon.Options) o);
            case "scion":
                return new Scion(ctx, groups, (Scion.Options) o);
            case "root":
                return new Root(ctx, groups, (Root.Options) o);
            case "ddcadam":
                return new DdcAdam(ctx, groups, (AdamW.Options) o);
            case "adamw":
                return new AdamW(ctx, groups, (AdamW.Options) o);
            default:
                throw new IllegalStateException("ortho4j-dl4j: unknown optimizer '" + optimizer + "', expected one of " + KINDS);
        }
    }

    /** The options object: as given, or rebuilt from the map (after JSON). */
    private synchronized Object liveOptions() {
        if (liveOptions == null) {
            liveOptions = rebuild(optimizer, options);
        }
        return liveOptions;
    }

    private static Object newOptions(String kind) {
        switch (Objects.requireNonNull(kind, "optimizer").toLowerCase(Locale.ROOT)) {
            case "muon":
            case "ddcmuon":
                return new Muon.Options();
            case "scion":
                return new Scion.Options();
            case "root":
                return new Root.Options();
            case "ddcadam":
            case "adamw":
                return new AdamW.Options();
            default:
                throw new IllegalArgumentException("ortho4j-dl4j: unknown optimizer '" + kind + "', expected one of " + KINDS);
        }
    }

    /** The options' public fields as strings (schedules by name). */
    private static LinkedHashMap<String, String> describe(Object o) {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (Field f : o.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            try {
                Object v = f.get(o);
                if (v == null) {
                    continue;
                }
                m.put(f.getName(), v instanceof Schedule s ? s.name() : v instanceof Enum<?> e ? e.name() : String.valueOf(v));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }

    private static Object rebuild(String kind, Map<String, String> values) {
        Object o = newOptions(kind);
        for (Map.Entry<String, String> e : values.entrySet()) {
            Field f;
            try {
                f = o.getClass().getField(e.getKey());
            } catch (NoSuchFieldException ex) {
                throw new IllegalArgumentException("ortho4j-dl4j: " + kind + " has no option '" + e.getKey() + "'");
            }
            String s = e.getValue();
            Class<?> t = f.getType();
            Object v;
            if (t == double.class) {
                v = Double.parseDouble(s);
            } else if (t == float.class) {
                v = Float.parseFloat(s);
            } else if (t == int.class) {
                v = Integer.parseInt(s);
            } else if (t == long.class) {
                v = Long.parseLong(s);
            } else if (t == boolean.class) {
                v = Boolean.parseBoolean(s);
            } else if (t == String.class) {
                v = s;
            } else if (t == Schedule.class) {
                v = Schedule.byName(s);
            } else if (t == Precision.class || t.isEnum()) {
                v = enumValue(t, s);
            } else {
                throw new IllegalArgumentException("ortho4j-dl4j: option '" + e.getKey() + "' of type " + t.getSimpleName()
                        + " cannot be read from JSON");
            }
            try {
                f.set(o, v);
            } catch (IllegalAccessException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return o;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(Class<?> t, String s) {
        return Enum.valueOf((Class) t, s);
    }

    /** Binds this configuration to a network's session ({@link Ortho4jDl4j#attach}). */
    void bind(Ortho4jDl4j s) {
        this.session = s;
    }

    /** The session this configuration is bound to, or {@code null}. */
    Ortho4jDl4j session() {
        return session;
    }

    // ------------------------------------------------------------------ IUpdater

    /**
     * 0: the optimizer's state lives in ortho4j, not in DL4J's updater state array.
     *
     * @param numParams the number of parameters
     * @return 0
     */
    @Override
    public long stateSize(long numParams) {
        return 0;
    }

    /**
     * A gradient updater for one of DL4J's updater blocks; it steps when {@link Ortho4jDl4j#attach} has bound this
     * configuration to the network.
     *
     * @param viewArray           DL4J's state view (empty: {@link #stateSize} is 0)
     * @param initializeViewArray ignored
     * @return the gradient updater
     */
    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new Ortho4jGradientUpdater(this);
    }

    /**
     * As {@link #instantiate(INDArray, boolean)}; the state map is empty.
     *
     * @param updaterState          ignored
     * @param initializeStateArrays ignored
     * @return the gradient updater
     */
    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return new Ortho4jGradientUpdater(this);
    }

    /**
     * A copy of the configuration, not bound to any network (DL4J clones configurations when it clones a network;
     * attach the clone on its own).
     *
     * @return the copy
     */
    @Override
    public Ortho4jUpdater clone() {
        Ortho4jUpdater c = new Ortho4jUpdater();
        c.optimizer = optimizer;
        c.options = new LinkedHashMap<>(options);
        c.learningRateScale = learningRateScale == null ? null : learningRateScale.clone();
        c.liveOptions = liveOptions;
        return c;
    }

    /**
     * NaN: the learning rates are the optimizer's options.
     *
     * @param iteration ignored
     * @param epoch     ignored
     * @return NaN
     */
    @Override
    public double getLearningRate(int iteration, int epoch) {
        return Double.NaN;
    }

    /**
     * {@code false}: DL4J's learning rate does not apply (see the class comment).
     *
     * @return false
     */
    @Override
    public boolean hasLearningRate() {
        return false;
    }

    /**
     * Refuses: set the learning rates in the optimizer's options, and schedules with {@link
     * #learningRateScale(ISchedule)}.
     *
     * @param lr         ignored
     * @param lrSchedule ignored
     * @throws UnsupportedOperationException always
     */
    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        throw new UnsupportedOperationException("ortho4j-dl4j: the learning rates are the " + optimizer + " options; schedule them"
                + " with Ortho4jUpdater.learningRateScale(ISchedule) or Ortho4jDl4j.optimizer().learningRateScale(s)");
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Ortho4jUpdater u)) {
            return false;
        }
        return Objects.equals(optimizer, u.optimizer) && Objects.equals(options, u.options)
                && Objects.equals(learningRateScale, u.learningRateScale);
    }

    @Override
    public int hashCode() {
        return Objects.hash(optimizer, options, learningRateScale);
    }

    @Override
    public String toString() {
        return "Ortho4jUpdater(" + optimizer + ", " + options + (learningRateScale == null ? "" : ", lr scale " + learningRateScale) + ")";
    }
}
