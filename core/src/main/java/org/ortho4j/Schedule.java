package org.ortho4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A Newton–Schulz coefficient schedule: for a matrix shape, one triple {@code (a_t, b_t, c_t)} per step, plus the
 * normalisation {@code X0 = G / (scale·‖G‖_F + eps)}. Step t maps every normalised singular value through
 * {@code p_t(σ) = a_t σ + b_t σ³ + c_t σ⁵} (docs/algorithms.md §1.2–§1.4).
 *
 * <p>Schedules are data: the built-in tables are resources under {@code org/ortho4j/schedules/} with their
 * provenance, and the CPU and CUDA backends both read the triples from {@link #resolve(int, int)}.
 * A table maps shapes {@code (min(m,n), max(m,n))} to per-step triples; a shape missing from the table takes
 * the table's fallback schedule. When more steps are asked for than a per-step list holds, its last triple
 * repeats; fewer steps take a prefix.
 */
public final class Schedule {

    /** The coefficients for one shape: {@code steps × 3} triples and the normalisation constants. */
    public static final class Coefficients {
        private final double[][] abc;
        private final double scale;
        private final double eps;
        private final String source;

        Coefficients(double[][] abc, double scale, double eps, String source) {
            this.abc = abc;
            this.scale = scale;
            this.eps = eps;
            this.source = source;
        }

        /**
         * Number of steps T.
         *
         * @return T, at least 1
         */
        public int steps() {
            return abc.length;
        }

        /**
         * The coefficient of σ at one step.
         *
         * @param step the step, {@code 0 ≤ step < steps()}
         * @return {@code a_step}
         */
        public double a(int step) {
            return abc[step][0];
        }

        /**
         * The coefficient of σ³ at one step.
         *
         * @param step the step, {@code 0 ≤ step < steps()}
         * @return {@code b_step}
         */
        public double b(int step) {
            return abc[step][1];
        }

        /**
         * The coefficient of σ⁵ at one step.
         *
         * @param step the step, {@code 0 ≤ step < steps()}
         * @return {@code c_step}
         */
        public double c(int step) {
            return abc[step][2];
        }

        /**
         * A copy of the triples.
         *
         * @return {@code [step][a|b|c]}
         */
        public double[][] triples() {
            double[][] copy = new double[abc.length][];
            for (int i = 0; i < abc.length; i++) {
                copy[i] = abc[i].clone();
            }
            return copy;
        }

        /**
         * The {@code s} in {@code X0 = G / (s·‖G‖_F + eps)}.
         *
         * @return s, positive
         */
        public double scale() {
            return scale;
        }

        /**
         * The {@code eps} in {@code X0 = G / (s·‖G‖_F + eps)}.
         *
         * @return eps, {@code ≥ 0}
         */
        public double eps() {
            return eps;
        }

        /**
         * Where these numbers came from.
         *
         * @return e.g. {@code root (2048, 3072)} or {@code root: fallback muon}
         */
        public String source() {
            return source;
        }

        /**
         * The composed scalar polynomial {@code p_T ∘ … ∘ p_1} at {@code sigma}, evaluated in double precision.
         * Applied to the normalised singular values of G, it gives the singular values of the NS output.
         *
         * @param sigma a normalised singular value
         * @return {@code p_T(…p_1(sigma)…)}
         */
        public double compose(double sigma) {
            double x = sigma;
            for (double[] t : abc) {
                double x2 = x * x;
                x = x * (t[0] + x2 * (t[1] + x2 * t[2]));
            }
            return x;
        }

        @Override
        public String toString() {
            return source + " " + Arrays.deepToString(abc) + " scale=" + scale + " eps=" + eps;
        }
    }

    private static final String ANY = "*";
    /** How far, in {@code (ln min, ln(max/min))}, an {@code @interpolate nearest} table reaches. */
    static final double NEAREST_RADIUS = 1.0;

    private final String name;
    private final String provenance;
    private final double scale;
    private final double eps;
    private final double[][] defaultTriples; // null when the table has no shape-independent entry
    private final Map<String, double[][]> byShape; // key "min x max"
    private final Schedule fallback; // for shapes absent from byShape when defaultTriples is null
    private final int steps; // 0 = as the table says
    private final boolean nearest; // unknown shapes take the nearest listed shape (see resolve)

    private Schedule(String name, String provenance, double scale, double eps, double[][] defaultTriples,
                     Map<String, double[][]> byShape, Schedule fallback, int steps) {
        this(name, provenance, scale, eps, defaultTriples, byShape, fallback, steps, false);
    }

    private Schedule(String name, String provenance, double scale, double eps, double[][] defaultTriples,
                     Map<String, double[][]> byShape, Schedule fallback, int steps, boolean nearest) {
        this.name = name;
        this.provenance = provenance;
        this.scale = scale;
        this.eps = eps;
        this.defaultTriples = defaultTriples;
        this.byShape = byShape;
        this.fallback = fallback;
        this.steps = steps;
        this.nearest = nearest;
    }

    // ---------------------------------------------------------------- built-ins

    /**
     * Muon's fixed triple (3.4445, −4.7750, 2.0315), 5 steps, scale 1, eps 1e-7 [KellerJordan/Muon muon.py].
     *
     * @return the built-in {@code muon} schedule
     */
    public static Schedule muon() {
        return Builtins.MUON;
    }

    /**
     * Polar Express's per-step triples, 5 steps, scale 1.02, eps 1e-6 [Amsel et al. 2025, arXiv 2505.16932].
     *
     * @return the built-in {@code polar-express} schedule
     */
    public static Schedule polarExpress() {
        return Builtins.POLAR_EXPRESS;
    }

    /**
     * ROOT's per-shape "AdaNewton" triples for (2048, 2048), (2048, 3072), (2048, 8192), (2048, 16384), the same
     * for every step, 5 steps; any other shape falls back to Muon's triple [huawei-noah/noah-research ROOT].
     *
     * @return the built-in {@code root} schedule
     */
    public static Schedule root() {
        return Builtins.ROOT;
    }

    /**
     * The best schedule this library knows for each shape: the fitted per-shape, per-step table where it has
     * the shape, otherwise Polar Express (docs/algorithms.md §1.4).
     *
     * @return the built-in {@code auto} schedule
     */
    public static Schedule auto() {
        return Builtins.AUTO;
    }

    /**
     * The built-in names.
     *
     * @return {@code muon}, {@code polar-express}, {@code root}, {@code auto}
     */
    public static List<String> builtinNames() {
        return List.of("muon", "polar-express", "root", "auto");
    }

    /**
     * A built-in schedule by name (case-insensitive); see {@link #builtinNames()}.
     *
     * @param name a built-in name ({@code polar_express} and {@code polarexpress} are accepted too)
     * @return the schedule
     * @throws IllegalArgumentException for an unknown name
     */
    public static Schedule byName(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "muon":
                return muon();
            case "polar-express":
            case "polar_express":
            case "polarexpress":
                return polarExpress();
            case "root":
                return root();
            case "auto":
                return auto();
            default:
                throw new IllegalArgumentException("unknown schedule '" + name + "': expected one of " + builtinNames());
        }
    }

    /**
     * A user schedule: one triple per step for every shape.
     *
     * @param name       the schedule's name, used in messages
     * @param triples    {@code [step][a|b|c]}, at least one step, all finite (not modified)
     * @param scale      the {@code s} of the normalisation, {@code > 0}
     * @param eps        the {@code eps} of the normalisation, {@code ≥ 0}
     * @param provenance where the numbers come from, or {@code null} ("user-supplied")
     * @return the schedule
     */
    public static Schedule of(String name, double[][] triples, double scale, double eps, String provenance) {
        Objects.requireNonNull(name, "name");
        validateTriples(name, triples);
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("schedule " + name + ": scale must be positive and finite, got " + scale);
        }
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("schedule " + name + ": eps must be ≥ 0 and finite, got " + eps);
        }
        return new Schedule(name, provenance == null ? "user-supplied" : provenance, scale, eps, deepCopy(triples),
                Map.of(), null, 0);
    }

    /**
     * A per-shape table: {@code table} maps {@code (min(m,n), max(m,n))} keys, written {@code "MINxMAX"}, to
     * per-step triples; other shapes use {@code fallback}.
     *
     * @param name       the schedule's name, used in messages
     * @param table      the per-shape triples {@code [step][a|b|c]} (not modified)
     * @param fallback   the schedule of every shape the table does not list
     * @param scale      the {@code s} of the normalisation
     * @param eps        the {@code eps} of the normalisation
     * @param provenance where the numbers come from
     * @return the schedule
     */
    public static Schedule perShape(String name, Map<String, double[][]> table, Schedule fallback, double scale,
                                    double eps, String provenance) {
        Objects.requireNonNull(fallback, "fallback");
        Map<String, double[][]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, double[][]> e : table.entrySet()) {
            int[] mn = parseShapeKey(name, e.getKey());
            validateTriples(name + " " + e.getKey(), e.getValue());
            copy.put(key(mn[0], mn[1]), deepCopy(e.getValue()));
        }
        return new Schedule(name, provenance, scale, eps, null, Collections.unmodifiableMap(copy), fallback, 0);
    }

    /**
     * Reads a schedule table from a text resource or file: {@code #} lines are comments, {@code @key value}
     * lines set {@code name}, {@code scale}, {@code eps}, {@code fallback} (a built-in name), {@code provenance} and
     * {@code interpolate} ({@code nearest}: shapes not listed take the nearest listed one, see {@link #resolve});
     * data lines are {@code MIN MAX STEP a b c} where MIN/MAX may be {@code *} (any shape) and STEP may be
     * {@code *} (every step of the default 5).
     *
     * @param in     the table's text, UTF-8; closed when read
     * @param origin the table's name in messages (a file name or resource path), and its default name
     * @return the schedule
     * @throws IllegalArgumentException for a malformed table (a message naming {@code origin}, and the line where
     *                                  there is one): an unknown directive, a row that is not six fields, a number that
     *                                  does not parse, a shape that is not positive, steps out of order, a non-finite
     *                                  coefficient, a scale that is not positive and finite, an eps that is not
     *                                  {@code ≥ 0} and finite, an unknown fallback, or neither a {@code * *} row nor a
     *                                  fallback
     * @throws UncheckedIOException   when reading {@code in} fails
     */
    public static Schedule parse(InputStream in, String origin) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String name = origin;
            StringBuilder prov = new StringBuilder();
            double scale = 1.0;
            double eps = 1e-7;
            Schedule fallback = null;
            boolean nearest = false;
            Map<String, List<double[]>> rows = new LinkedHashMap<>();
            Map<String, Boolean> everyStep = new LinkedHashMap<>();
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#")) {
                    continue;
                }
                String at = origin + ":" + lineNo + ": ";
                if (s.startsWith("@")) {
                    String[] kv = s.substring(1).split("\\s+", 2); // "@key value", blank or tab between
                    String k = kv[0];
                    String v = kv.length < 2 ? "" : kv[1].strip();
                    switch (k) {
                        case "name": name = v; break;
                        case "scale":
                            scale = number(v, at + "@scale");
                            if (!(scale > 0) || !Double.isFinite(scale)) {
                                throw new IllegalArgumentException(at + "@scale must be positive and finite, got " + v);
                            }
                            break;
                        case "eps":
                            eps = number(v, at + "@eps");
                            if (!(eps >= 0) || !Double.isFinite(eps)) {
                                throw new IllegalArgumentException(at + "@eps must be ≥ 0 and finite, got " + v);
                            }
                            break;
                        case "fallback":
                            try {
                                fallback = byName(v);
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException(at + "@fallback: " + e.getMessage(), e);
                            }
                            break;
                        case "provenance": prov.append(prov.length() == 0 ? "" : " ").append(v); break;
                        case "interpolate":
                            if (!v.equals("nearest")) {
                                throw new IllegalArgumentException(origin + ":" + lineNo + ": @interpolate supports 'nearest', got '" + v + "'");
                            }
                            nearest = true;
                            break;
                        default: throw new IllegalArgumentException(origin + ":" + lineNo + ": unknown key @" + k);
                    }
                    continue;
                }
                String[] f = s.split("\\s+");
                if (f.length != 6) {
                    throw new IllegalArgumentException(origin + ":" + lineNo + ": expected 'MIN MAX STEP a b c', got '" + s + "'");
                }
                String shape;
                if (f[0].equals(ANY)) {
                    shape = ANY;
                } else {
                    int lo = integer(f[0], at + "MIN");
                    int hi = integer(f[1], at + "MAX");
                    if (lo < 1 || hi < 1) {
                        throw new IllegalArgumentException(at + "a shape must be positive, got " + f[0] + " " + f[1]);
                    }
                    shape = key(lo, hi);
                }
                double[] t = new double[3];
                for (int j = 0; j < 3; j++) {
                    t[j] = number(f[3 + j], at + "coefficient");
                    if (!Double.isFinite(t[j])) {
                        throw new IllegalArgumentException(at + "coefficient " + f[3 + j] + " is not finite");
                    }
                }
                List<double[]> list = rows.computeIfAbsent(shape, k -> new ArrayList<>());
                if (f[2].equals(ANY)) {
                    everyStep.put(shape, true);
                    list.add(t);
                } else {
                    int step = integer(f[2], at + "STEP");
                    if (step != list.size() + 1) {
                        throw new IllegalArgumentException(origin + ":" + lineNo + ": steps must be listed in order from 1, got " + step);
                    }
                    list.add(t);
                }
            }
            Map<String, double[][]> table = new LinkedHashMap<>();
            double[][] def = null;
            for (Map.Entry<String, List<double[]>> e : rows.entrySet()) {
                List<double[]> list = e.getValue();
                double[][] triples;
                if (everyStep.getOrDefault(e.getKey(), false)) {
                    if (list.size() != 1) {
                        throw new IllegalArgumentException(origin + ": shape " + e.getKey() + " mixes '*' and numbered steps");
                    }
                    triples = new double[5][];
                    Arrays.fill(triples, list.get(0));
                } else {
                    triples = list.toArray(new double[0][]);
                }
                validateTriples(origin + " " + e.getKey(), triples);
                if (e.getKey().equals(ANY)) {
                    def = triples;
                } else {
                    table.put(e.getKey(), triples);
                }
            }
            if (def == null && fallback == null) {
                throw new IllegalArgumentException(origin + ": a table needs a '* *' row or a @fallback");
            }
            return new Schedule(name, prov.length() == 0 ? origin : prov.toString(), scale, eps, def,
                    Collections.unmodifiableMap(table), fallback, 0, nearest);
        } catch (IOException e) {
            throw new UncheckedIOException("reading schedule " + origin, e);
        }
    }

    private static double number(String v, String what) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + v + "' is not a number", e);
        }
    }

    private static int integer(String v, String what) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + v + "' is not an integer", e);
        }
    }

    /** Loads a table from a class-path resource (see {@link #parse}). */
    static Schedule resource(String file) {
        String path = "/org/ortho4j/schedules/" + file;
        InputStream in = Schedule.class.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("missing schedule resource " + path);
        }
        return parse(in, path);
    }

    // ---------------------------------------------------------------- use

    /**
     * The schedule's name.
     *
     * @return e.g. {@code polar-express}
     */
    public String name() {
        return name;
    }

    /**
     * Where the numbers come from (paper, repository, fit).
     *
     * @return the provenance, in words
     */
    public String provenance() {
        return provenance;
    }

    /**
     * The shapes this schedule has its own coefficients for.
     *
     * @return the shapes as {@code "MINxMAX"} (empty for shape-independent schedules)
     */
    public List<String> shapes() {
        return List.copyOf(byShape.keySet());
    }

    /**
     * This schedule with {@code steps} steps (a prefix, or the last triple repeated).
     *
     * @param steps the number of steps, in {@code [1, 100]}
     * @return the new schedule
     */
    public Schedule withSteps(int steps) {
        if (steps < 1 || steps > 100) {
            throw new IllegalArgumentException("schedule " + name + ": steps must be in [1, 100], got " + steps);
        }
        return new Schedule(name, provenance, scale, eps, defaultTriples, byShape,
                fallback == null ? null : fallback.withSteps(steps), steps, nearest);
    }

    /**
     * The coefficients for an {@code rows × cols} matrix. A table with {@code @interpolate nearest} gives a shape it
     * does not list the triples of the listed shape nearest in {@code (ln min, ln(max/min))} (size and aspect
     * ratio), when that distance is at most {@value #NEAREST_RADIUS} (within a factor e); farther shapes take the
     * fallback.
     *
     * @param rows rows of the matrix, at least 1
     * @param cols columns of the matrix, at least 1
     * @return the coefficients, with their {@link Coefficients#source()}
     */
    public Coefficients resolve(int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("schedule " + name + ": shape must be positive, got " + rows + "x" + cols);
        }
        int lo = Math.min(rows, cols);
        int hi = Math.max(rows, cols);
        double[][] t = byShape.get(key(lo, hi));
        if (t != null) {
            return new Coefficients(fit(t), scale, eps, name + " (" + lo + ", " + hi + ")");
        }
        if (defaultTriples != null) {
            return new Coefficients(fit(defaultTriples), scale, eps, name);
        }
        if (nearest) {
            String best = null;
            double bestD = NEAREST_RADIUS;
            for (String k : byShape.keySet()) {
                int[] mn = parseShapeKey(name, k);
                double d = Math.hypot(Math.log((double) lo / mn[0]), Math.log((double) hi / lo) - Math.log((double) mn[1] / mn[0]));
                if (d <= bestD) {
                    bestD = d;
                    best = k;
                }
            }
            if (best != null) {
                int[] mn = parseShapeKey(name, best);
                return new Coefficients(fit(byShape.get(best)), scale, eps,
                        name + " (" + lo + ", " + hi + "): nearest (" + mn[0] + ", " + mn[1] + ")");
            }
        }
        Coefficients fb = fallback.resolve(rows, cols);
        return new Coefficients(fb.abc, fb.scale, fb.eps, name + ": fallback " + fb.source);
    }

    private double[][] fit(double[][] t) {
        int n = steps == 0 ? t.length : steps;
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            out[i] = t[Math.min(i, t.length - 1)].clone();
        }
        return out;
    }

    @Override
    public String toString() {
        return name + (steps == 0 ? "" : " (" + steps + " steps)");
    }

    // ---------------------------------------------------------------- helpers

    static String key(int lo, int hi) {
        return Math.min(lo, hi) + "x" + Math.max(lo, hi);
    }

    private static int[] parseShapeKey(String name, String k) {
        String[] p = k.toLowerCase(Locale.ROOT).split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("schedule " + name + ": shape key must be 'MxN', got '" + k + "'");
        }
        return new int[]{Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
    }

    private static void validateTriples(String name, double[][] triples) {
        if (triples == null || triples.length == 0) {
            throw new IllegalArgumentException("schedule " + name + ": needs at least one step");
        }
        for (int i = 0; i < triples.length; i++) {
            double[] t = triples[i];
            if (t == null || t.length != 3) {
                throw new IllegalArgumentException("schedule " + name + ": step " + (i + 1) + " must be a triple (a, b, c)");
            }
            for (double v : t) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("schedule " + name + ": step " + (i + 1) + " has a non-finite coefficient");
                }
            }
        }
    }

    private static double[][] deepCopy(double[][] t) {
        double[][] c = new double[t.length][];
        for (int i = 0; i < t.length; i++) {
            c[i] = t[i].clone();
        }
        return c;
    }

    /** Lazily loaded built-in tables. */
    private static final class Builtins {
        static final Schedule MUON = resource("muon.tsv");
        static final Schedule POLAR_EXPRESS = resource("polar-express.tsv");
        static final Schedule ROOT = resource("root.tsv");
        static final Schedule AUTO = resource("auto.tsv");

        private Builtins() {
        }
    }
}
