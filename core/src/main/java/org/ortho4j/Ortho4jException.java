package org.ortho4j;

/**
 * Base class of the errors ortho4j reports about the device or the data (as opposed to programming errors such
 * as a wrong shape, which are {@link IllegalArgumentException}s). After any of them the {@link Context} that
 * raised it stays usable.
 */
public class Ortho4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what failed and why, in words
     */
    public Ortho4jException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what failed and why, in words
     * @param cause   the underlying failure
     */
    public Ortho4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
