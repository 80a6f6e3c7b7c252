package org.ortho4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * NumPy {@code .npy} files of float matrices, so that ortho4j's command-line tool reads what
 * {@code numpy.save} writes and writes what {@code numpy.load} reads.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0; dtype {@code float32} or {@code float64} in either byte
 * order ({@code '<f4'}, {@code '>f4'}, {@code '<f8'}, {@code '>f8'}); C (row-major) order; 2-D arrays (one
 * {@code rows × cols} matrix, batch 1) or 3-D arrays ({@code batch × rows × cols}). float64 values are rounded
 * to float32. Writing produces version 1.0 (2.0 if the header is too long), {@code '<f4'}, C order, with the
 * shape given. Every failure is an {@link NpyException} whose one-line message starts with the file name.
 *
 * <p>Format reference: numpy/lib/format.py ("the magic string {@code \x93NUMPY}, major and minor version
 * bytes, a little-endian header length (2 bytes in 1.0, 4 bytes in 2.0 and 3.0), an ASCII (3.0: UTF-8) Python
 * dict literal padded with spaces and a newline so the data start at a multiple of 64 bytes").
 */
public final class Npy {
    private Npy() {
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int CHUNK = 1 << 20;

    /** A bad or unsupported {@code .npy} file, or an I/O failure on one; the message names the file. */
    public static final class NpyException extends IOException {
        private static final long serialVersionUID = 1L;

        /**
         * An exception with a one-line message.
         *
         * @param message names the file and says what is wrong
         */
        public NpyException(String message) {
            super(message);
        }

        /**
         * An exception with a one-line message and its cause.
         *
         * @param message names the file and says what is wrong
         * @param cause   the underlying failure, or {@code null}
         */
        public NpyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A batch of float32 matrices read from a file: {@code batch × rows × cols} row-major values, and whether
     * the file held a 3-D array (a 2-D file reads as batch 1 with {@code batched() == false}).
     */
    public static final class Matrices {
        private final float[] data;
        private final int batch;
        private final int rows;
        private final int cols;
        private final boolean batched;

        /**
         * Matrices over {@code data} (not copied).
         *
         * @param data    {@code batch·rows·cols} values, row-major, matrices contiguous
         * @param batch   the number of matrices, at least 1 (1 unless {@code batched})
         * @param rows    rows of each matrix, at least 1
         * @param cols    columns of each matrix, at least 1
         * @param batched whether the array is 3-D
         */
        public Matrices(float[] data, int batch, int rows, int cols, boolean batched) {
            this.data = Objects.requireNonNull(data, "data");
            // (long) batch * rows * cols can overflow; batch * rows alone cannot, and once it is ≤ data.length nor can · cols.
            if (batch < 1 || rows < 1 || cols < 1 || (long) batch * rows > data.length || (long) batch * rows * cols != data.length) {
                throw new IllegalArgumentException("matrices: shape " + batch + "x" + rows + "x" + cols + " does not match "
                        + data.length + " values");
            }
            if (!batched && batch != 1) {
                throw new IllegalArgumentException("matrices: a 2-D array has batch 1, got " + batch);
            }
            this.batch = batch;
            this.rows = rows;
            this.cols = cols;
            this.batched = batched;
        }

        /**
         * The values, row-major, matrices contiguous.
         *
         * @return the array itself (not a copy)
         */
        public float[] data() {
            return data;
        }

        /**
         * The number of matrices.
         *
         * @return the batch size (1 for a 2-D array)
         */
        public int batch() {
            return batch;
        }

        /**
         * Rows of each matrix.
         *
         * @return the number of rows
         */
        public int rows() {
            return rows;
        }

        /**
         * Columns of each matrix.
         *
         * @return the number of columns
         */
        public int cols() {
            return cols;
        }

        /**
         * Whether the file held a 3-D array.
         *
         * @return {@code true} for a 3-D array
         */
        public boolean batched() {
            return batched;
        }

        /**
         * The NumPy shape.
         *
         * @return {@code {rows, cols}} or {@code {batch, rows, cols}}
         */
        public int[] shape() {
            return batched ? new int[]{batch, rows, cols} : new int[]{rows, cols};
        }

        /**
         * The shape, for messages.
         *
         * @return {@code "rows x cols"} or {@code "batch x rows x cols"}, written with {@code x}
         */
        public String shapeString() {
            return batched ? batch + "x" + rows + "x" + cols : rows + "x" + cols;
        }
    }

    // ------------------------------------------------------------------ reading

    /** The longest header accepted (NumPy's own headers for the arrays read here are under 200 bytes). */
    static final long MAX_HEADER = 1 << 24;

    /**
     * Reads a 2-D or 3-D float32/float64 C-order array; see the class comment for what is accepted. Nothing is
     * allocated before the header's shape has been checked against the file's size, so a file's header cannot make
     * the reader allocate more than the file holds.
     *
     * @param file the {@code .npy} file
     * @return its matrices, as float32
     * @throws NpyException for a missing, unreadable, malformed or unsupported file; no other exception
     */
    public static Matrices read(Path file) throws NpyException {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new NpyException(name + ": is a directory, not an .npy file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch.size(), ch::read, name);
        } catch (NpyException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new NpyException(name + ": no such file", e);
        } catch (IOException e) {
            throw new NpyException(name + ": cannot read: " + oneLine(e), e);
        }
    }

    /**
     * {@link #read(Path)} on the bytes of a file in memory (the tests' and the fuzzers' entry); {@code name} stands
     * for the file name in messages.
     */
    static Matrices read(byte[] bytes, String name) throws NpyException {
        Objects.requireNonNull(bytes, "bytes");
        try {
            return read(bytes.length, (dst, pos) -> {
                if (pos >= bytes.length) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), bytes.length - pos);
                dst.put(bytes, (int) pos, n);
                return n;
            }, name);
        } catch (NpyException e) {
            throw e;
        } catch (IOException e) {
            throw new NpyException(name + ": cannot read: " + oneLine(e), e);
        }
    }

    /** Positional reads, as {@link FileChannel#read(ByteBuffer, long)}. */
    @FunctionalInterface
    private interface Source {
        int read(ByteBuffer dst, long position) throws IOException;
    }

    private static Matrices read(long size, Source ch, String name) throws IOException {
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0);
        int got = pre.position();
        pre.flip();
        if (got < 10 || !startsWithMagic(pre)) {
            throw new NpyException(name + ": not an .npy file (missing the \\x93NUMPY magic string)");
        }
        int major = pre.get(6) & 0xff;
        int minor = pre.get(7) & 0xff;
        long headerLen;
        int preLen;
        if (major == 1) {
            headerLen = pre.getShort(8) & 0xffff;
            preLen = 10;
        } else if (major == 2 || major == 3) {
            if (got < 12) {
                throw new NpyException(name + ": truncated .npy header");
            }
            headerLen = pre.getInt(8) & 0xffffffffL;
            preLen = 12;
        } else {
            throw new NpyException(name + ": unsupported .npy format version " + major + "." + minor + " (expected 1.0, 2.0 or 3.0)");
        }
        if (preLen + headerLen > size) {
            throw new NpyException(name + ": truncated .npy header (header says " + headerLen + " bytes, file has "
                    + (size - preLen) + " after the preamble)");
        }
        if (headerLen > MAX_HEADER) {
            throw new NpyException(name + ": .npy header of " + headerLen + " bytes is implausibly long");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, preLen);
        String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = parseHeader(header, name);

        long dataStart = preLen + headerLen;
        long have = size - dataStart;
        // Exact: the product of three int dimensions can overflow a long (2^21 · 2^21 · 2^22 = 2^64 wraps to 0).
        BigInteger needExact = BigInteger.valueOf(h.itemSize);
        for (int d : h.shape) {
            needExact = needExact.multiply(BigInteger.valueOf(d));
        }
        if (needExact.compareTo(BigInteger.valueOf(have)) > 0) {
            throw new NpyException(name + ": truncated data: shape " + shapeText(h.shape) + " of " + h.descr + " needs " + needExact
                    + " bytes, the file has " + have);
        }
        long need = needExact.longValueExact();
        long count = need / h.itemSize;
        if (have > need) {
            throw new NpyException(name + ": " + (have - need) + " unexpected bytes after the data of shape " + shapeText(h.shape));
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new NpyException(name + ": " + count + " elements are more than one Java array holds");
        }
        float[] data = new float[(int) count];
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(need, 8))).order(h.order);
        long pos = dataStart;
        int next = 0;
        while (next < data.length) {
            buf.clear();
            long remaining = (long) (data.length - next) * h.itemSize;
            buf.limit((int) Math.min(buf.capacity() / h.itemSize * h.itemSize, remaining));
            int n = readFully(ch, buf, pos);
            if (buf.hasRemaining()) {
                throw new NpyException(name + ": truncated data (file shrank while reading)");
            }
            pos += n;
            buf.flip();
            if (h.itemSize == 4) {
                while (buf.hasRemaining()) {
                    data[next++] = buf.getFloat();
                }
            } else {
                while (buf.hasRemaining()) {
                    data[next++] = (float) buf.getDouble();
                }
            }
        }
        boolean batched = h.shape.length == 3;
        return batched
                ? new Matrices(data, h.shape[0], h.shape[1], h.shape[2], true)
                : new Matrices(data, 1, h.shape[0], h.shape[1], false);
    }

    private static boolean startsWithMagic(ByteBuffer b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Reads from {@code pos} until {@code buf} is full or the file ends; returns the bytes read. */
    private static int readFully(Source ch, ByteBuffer buf, long pos) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static final class Header {
        String descr;
        ByteOrder order;
        int itemSize;
        int[] shape;
    }

    /**
     * Parses the header dict, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}: exactly
     * the three keys NumPy writes, in any order.
     */
    private static Header parseHeader(String header, String name) throws NpyException {
        String s = header.strip();
        if (!s.startsWith("{") || !s.endsWith("}")) {
            throw new NpyException(name + ": malformed .npy header (not a dict): " + clip(s));
        }
        DictParser p = new DictParser(s.substring(1, s.length() - 1), name);
        String descr = null;
        Boolean fortran = null;
        int[] shape = null;
        while (p.skipSpaces()) {
            String key = p.string();
            p.expect(':');
            switch (key) {
                case "descr":
                    descr = p.string();
                    break;
                case "fortran_order":
                    fortran = p.bool();
                    break;
                case "shape":
                    shape = p.tuple();
                    break;
                default:
                    throw new NpyException(name + ": unexpected key '" + clip(key) + "' in .npy header");
            }
            if (p.skipSpaces()) {
                p.expect(',');
            }
        }
        if (descr == null || fortran == null || shape == null) {
            throw new NpyException(name + ": .npy header lacks 'descr', 'fortran_order' or 'shape': " + clip(s));
        }
        Header h = new Header();
        h.descr = descr;
        switch (descr) {
            case "<f4": h.order = ByteOrder.LITTLE_ENDIAN; h.itemSize = 4; break;
            case ">f4": h.order = ByteOrder.BIG_ENDIAN; h.itemSize = 4; break;
            case "<f8": h.order = ByteOrder.LITTLE_ENDIAN; h.itemSize = 8; break;
            case ">f8": h.order = ByteOrder.BIG_ENDIAN; h.itemSize = 8; break;
            default:
                throw new NpyException(name + ": dtype '" + clip(descr) + "' is not supported (expected float32 or float64: '<f4', '>f4', '<f8' or '>f8')");
        }
        if (fortran) {
            throw new NpyException(name + ": Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)");
        }
        if (shape.length != 2 && shape.length != 3) {
            throw new NpyException(name + ": array of shape " + shapeText(shape) + " is " + shape.length
                    + "-D; expected 2-D (a matrix) or 3-D (a batch of matrices)");
        }
        for (int d : shape) {
            if (d == 0) {
                throw new NpyException(name + ": array of shape " + shapeText(shape) + " is empty");
            }
        }
        h.shape = shape;
        return h;
    }

    /** A tiny reader for the Python literal subset NumPy writes in headers. */
    private static final class DictParser {
        private final String s;
        private final String name;
        private int i;

        DictParser(String s, String name) {
            this.s = s;
            this.name = name;
        }

        /** Skips blanks; false at the end. */
        boolean skipSpaces() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            return i < s.length();
        }

        void expect(char c) throws NpyException {
            skipSpaces();
            if (i >= s.length() || s.charAt(i) != c) {
                throw bad("expected '" + c + "'");
            }
            i++;
        }

        String string() throws NpyException {
            skipSpaces();
            if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) {
                throw bad("expected a quoted string");
            }
            char q = s.charAt(i++);
            int end = s.indexOf(q, i);
            if (end < 0) {
                throw bad("unterminated string");
            }
            String v = s.substring(i, end);
            i = end + 1;
            return v;
        }

        boolean bool() throws NpyException {
            skipSpaces();
            if (s.startsWith("True", i)) {
                i += 4;
                return true;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return false;
            }
            throw bad("expected True or False");
        }

        int[] tuple() throws NpyException {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (true) {
                skipSpaces();
                if (i < s.length() && s.charAt(i) == ')') {
                    i++;
                    break;
                }
                int start = i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                // NumPy 1.x may write Python 2 longs such as 3L.
                String digits = s.substring(start, i);
                if (i < s.length() && s.charAt(i) == 'L') {
                    i++;
                }
                if (digits.isEmpty()) {
                    throw bad("expected a dimension");
                }
                try {
                    dims.add(Integer.parseInt(digits));
                } catch (NumberFormatException e) {
                    throw new NpyException(name + ": dimension " + digits + " in .npy header is too large");
                }
                skipSpaces();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                } else if (i < s.length() && s.charAt(i) == ')') {
                    i++;
                    break;
                } else {
                    throw bad("expected ',' or ')' in shape");
                }
            }
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private NpyException bad(String what) {
            return new NpyException(name + ": malformed .npy header (" + what + " at column " + i + "): " + clip(s));
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes {@code m} as {@code '<f4'} with its own shape ({@link Matrices#shape()}).
     *
     * @param file the file, created or replaced
     * @param m    the matrices
     * @throws NpyException with a one-line message naming the file, when writing fails
     */
    public static void write(Path file, Matrices m) throws NpyException {
        write(file, m.data(), m.shape());
    }

    /**
     * Writes {@code data} as a C-order {@code '<f4'} array of {@code shape}.
     *
     * @param file  the file, created or replaced
     * @param data  the values, row-major, not modified
     * @param shape any number of dimensions, each ≥ 0, product = {@code data.length}
     * @throws NpyException with a one-line message naming the file, when writing fails
     */
    public static void write(Path file, float[] data, int... shape) throws NpyException {
        Objects.requireNonNull(file, "file");
        try (OutputStream out = Files.newOutputStream(file)) {
            writeTo(out, data, shape);
        } catch (IOException e) {
            throw new NpyException(file + ": cannot write: " + oneLine(e), e);
        }
    }

    /**
     * {@link #write(Path, Matrices)} to a stream: the CLI writes through {@link AtomicOutputs}.
     *
     * @param out the stream (not closed)
     * @param m   the matrices
     * @throws IOException when writing to {@code out} fails
     */
    public static void writeTo(OutputStream out, Matrices m) throws IOException {
        writeTo(out, m.data(), m.shape());
    }

    /**
     * {@link #write(Path, float[], int...)} to a stream.
     *
     * @param out   the stream (not closed)
     * @param data  the values, row-major, not modified
     * @param shape any number of dimensions, each ≥ 0, product = {@code data.length}
     * @throws IOException when writing to {@code out} fails
     */
    public static void writeTo(OutputStream out, float[] data, int... shape) throws IOException {
        Objects.requireNonNull(data, "data");
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("npy write: negative dimension in shape " + shapeText(shape));
            }
            count *= d;
        }
        if (count != data.length) {
            throw new IllegalArgumentException("npy write: shape " + shapeText(shape) + " holds " + count + " values, got " + data.length);
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText(shape) + ", }";
        byte[] dictBytes = dict.getBytes(StandardCharsets.ISO_8859_1);
        // Version 1.0 when the padded header fits in 2 bytes of length, else 2.0.
        int major = 10 + dictBytes.length + 1 <= 0xffff ? 1 : 2;
        int preLen = major == 1 ? 10 : 12;
        int total = preLen + dictBytes.length + 1; // + '\n'
        int padded = (total + ALIGN - 1) / ALIGN * ALIGN;
        int headerLen = padded - preLen;
        ByteBuffer head = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            head.putShort((short) headerLen);
        } else {
            head.putInt(headerLen);
        }
        head.put(dictBytes);
        while (head.position() < padded - 1) {
            head.put((byte) ' ');
        }
        head.put((byte) '\n');
        out.write(head.array());
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(4L * data.length, 4))).order(ByteOrder.LITTLE_ENDIAN);
        int next = 0;
        while (next < data.length) {
            buf.clear();
            while (buf.remaining() >= 4 && next < data.length) {
                buf.putFloat(data[next++]);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Python's tuple spelling: {@code (3,)}, {@code (3, 4)}. */
    static String shapeText(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        String s = Arrays.toString(shape);
        return "(" + s.substring(1, s.length() - 1) + ")";
    }

    /** Header text for a one-line message: blanks collapsed, control characters escaped, at most 120 characters. */
    private static String clip(String s) {
        String t = s.replaceAll("\\s+", " ");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < t.length() && b.length() <= 120; i++) {
            char c = t.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.length() > 120 ? b.substring(0, 117) + "..." : b.toString();
    }

    private static String oneLine(IOException e) {
        return IoErrors.describe(e);
    }
}
