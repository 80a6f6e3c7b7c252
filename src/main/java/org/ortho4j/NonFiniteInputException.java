package org.ortho4j;

/**
 * An input matrix holds a NaN or an infinity. Raised before anything is written to the outputs, so the outputs
 * hold what they held before the call.
 */
public final class NonFiniteInputException extends Ortho4jException {
    private static final long serialVersionUID = 1L;
    private final String operation;
    private final String argument;
    private final int batchIndex;

    public NonFiniteInputException(String operation, String argument, int batchIndex) {
        super(operation + ": argument '" + argument + "' holds a non-finite value (NaN or infinity) in matrix "
                + batchIndex + " of the batch; nothing was written");
        this.operation = operation;
        this.argument = argument;
        this.batchIndex = batchIndex;
    }

    /** The operation that found the value, e.g. {@code newtonSchulz}. */
    public String operation() {
        return operation;
    }

    /** The argument that holds it, e.g. {@code g}. */
    public String argument() {
        return argument;
    }

    /** The lowest index in the batch of a matrix that holds a non-finite value. */
    public int batchIndex() {
        return batchIndex;
    }
}
