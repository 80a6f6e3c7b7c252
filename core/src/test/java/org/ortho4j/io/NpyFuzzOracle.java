package org.ortho4j.io;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * What the {@code .npy} fuzzers check on every input, and the inputs they start from. Shared by the jqwik
 * property that runs in {@code mvn test} ({@link NpyFuzzProperties}) and the Jazzer fuzz test of
 * {@code mvn -Pfuzz test} ({@code src/fuzz/java}).
 *
 * <p>The property, for any bytes: {@link Npy#read(byte[], String)} either returns matrices whose shape accounts for
 * exactly the values it holds, no more values than the bytes can encode, or throws {@link Npy.NpyException} with a
 * one-line message that starts with the file name (the class comment's promise); nothing else escapes; the read
 * allocates at most {@link #allocationBudget(long)} bytes (measured per thread, so a header that promises more data
 * than the file holds cannot make it allocate for that promise) and takes under {@link #SLOW_NANOS}.
 */
final class NpyFuzzOracle {
    private NpyFuzzOracle() {
    }

    static final String NAME = "fuzz.npy";
    static final long SLOW_NANOS = 5_000_000_000L;

    private static final com.sun.management.ThreadMXBean THREADS = threads();

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean t = ManagementFactory.getThreadMXBean();
        if (t instanceof com.sun.management.ThreadMXBean && ((com.sun.management.ThreadMXBean) t).isThreadAllocatedMemorySupported()) {
            com.sun.management.ThreadMXBean s = (com.sun.management.ThreadMXBean) t;
            s.setThreadAllocatedMemoryEnabled(true);
            return s;
        }
        return null;
    }

    /**
     * The most the reader may allocate for a file of {@code size} bytes: the values (4 bytes for each of at most
     * size/4 elements), one read buffer of at most the data's size, a few copies of the header as text (up to
     * 2 bytes a character for a UTF-8 header) and a fixed 256 KiB for everything else (exceptions, formatting).
     */
    static long allocationBudget(long size) {
        return 16 * size + (256 << 10);
    }

    /** Bytes this thread has allocated so far, or -1 when the JVM does not say. */
    static long allocated() {
        return THREADS == null ? -1 : THREADS.getCurrentThreadAllocatedBytes();
    }

    /** Checks the property on {@code input}; throws {@link AssertionError} naming the input when it fails. */
    static void check(byte[] input) {
        long before = allocated();
        long t0 = System.nanoTime();
        Npy.Matrices m = null;
        try {
            m = Npy.read(input, NAME);
        } catch (Npy.NpyException e) {
            String msg = e.getMessage();
            if (msg == null || !msg.startsWith(NAME + ": ") || msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) {
                throw new AssertionError("NpyException whose message is not one line naming the file: " + msg
                        + "\n  input: " + describe(input), e);
            }
        } catch (RuntimeException | Error e) {
            throw new AssertionError("undocumented " + e + "\n  input: " + describe(input), e);
        }
        long took = System.nanoTime() - t0;
        long used = before < 0 ? -1 : allocated() - before;
        if (used > allocationBudget(input.length)) {
            used = allocatedByRead(input); // again, without the first call's class loading and setup
        }
        if (used > allocationBudget(input.length)) {
            throw new AssertionError("allocated " + used + " bytes for a " + input.length + "-byte file (budget "
                    + allocationBudget(input.length) + ")\n  input: " + describe(input));
        }
        if (took > SLOW_NANOS) {
            throw new AssertionError("took " + took / 1_000_000 + " ms\n  input: " + describe(input));
        }
        if (m != null) {
            checkResult(m, input);
        }
    }

    private static long allocatedByRead(byte[] input) {
        long before = allocated();
        try {
            Npy.read(input, NAME);
        } catch (Npy.NpyException e) {
            // as the first time
        }
        return allocated() - before;
    }

    private static void checkResult(Npy.Matrices m, byte[] input) {
        int[] shape = m.shape();
        BigInteger product = BigInteger.ONE;
        for (int d : shape) {
            if (d < 1) {
                throw new AssertionError("returned a dimension " + d + " in shape " + Arrays.toString(shape) + "\n  input: " + describe(input));
            }
            product = product.multiply(BigInteger.valueOf(d));
        }
        boolean dims = m.batched() ? shape.length == 3 && shape[0] == m.batch() : shape.length == 2 && m.batch() == 1;
        if (!dims || shape[shape.length - 2] != m.rows() || shape[shape.length - 1] != m.cols()) {
            throw new AssertionError("inconsistent shape " + Arrays.toString(shape) + " batch " + m.batch() + " rows " + m.rows()
                    + " cols " + m.cols() + "\n  input: " + describe(input));
        }
        if (!product.equals(BigInteger.valueOf(m.data().length))) {
            throw new AssertionError("shape " + Arrays.toString(shape) + " holds " + product + " values, the matrices have "
                    + m.data().length + "\n  input: " + describe(input));
        }
        if (4L * m.data().length > input.length) {
            throw new AssertionError(m.data().length + " values from a " + input.length + "-byte file\n  input: " + describe(input));
        }
    }

    /** The input as Java string escapes, shortened past 600 bytes. */
    static String describe(byte[] b) {
        StringBuilder s = new StringBuilder().append(b.length).append(" bytes \"");
        for (int i = 0; i < Math.min(b.length, 600); i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.append(b.length > 600 ? "\"..." : "\"").toString();
    }

    // ------------------------------------------------------------------ inputs

    /**
     * Writes {@link #seeds()} as {@code seed-NN.npy} into the folder {@code args[0]}: how the Jazzer fuzzer's seed files
     * under {@code src/fuzz/resources} were made.
     */
    public static void main(String[] args) throws java.io.IOException {
        List<byte[]> s = seeds();
        for (int i = 0; i < s.size(); i++) {
            java.nio.file.Files.write(java.nio.file.Path.of(args[0], String.format("seed-%02d.npy", i)), s.get(i));
        }
    }

    /** A {@code .npy} file as NumPy lays it out (64-byte aligned), with any header dict and payload. */
    static byte[] npy(int major, String dict, byte[] payload) {
        return NpyTest.npy(major, dict, payload);
    }

    /**
     * Valid files: 2-D and 3-D, float32 and float64, little- and big-endian, format versions 1.0, 2.0 and 3.0,
     * NumPy's spacing and a terse one; and one Fortran-order file (documented as refused).
     */
    static List<byte[]> seeds() {
        List<byte[]> s = new ArrayList<>();
        Random r = new Random(7);
        String[] descrs = {"<f4", ">f4", "<f8", ">f8"};
        int[][] shapes = {{2, 3}, {1, 1}, {3, 2, 2}, {1, 4, 1}};
        for (int i = 0; i < descrs.length; i++) {
            for (int[] shape : shapes) {
                s.add(npy(1 + (i + shape.length) % 3, NpyTest.dict(descrs[i], false, Npy.shapeText(shape)), payload(descrs[i], shape, r)));
            }
        }
        s.add(npy(1, "{\"shape\":(4,2),'fortran_order':False,  'descr':'<f4'}", payload("<f4", new int[]{4, 2}, r)));
        s.add(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", payload("<f4", new int[]{2, 3}, r)));
        s.add(npy(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 2L), }", payload("<f8", new int[]{2, 2}, r)));
        return s;
    }

    static byte[] payload(String descr, int[] shape, Random r) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        boolean f8 = descr.endsWith("8");
        ByteBuffer b = ByteBuffer.allocate(n * (f8 ? 8 : 4)).order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (f8) {
                b.putDouble(r.nextGaussian());
            } else {
                b.putFloat((float) r.nextGaussian());
            }
        }
        return b.array();
    }

    private static final int[] INTERESTING_BYTES = {0, 1, 0x7f, 0x80, 0xff, 0xfe, ' ', '\n', '\t', '{', '}', '(', ')', ',', ':', '\'', '"',
        '0', '1', '9', 'L', '<', '>', '|', 'f', '4', '8', 0x93, 0xc3, 0xe2};
    private static final long[] INTERESTING_LENGTHS = {0, 1, 5, 6, 63, 64, 65, 118, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x7fffffffL, 0x80000000L, 0xffffffffL, 1 << 24, (1 << 24) + 1};

    /** {@code seed} with 1 to 8 random edits: bit flips, interesting bytes, inserts, deletes, copies, splices, length fields. */
    static byte[] mutate(byte[] seed, List<byte[]> others, Random r) {
        byte[] b = seed.clone();
        int edits = 1 + r.nextInt(8);
        for (int e = 0; e < edits; e++) {
            int op = r.nextInt(10);
            int at = b.length == 0 ? 0 : r.nextInt(b.length);
            switch (op) {
                case 0: // flip a bit
                    if (b.length > 0) {
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                    break;
                case 1: // an interesting byte
                    if (b.length > 0) {
                        b[at] = (byte) INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
                    }
                    break;
                case 2: { // insert random bytes
                    byte[] ins = new byte[1 + r.nextInt(8)];
                    r.nextBytes(ins);
                    b = splice(b, at, 0, ins);
                    break;
                }
                case 3: // delete a range
                    b = splice(b, at, Math.min(b.length - at, 1 + r.nextInt(16)), new byte[0]);
                    break;
                case 4: { // duplicate a range
                    int len = Math.min(b.length - at, 1 + r.nextInt(32));
                    b = splice(b, r.nextInt(b.length + 1), 0, Arrays.copyOfRange(b, at, at + len));
                    break;
                }
                case 5: // truncate
                    b = Arrays.copyOf(b, at);
                    break;
                case 6: { // append up to 64 bytes
                    byte[] tail = new byte[r.nextInt(65)];
                    r.nextBytes(tail);
                    b = splice(b, b.length, 0, tail);
                    break;
                }
                case 7: { // the header-length field (bytes 8-9 or 8-11), or the version bytes
                    if (b.length >= 12) {
                        long v = INTERESTING_LENGTHS[r.nextInt(INTERESTING_LENGTHS.length)] + r.nextInt(3) - 1;
                        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                        if (r.nextBoolean()) {
                            bb.putShort(8, (short) v);
                        } else {
                            bb.putInt(8, (int) v);
                        }
                        if (r.nextInt(4) == 0) {
                            b[6] = (byte) r.nextInt(5);
                        }
                    }
                    break;
                }
                case 8: { // splice in part of another seed
                    byte[] o = others.get(r.nextInt(others.size()));
                    int from = r.nextInt(o.length);
                    int len = Math.min(o.length - from, 1 + r.nextInt(64));
                    b = splice(b, at, Math.min(b.length - at, r.nextInt(64)), Arrays.copyOfRange(o, from, from + len));
                    break;
                }
                default: { // a number in the header's text replaced by an interesting one
                    b = replaceNumber(b, r);
                    break;
                }
            }
        }
        return b;
    }

    private static final String[] INTERESTING_NUMBERS = {"0", "1", "2", "-1", "00", "2147483647", "2147483648", "4294967296",
        "9223372036854775807", "9223372036854775808", "99999999999999999999", "65536", "1048576", "2097152", "4194304",
        "1073741824", "536870912", "3L", "", " ", "1,", "1.5", "1e3", "\u0663"};

    private static byte[] replaceNumber(byte[] b, Random r) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < Math.min(b.length, 512); i++) {
            if (b[i] >= '0' && b[i] <= '9') {
                int j = i;
                while (j < b.length && b[j] >= '0' && b[j] <= '9') {
                    j++;
                }
                runs.add(new int[]{i, j});
                i = j;
            }
        }
        if (runs.isEmpty()) {
            return b;
        }
        int[] run = runs.get(r.nextInt(runs.size()));
        String n = INTERESTING_NUMBERS[r.nextInt(INTERESTING_NUMBERS.length)];
        return splice(b, run[0], run[1] - run[0], n.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    /**
     * A structurally plausible file with awkward parts: a version, dtype, order and shape drawn from lists of
     * valid and boundary values (dimensions include powers of two up to 2^31 and values past int), keys in any
     * order, and a payload of the size the shape needs (when small), one byte off, empty, or random.
     */
    static byte[] structured(Random r) {
        String[] descrs = {"<f4", ">f4", "<f8", ">f8", "=f4", "|u1", "<f2", "", "<f4'", "f4"};
        String descr = descrs[r.nextInt(4) == 0 ? r.nextInt(descrs.length) : r.nextInt(4)];
        int ndim = r.nextInt(5) == 0 ? r.nextInt(5) : 2 + r.nextInt(2);
        String[] dims = new String[ndim];
        BigInteger count = BigInteger.ONE;
        for (int i = 0; i < ndim; i++) {
            long d;
            switch (r.nextInt(6)) {
                case 0: d = 1 + r.nextInt(4); break;
                case 1: d = r.nextInt(40); break;
                case 2: d = 1L << r.nextInt(32); break;
                case 3: d = (1L << r.nextInt(32)) + r.nextInt(3) - 1; break;
                case 4: d = Integer.MAX_VALUE - r.nextInt(3); break;
                default: d = r.nextBoolean() ? Math.abs(r.nextLong()) : 1L << (32 + r.nextInt(31)); break;
            }
            dims[i] = d + (r.nextInt(10) == 0 ? "L" : "");
            count = count.multiply(BigInteger.valueOf(Math.max(d, 0)));
        }
        String shape = ndim == 1 ? "(" + dims[0] + ",)" : "(" + String.join(r.nextBoolean() ? ", " : ",", dims) + ")";
        String fortran = r.nextInt(8) == 0 ? "True" : r.nextInt(20) == 0 ? "false" : "False";
        List<String> entries = new ArrayList<>(List.of("'descr': '" + descr + "'", "'fortran_order': " + fortran, "'shape': " + shape));
        if (r.nextInt(10) == 0) {
            entries.add("'extra': 1");
        }
        if (r.nextInt(10) == 0) {
            entries.remove(r.nextInt(entries.size()));
        }
        java.util.Collections.shuffle(entries, r);
        String dict = "{" + String.join(", ", entries) + (r.nextBoolean() ? ", }" : "}");
        int item = descr.endsWith("8") ? 8 : 4;
        BigInteger exact = count.multiply(BigInteger.valueOf(item));
        int len;
        switch (r.nextInt(5)) {
            case 0: len = 0; break;
            case 1: len = r.nextInt(256); break;
            default:
                len = exact.compareTo(BigInteger.valueOf(4096)) <= 0 ? exact.intValue() + (r.nextInt(3) == 0 ? r.nextInt(3) - 1 : 0) : r.nextInt(64);
                break;
        }
        byte[] payload = new byte[Math.max(0, len)];
        r.nextBytes(payload);
        return npy(1 + r.nextInt(3), dict, payload);
    }
}
