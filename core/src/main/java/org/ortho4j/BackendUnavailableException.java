package org.ortho4j;

/** The requested backend cannot run here (no device, no driver, a library that does not load); the message says why. */
public final class BackendUnavailableException extends Ortho4jException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what failed and why, in words
     */
    public BackendUnavailableException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what failed and why, in words
     * @param cause   the underlying failure
     */
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
