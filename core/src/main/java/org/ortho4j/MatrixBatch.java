package org.ortho4j;

import org.ortho4j.spi.Storage;

/**
 * A batch of {@code batch} float32 matrices of {@code rows × cols}, row-major and contiguous (matrix {@code b},
 * element {@code (i, j)} at {@code (b·rows + i)·cols + j}), living in the memory of a {@link Context}'s backend.
 * Close it to release that memory; a closed batch cannot be used again.
 * Created by {@link Context#allocate}, {@link Context#upload} and the allocating forms of the operations.
 *
 * <p>A <em>borrowed</em> batch ({@link Context#borrowed}) is a parameter the caller owns: an id and a shape, with no
 * memory of its own. An optimizer step binds it to the caller's memory while the step runs ({@link #bind}); the
 * element accessors ({@link #toArray}, {@link #copyFrom}, ...) then read and write the caller's values, and the
 * operations of {@link Context} refuse it (they take batches the backend owns).
 */
public final class MatrixBatch implements AutoCloseable {
    private final Context context;
    private final int batch;
    private final int rows;
    private final int cols;
    private Storage storage;

    MatrixBatch(Context context, Storage storage, int batch, int rows, int cols) {
        this.context = context;
        this.storage = storage;
        this.batch = batch;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * The number of matrices.
     *
     * @return the batch size
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
     * Elements of one matrix.
     *
     * @return {@code rows·cols}
     */
    public long matrixElements() {
        return (long) rows * cols;
    }

    /**
     * Elements of the whole batch.
     *
     * @return {@code batch·rows·cols}
     */
    public long elements() {
        return (long) batch * rows * cols;
    }

    /**
     * The context whose backend holds the memory.
     *
     * @return the owning context
     */
    public Context context() {
        return context;
    }

    /**
     * The shape, for messages.
     *
     * @return {@code "batch×rows×cols"}, written with {@code x}
     */
    public String shape() {
        return batch + "x" + rows + "x" + cols;
    }

    /**
     * Whether the batch was closed.
     *
     * @return {@code true} once {@link #close()} has run
     */
    public boolean isClosed() {
        return storage == null;
    }

    /**
     * Service-provider access to the backend memory.
     *
     * @return the memory
     * @throws IllegalStateException when the batch is closed
     */
    public Storage storage() {
        Storage s = storage;
        if (s == null) {
            throw new IllegalStateException("matrix batch " + shape() + " is closed");
        }
        return s;
    }

    /**
     * The id of a borrowed batch.
     *
     * @return the id given to {@link Context#borrowed}, or {@code null} for a batch with memory of its own
     */
    public String id() {
        return storage instanceof BorrowedStorage b ? b.id : null;
    }

    /**
     * Whether this batch is a parameter the caller owns ({@link Context#borrowed}).
     *
     * @return {@code true} for a borrowed batch
     */
    public boolean isBorrowed() {
        return storage instanceof BorrowedStorage;
    }

    /**
     * Binds a borrowed batch to the caller's memory, or unbinds it ({@code null}); optimizer steps on borrowed
     * parameters do this for the duration of the step.
     *
     * @param span {@code elements()} values, row-major, matrix after matrix, or {@code null} to unbind
     * @throws IllegalStateException    when this batch is not borrowed
     * @throws IllegalArgumentException when the span's length is not {@code elements()}
     */
    public void bind(HostSpan span) {
        if (!(storage() instanceof BorrowedStorage b)) {
            throw new IllegalStateException("bind: batch " + shape() + " has memory of its own; only borrowed batches bind");
        }
        if (span != null && span.length() != elements()) {
            throw new IllegalArgumentException("bind: borrowed parameter '" + b.id + "' (" + shape() + ") has " + elements()
                    + " values, the span " + span.length());
        }
        b.bind(span);
    }

    private void read(long from, float[] dst, int dstOffset, int len) {
        Storage s = storage();
        if (s instanceof BorrowedStorage b) {
            b.read(from, dst, dstOffset, len);
        } else {
            context.backend().read(s, from, dst, dstOffset, len);
        }
    }

    private void write(long from, float[] src, int srcOffset, int len) {
        Storage s = storage();
        if (s instanceof BorrowedStorage b) {
            b.write(from, src, srcOffset, len);
        } else {
            context.backend().write(s, from, src, srcOffset, len);
        }
    }

    /**
     * All elements, copied to a new array.
     *
     * @return the elements, row-major, matrix after matrix
     * @throws IllegalArgumentException when there are more than a Java array holds (use {@link #matrix(int)})
     */
    public float[] toArray() {
        long n = elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch " + shape() + " has " + n + " elements, more than a Java array holds; use copyTo per matrix");
        }
        float[] a = new float[(int) n];
        read(0, a, 0, a.length);
        return a;
    }

    /**
     * One matrix of the batch, copied.
     *
     * @param index the matrix, {@code 0 ≤ index < batch}
     * @return a new {@code rows·cols} array, row-major
     */
    public float[] matrix(int index) {
        checkIndex(index);
        float[] a = new float[Math.toIntExact(matrixElements())];
        read(index * matrixElements(), a, 0, a.length);
        return a;
    }

    /**
     * Overwrites one matrix of the batch.
     *
     * @param index  the matrix, {@code 0 ≤ index < batch}
     * @param values {@code rows·cols} values, row-major, not modified
     */
    public void setMatrix(int index, float[] values) {
        checkIndex(index);
        if (values.length != matrixElements()) {
            throw new IllegalArgumentException("setMatrix: expected " + matrixElements() + " values for a " + rows + "x" + cols
                    + " matrix, got " + values.length);
        }
        write(index * matrixElements(), values, 0, values.length);
    }

    /**
     * Overwrites every element.
     *
     * @param values {@code batch·rows·cols} values, row-major, matrix after matrix; not modified
     */
    public void copyFrom(float[] values) {
        if (values.length != elements()) {
            throw new IllegalArgumentException("copyFrom: expected " + elements() + " values for batch " + shape() + ", got " + values.length);
        }
        write(0, values, 0, values.length);
    }

    /**
     * Overwrites every element from memory the caller owns, without an intermediate copy when the span is a
     * {@code float[]} range.
     *
     * @param values {@code batch·rows·cols} values, row-major, matrix after matrix; not modified
     */
    public void copyFrom(HostSpan values) {
        if (values.length() != elements()) {
            throw new IllegalArgumentException("copyFrom: expected " + elements() + " values for batch " + shape() + ", got " + values.length());
        }
        float[] a = values.array();
        if (a != null) {
            write(0, a, values.arrayOffset(), values.length());
            return;
        }
        int chunk = (int) Math.min(elements(), 1 << 20);
        float[] buf = new float[chunk];
        for (int off = 0; off < values.length(); off += chunk) {
            int len = Math.min(chunk, values.length() - off);
            values.read(off, buf, 0, len);
            write(off, buf, 0, len);
        }
    }

    /**
     * Sets every element to {@code value} (tests use NaN to poison outputs).
     *
     * @param value the value
     */
    public void fill(float value) {
        int chunk = (int) Math.min(elements(), 1 << 20);
        float[] buf = new float[chunk];
        java.util.Arrays.fill(buf, value);
        for (long off = 0; off < elements(); off += chunk) {
            int len = (int) Math.min(chunk, elements() - off);
            write(off, buf, 0, len);
        }
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= batch) {
            throw new IndexOutOfBoundsException("matrix index " + index + " outside batch of " + batch);
        }
    }

    @Override
    public void close() {
        Storage s = storage;
        storage = null;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public String toString() {
        return "MatrixBatch[" + shape() + " on " + context.kind().label() + (isClosed() ? ", closed" : "") + "]";
    }
}
