package org.ortho4j;

/** The requested backend cannot run here (no device, no driver, a library that does not load); the message says why. */
public final class BackendUnavailableException extends Ortho4jException {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
