package org.ortho4j;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * What the schedule-table fuzzers check on every input, and the inputs they start from. Shared by the jqwik
 * property that runs in {@code mvn test} ({@link ScheduleFuzzProperties}) and the Jazzer fuzz test of
 * {@code mvn -Pfuzz test} ({@code src/fuzz/java}).
 *
 * <p>The property, for any bytes: {@link Schedule#parse} either throws {@link IllegalArgumentException} (its
 * documented exception) with a one-line message that starts with the origin, or returns a schedule that holds what
 * {@link Schedule#of} and {@link Schedule#perShape} would insist on: every shape it lists is a positive
 * {@code MINxMAX}, and resolving any shape, in either orientation, with the table's steps or with
 * {@link Schedule#withSteps}, gives at least one step of finite coefficients, a positive finite scale and a
 * non-negative finite eps, without throwing. The parse allocates at most {@link #allocationBudget(long)} bytes and
 * takes under {@link #SLOW_NANOS}.
 */
final class ScheduleFuzzOracle {
    private ScheduleFuzzOracle() {
    }

    static final String ORIGIN = "fuzz.tsv";
    static final long SLOW_NANOS = 5_000_000_000L;
    private static final int[][] PROBES = {{1, 1}, {3, 7}, {64, 64}, {64, 128}, {100, 37}, {2048, 3072}, {1, 100_000}};

    private static final com.sun.management.ThreadMXBean THREADS = threads();

    static {
        Schedule.auto(); // load the built-in tables (a @fallback's target) outside any measurement
    }

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean t = ManagementFactory.getThreadMXBean();
        if (t instanceof com.sun.management.ThreadMXBean && ((com.sun.management.ThreadMXBean) t).isThreadAllocatedMemorySupported()) {
            com.sun.management.ThreadMXBean s = (com.sun.management.ThreadMXBean) t;
            s.setThreadAllocatedMemoryEnabled(true);
            return s;
        }
        return null;
    }

    /** A generous linear bound: the reader's buffers, the lines as strings, numbers parsed, maps and triples. */
    static long allocationBudget(long size) {
        return 64 * size + (1 << 20);
    }

    private static long allocated() {
        return THREADS == null ? -1 : THREADS.getCurrentThreadAllocatedBytes();
    }

    private static Schedule parse(byte[] input) {
        return Schedule.parse(new ByteArrayInputStream(input), ORIGIN);
    }

    /** Checks the property on {@code input}; throws {@link AssertionError} naming the input when it fails. */
    static void check(byte[] input) {
        long before = allocated();
        long t0 = System.nanoTime();
        Schedule s = null;
        try {
            s = parse(input);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            if (msg == null || !msg.contains(ORIGIN) || msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) {
                throw new AssertionError("IllegalArgumentException whose message is not one line naming the table: " + msg
                        + "\n  input: " + describe(input), e);
            }
        } catch (RuntimeException | Error e) {
            throw new AssertionError("undocumented " + e + "\n  input: " + describe(input), e);
        }
        long took = System.nanoTime() - t0;
        long used = before < 0 ? -1 : allocated() - before;
        if (used > allocationBudget(input.length)) {
            long again = allocated();
            try {
                parse(input);
            } catch (IllegalArgumentException e) {
                // as the first time
            }
            used = allocated() - again; // without the first call's class loading
        }
        if (used > allocationBudget(input.length)) {
            throw new AssertionError("allocated " + used + " bytes for a " + input.length + "-byte table\n  input: " + describe(input));
        }
        if (took > SLOW_NANOS) {
            throw new AssertionError("took " + took / 1_000_000 + " ms\n  input: " + describe(input));
        }
        if (s != null) {
            try {
                checkSchedule(s);
            } catch (RuntimeException e) {
                throw new AssertionError("the parsed schedule throws " + e + "\n  input: " + describe(input), e);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n  input: " + describe(input), e);
            }
        }
    }

    private static void checkSchedule(Schedule s) {
        if (s.name() == null || s.provenance() == null) {
            throw new AssertionError("null name or provenance");
        }
        List<int[]> probes = new ArrayList<>(Arrays.asList(PROBES));
        for (String k : s.shapes()) {
            String[] p = k.split("x");
            int lo;
            int hi;
            try {
                lo = Integer.parseInt(p[0]);
                hi = Integer.parseInt(p[1]);
            } catch (RuntimeException e) {
                throw new AssertionError("shape key '" + k + "' is not MINxMAX");
            }
            if (p.length != 2 || lo < 1 || lo > hi) {
                throw new AssertionError("shape key '" + k + "' is not a positive MINxMAX");
            }
            probes.add(new int[]{lo, hi});
            probes.add(new int[]{hi, lo});
            probes.add(new int[]{lo, Math.max(lo, hi - 1)});
        }
        for (Schedule t : new Schedule[]{s, s.withSteps(1), s.withSteps(7)}) {
            for (int[] mn : probes) {
                checkCoefficients(t.resolve(mn[0], mn[1]), mn);
            }
        }
    }

    private static void checkCoefficients(Schedule.Coefficients c, int[] mn) {
        String at = " for " + mn[0] + "x" + mn[1] + " (" + c.source() + ")";
        if (c.steps() < 1) {
            throw new AssertionError(c.steps() + " steps" + at);
        }
        for (double[] t : c.triples()) {
            if (t.length != 3 || !Double.isFinite(t[0]) || !Double.isFinite(t[1]) || !Double.isFinite(t[2])) {
                throw new AssertionError("triple " + Arrays.toString(t) + at);
            }
        }
        if (!(c.scale() > 0) || !Double.isFinite(c.scale())) {
            throw new AssertionError("scale " + c.scale() + at);
        }
        if (!(c.eps() >= 0) || !Double.isFinite(c.eps())) {
            throw new AssertionError("eps " + c.eps() + at);
        }
    }

    /** The input as Java string escapes, shortened past 2,000 bytes. */
    static String describe(byte[] b) {
        StringBuilder s = new StringBuilder().append(b.length).append(" bytes \"");
        for (int i = 0; i < Math.min(b.length, 2000); i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                s.append((char) c);
            } else if (c == '\n') {
                s.append("\\n");
            } else if (c == '\t') {
                s.append("\\t");
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.append(b.length > 2000 ? "\"..." : "\"").toString();
    }

    // ------------------------------------------------------------------ inputs

    /**
     * Writes {@link #seeds()} as {@code seed-NN.tsv} into the folder {@code args[0]}: how the Jazzer fuzzer's seed files
     * under {@code src/fuzz/resources} were made.
     */
    public static void main(String[] args) throws java.io.IOException {
        List<byte[]> s = seeds();
        for (int i = 0; i < s.size(); i++) {
            java.nio.file.Files.write(java.nio.file.Path.of(args[0], String.format("seed-%02d.tsv", i)), s.get(i));
        }
    }

    /** The shipped tables (muon, polar-express, root, auto) and a few small ones using every directive. */
    static List<byte[]> seeds() {
        List<byte[]> s = new ArrayList<>();
        for (String f : new String[]{"muon.tsv", "polar-express.tsv", "root.tsv", "auto.tsv"}) {
            try (InputStream in = Schedule.class.getResourceAsStream("/org/ortho4j/schedules/" + f)) {
                s.add(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        s.add(utf8("@name t\n@scale 1.5\n@eps 0.25\n@provenance p1\n@provenance p2\n* * * 1 2 3\n4 8 1 5 6 7\n8 4 2 8 9 10\n"));
        s.add(utf8("@fallback muon\n@interpolate nearest\n10 10 * 1 0 0\n16\t32\t1\t1.5\t-0.5\t0.25\n16\t32\t2\t1\t1e-3\t0\n"));
        s.add(utf8("# comment\n\n@fallback polar-express\r\n24 200 1 3.0 -2.0 0.5\r\n24 200 2 2.5 -1.5 0.4\r\n"));
        return s;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final String[] TOKENS = {"*", "0", "1", "-1", "5", "100", "101", "2147483647", "2147483648", "-2147483648",
        "1e308", "1e309", "-1e309", "NaN", "Infinity", "-Infinity", "-0", "0.0", "1e-320", "0x1p3", "1d", "+3", "", "x",
        "@scale", "@eps", "@fallback", "@interpolate", "@name", "@provenance", "@bogus", "nearest", "muon", "auto", "root",
        "polar-express", "#", "\t", "  ", "\u00a0", "\u2028", "\u0085", "\ufeff", "\u0000", "64x64", "٣"};
    private static final String[] LINES = {"@scale 0", "@scale -1", "@scale NaN", "@scale Infinity", "@scale 1e-300", "@scale",
        "@eps -1e-9", "@eps NaN", "@eps Infinity", "@eps", "@eps 0", "@fallback muon", "@fallback auto", "@fallback nope",
        "@fallback", "@interpolate nearest", "@interpolate linear", "@name", "@provenance", "@scale\t1.02", "@eps\t1e-6",
        "* * * 1 2 3", "* * 1 1 2 3", "* * 2 1 2 3", "0 0 * 1 2 3", "-4 8 * 1 2 3", "0 5 1 1 2 3", "7 * 1 1 2 3",
        "* 7 1 1 2 3", "2147483647 2147483647 * 1 2 3", "1 1 2147483647 1 2 3", "3 3 1 1e308 1e308 1e308",
        "4 4 1 1 2 3 4", "4 4 1 1 2", ""};

    /**
     * {@code seed} with 1 to 6 edits: a line deleted, duplicated, swapped or inserted (from a list of valid and
     * invalid directives and rows), a field replaced by an interesting token, separators changed, or raw bytes
     * flipped, inserted or cut (including invalid UTF-8).
     */
    static byte[] mutate(byte[] seed, List<byte[]> others, Random r) {
        // Lines as ISO-8859-1 strings, one char a byte, so that raw edits and invalid UTF-8 survive the line edits.
        List<String> lines = new ArrayList<>(Arrays.asList(new String(seed, StandardCharsets.ISO_8859_1).split("\n", -1)));
        int edits = 1 + r.nextInt(6);
        for (int e = 0; e < edits; e++) {
            int at = r.nextInt(lines.size());
            switch (r.nextInt(9)) {
                case 0:
                    if (lines.size() > 1) {
                        lines.remove(at);
                    }
                    break;
                case 1:
                    lines.add(r.nextInt(lines.size() + 1), lines.get(at));
                    break;
                case 2:
                    java.util.Collections.swap(lines, at, r.nextInt(lines.size()));
                    break;
                case 3:
                    lines.add(r.nextInt(lines.size() + 1), bytewise(LINES[r.nextInt(LINES.length)]));
                    break;
                case 4:
                case 5: { // a field replaced by a token
                    String[] f = lines.get(at).split("[ \t]+", -1);
                    f[r.nextInt(f.length)] = bytewise(TOKENS[r.nextInt(TOKENS.length)]);
                    lines.set(at, String.join(r.nextInt(4) == 0 ? "\t" : " ", f));
                    break;
                }
                case 6: { // a line from another seed
                    String[] o = new String(others.get(r.nextInt(others.size())), StandardCharsets.ISO_8859_1).split("\n");
                    lines.add(at, o[r.nextInt(o.length)]);
                    break;
                }
                case 7: { // separators: none, \r\n, a run of blanks
                    String l = lines.get(at);
                    lines.set(at, r.nextBoolean() ? l.replace(" ", r.nextBoolean() ? "" : " \t ") : l + "\r");
                    break;
                }
                default: { // raw bytes
                    byte[] raw = rawEdit(String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1), r);
                    lines = new ArrayList<>(Arrays.asList(new String(raw, StandardCharsets.ISO_8859_1).split("\n", -1)));
                    break;
                }
            }
        }
        return String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@code s}'s UTF-8 bytes as one char each. */
    private static String bytewise(String s) {
        return new String(utf8(s), StandardCharsets.ISO_8859_1);
    }

    private static byte[] rawEdit(byte[] b, Random r) {
        if (b.length == 0) {
            return new byte[]{(byte) r.nextInt(256)};
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(4)) {
            case 0:
                b[at] ^= (byte) (1 << r.nextInt(8));
                return b;
            case 1: {
                byte[] ins = new byte[1 + r.nextInt(4)];
                r.nextBytes(ins);
                byte[] out = new byte[b.length + ins.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, ins.length);
                System.arraycopy(b, at, out, at + ins.length, b.length - at);
                return out;
            }
            case 2:
                return Arrays.copyOf(b, at);
            default:
                b[at] = (byte) new int[]{0, '\r', '\n', '\t', ' ', '*', '@', '#', 0xc3, 0xff, '.', 'e', '-'}[r.nextInt(13)];
                return b;
        }
    }
}
