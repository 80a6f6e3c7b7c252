package org.ortho4j;

/**
 * An input matrix holds a NaN or an infinity. Raised before anything is written to the outputs, so the outputs
 * hold what they held before the call.
 */
public final class NonFiniteInputException extends Ortho4jException {
    private static final long serialVersionUID = 1L;
    /** The operation that found the value. */
    private final String operation;
    /** The argument that holds it. */
    private final String argument;
    /** The lowest index in the batch of a matrix that holds one. */
    private final int batchIndex;

    /**
     * An exception naming where the non-finite value was found.
     *
     * @param operation  the operation, e.g. {@code newtonSchulz}
     * @param argument   the argument holding the value, e.g. {@code g}
     * @param batchIndex the lowest index in the batch of a matrix holding one
     */
    public NonFiniteInputException(String operation, String argument, int batchIndex) {
        super(operation + ": argument '" + argument + "' holds a non-finite value (NaN or infinity) in matrix "
                + batchIndex + " of the batch; nothing was written");
        this.operation = operation;
        this.argument = argument;
        this.batchIndex = batchIndex;
    }

    /**
     * The operation that found the value.
     *
     * @return its name, e.g. {@code newtonSchulz}
     */
    public String operation() {
        return operation;
    }

    /**
     * The argument that holds it.
     *
     * @return its name, e.g. {@code g}
     */
    public String argument() {
        return argument;
    }

    /**
     * Where in the batch the value is.
     *
     * @return the lowest index in the batch of a matrix that holds a non-finite value
     */
    public int batchIndex() {
        return batchIndex;
    }
}
