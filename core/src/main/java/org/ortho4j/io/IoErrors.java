package org.ortho4j.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.Locale;

/**
 * What went wrong with a file, in words for a one-line error message: "no such file or directory", "permission
 * denied", "no space left on device", … — never a Java class name.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /**
     * The reason of {@code e} in words, lower case, without the file name.
     *
     * @param e the exception
     * @return e.g. {@code no such file or directory}
     */
    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "a part of the path is not a directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "the file already exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "the directory is not empty";
        }
        if (e instanceof FileSystemLoopException) {
            return "too many levels of symbolic links";
        }
        String reason = e instanceof FileSystemException ? ((FileSystemException) e).getReason() : e.getMessage();
        if (reason == null || reason.isBlank()) {
            return "input/output error";
        }
        reason = reason.replaceAll("\\s+", " ").strip();
        return reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
    }

    /**
     * {@link #describe(IOException)} for the unchecked file-system exceptions ({@code ReadOnlyFileSystemException}, …).
     *
     * @param e the exception
     * @return the reason in words
     */
    public static String describe(RuntimeException e) {
        if (e instanceof ReadOnlyFileSystemException) {
            return "read-only file system";
        }
        String m = e.getMessage();
        return m == null ? "input/output error" : m.replaceAll("\\s+", " ").strip();
    }
}
