package org.ortho4j.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.ortho4j.io.Npy.NpyException;

/**
 * The files one command writes, all or none. {@link #prepare} checks every output before any work — its directory
 * exists, it is not a directory or a device, it is not the same file as an input or as another output — and
 * reserves a temporary file beside each (which proves the directory writable). {@link #write} fills a temporary;
 * {@link #commit} flushes every temporary to the disk and then moves them over their targets; if a move fails, the
 * targets already replaced are restored. On any failure before or during the commit, and when the set is closed
 * without a commit, the temporaries are deleted and no output path has changed.
 *
 * <p>Messages are one line, name the file and say why in words ({@link IoErrors}).
 */
public final class AtomicOutputs implements AutoCloseable {
    /** What writes one output's bytes. */
    public interface Content {
        /**
         * Writes the bytes.
         *
         * @param out where they go (closed by the caller)
         * @throws IOException when writing fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private static volatile long simulatedCapacity = -1;

    private final String command;
    private final List<Path> targets;
    private final List<Path> temps;
    private final boolean[] written;
    private boolean committed;
    private boolean closed;

    private AtomicOutputs(String command, List<Path> targets, List<Path> temps) {
        this.command = command;
        this.targets = targets;
        this.temps = temps;
        this.written = new boolean[targets.size()];
    }

    /**
     * Checks {@code outputs} against {@code inputs} and each other and reserves their temporaries.
     *
     * @param command for messages, e.g. {@code soft-threshold}
     * @param inputs  the command's input files, which no output may be
     * @param outputs the files the command will write, distinct
     * @return the prepared set (close it; without {@link #commit} nothing changes)
     * @throws NpyException with a one-line message naming the file and why, before anything is written
     */
    public static AtomicOutputs prepare(String command, List<Path> inputs, List<Path> outputs) throws NpyException {
        Objects.requireNonNull(inputs, "inputs");
        for (int i = 0; i < outputs.size(); i++) {
            Path o = outputs.get(i);
            Path abs = o.toAbsolutePath().normalize();
            Path parent = abs.getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new NpyException(command + ": cannot write " + o + ": directory " + parent + " does not exist");
            }
            if (Files.isDirectory(o)) {
                throw new NpyException(command + ": cannot write " + o + ": it is a directory");
            }
            if (Files.exists(o) && !Files.isRegularFile(o)) {
                throw new NpyException(command + ": cannot write " + o + ": it exists and is not a regular file (a device, pipe or socket)");
            }
            for (Path in : inputs) {
                if (same(in, o)) {
                    throw new NpyException(command + ": the output " + o + " is the input " + in
                            + "; write the result to another file (a failed write would lose the input)");
                }
            }
            for (int j = 0; j < i; j++) {
                if (same(outputs.get(j), o)) {
                    throw new NpyException(command + ": the outputs must differ: " + outputs.get(j) + " and " + o + " are the same file");
                }
            }
        }
        List<Path> temps = new ArrayList<>();
        try {
            for (Path o : outputs) {
                Path abs = o.toAbsolutePath().normalize();
                try {
                    temps.add(Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".part"));
                } catch (IOException e) {
                    throw new NpyException(command + ": cannot write " + o + ": " + IoErrors.describe(e), e);
                } catch (UnsupportedOperationException | SecurityException e) {
                    throw new NpyException(command + ": cannot write " + o + ": " + e.getMessage(), null);
                }
            }
        } catch (NpyException e) {
            deleteQuietly(temps);
            throw e;
        }
        return new AtomicOutputs(command, List.copyOf(outputs), temps);
    }

    /** True when {@code a} and {@code b} name the same file (same path, or the same existing file by another path). */
    static boolean same(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Writes output {@code target} (one of the prepared outputs) into its temporary.
     *
     * @param target  a prepared output
     * @param content what writes its bytes
     * @throws NpyException with a one-line message naming the file and why, when writing fails
     */
    public void write(Path target, Content content) throws NpyException {
        int i = targets.indexOf(target);
        if (i < 0 || committed || closed) {
            throw new IllegalStateException(command + ": " + target + " is not a pending output");
        }
        try (OutputStream out = limited(Files.newOutputStream(temps.get(i), StandardOpenOption.TRUNCATE_EXISTING))) {
            content.writeTo(out);
        } catch (IOException e) {
            throw new NpyException(command + ": cannot write " + target + ": " + IoErrors.describe(e), e);
        }
        written[i] = true;
    }

    /**
     * Flushes every temporary to the disk and moves each over its target. Every output must have been written. On
     * failure the targets replaced so far are restored and the exception names the file.
     *
     * @throws NpyException with a one-line message naming the file and why, when flushing or moving fails
     */
    public void commit() throws NpyException {
        for (int i = 0; i < targets.size(); i++) {
            if (!written[i]) {
                throw new IllegalStateException(command + ": " + targets.get(i) + " was never written");
            }
        }
        for (int i = 0; i < targets.size(); i++) {
            try (FileChannel ch = FileChannel.open(temps.get(i), StandardOpenOption.WRITE)) {
                ch.force(true);
            } catch (IOException e) {
                throw new NpyException(command + ": cannot write " + targets.get(i) + ": " + IoErrors.describe(e), e);
            }
        }
        List<Path> backups = new ArrayList<>();
        int moved = 0;
        try {
            for (; moved < targets.size(); moved++) {
                Path t = targets.get(moved);
                Path backup = null;
                if (Files.exists(t, LinkOption.NOFOLLOW_LINKS)) {
                    backup = Files.createTempFile(t.toAbsolutePath().normalize().getParent(), "." + t.getFileName() + ".", ".old");
                    move(t, backup);
                }
                backups.add(backup);
                move(temps.get(moved), t);
            }
        } catch (IOException e) {
            // restore: the targets already replaced get their old files back (or disappear if they were new)
            for (int k = backups.size() - 1; k >= 0; k--) {
                Path t = targets.get(k);
                Path backup = backups.get(k);
                try {
                    if (k < moved) {
                        Files.deleteIfExists(t);
                    }
                    if (backup != null) {
                        move(backup, t);
                    }
                } catch (IOException ignored) {
                    // best effort: the backup file stays beside the target
                }
            }
            throw new NpyException(command + ": cannot write " + targets.get(Math.min(moved, targets.size() - 1)) + ": "
                    + IoErrors.describe(e) + "; no output was changed", e);
        }
        committed = true;
        for (Path b : backups) {
            if (b != null) {
                try {
                    Files.deleteIfExists(b);
                } catch (IOException ignored) {
                    // a leftover backup beside a committed output is harmless
                }
            }
        }
        syncDirectories();
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the renames durable where the platform allows opening a directory (Linux); ignored elsewhere. */
    private void syncDirectories() {
        for (Path t : targets) {
            try (FileChannel dir = FileChannel.open(t.toAbsolutePath().normalize().getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException | RuntimeException ignored) {
                // not supported here: the data itself was forced before the rename
            }
        }
    }

    /** Deletes the temporaries unless committed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!committed) {
            deleteQuietly(temps);
        }
    }

    private static void deleteQuietly(List<Path> paths) {
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary that cannot be deleted is left as a dot-file; the target was not touched
            }
        }
    }

    // ------------------------------------------------------------------ a full disk, for the tests

    /**
     * Tests only: from now on every temporary accepts at most {@code bytes} bytes, then fails as a full disk does
     * ("No space left on device"); a negative value turns this off.
     */
    static void simulateDiskCapacity(long bytes) {
        simulatedCapacity = bytes;
    }

    private static OutputStream limited(OutputStream out) {
        long cap = simulatedCapacity;
        if (cap < 0) {
            return out;
        }
        return new FilterOutputStream(out) {
            private long left = cap;

            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > left) {
                    out.write(b, off, (int) left);
                    left = 0;
                    throw new IOException("No space left on device");
                }
                out.write(b, off, len);
                left -= len;
            }
        };
    }
}
