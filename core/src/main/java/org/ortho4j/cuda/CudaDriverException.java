package org.ortho4j.cuda;

/**
 * A driver call that did not succeed: the call, its {@code CUresult} status (the CUDA driver API's numbering, e.g.
 * {@link #OUT_OF_MEMORY}) and the status's name, or, from an emulated device, the checker's message.
 */
public final class CudaDriverException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code CUDA_ERROR_INVALID_VALUE}. */
    public static final int INVALID_VALUE = 1;
    /** {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public static final int OUT_OF_MEMORY = 2;
    /** {@code CUDA_ERROR_NO_DEVICE}. */
    public static final int NO_DEVICE = 100;
    /** {@code CUDA_ERROR_NOT_FOUND} (a kernel name missing from a module). */
    public static final int NOT_FOUND = 500;
    /** {@code CUDA_ERROR_ILLEGAL_ADDRESS}. */
    public static final int ILLEGAL_ADDRESS = 700;
    /** {@code CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES}. */
    public static final int LAUNCH_OUT_OF_RESOURCES = 701;
    /** {@code CUDA_ERROR_LAUNCH_FAILED}: an exception while the kernel ran (the emulator's checks report this). */
    public static final int LAUNCH_FAILED = 719;
    /** {@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION}. */
    public static final int UNSUPPORTED_PTX_VERSION = 222;

    /** The {@code CUresult} value. */
    private final int status;
    /** The driver call that failed. */
    private final String call;

    /**
     * A failed driver call.
     *
     * @param call   the driver call, e.g. {@code cuLaunchKernel}
     * @param status its {@code CUresult} value
     * @param detail what went wrong: the status name, or the emulator's report
     */
    public CudaDriverException(String call, int status, String detail) {
        super(call + ": " + detail);
        this.status = status;
        this.call = call;
    }

    /**
     * The same, keeping what caused it (an emulator check's exception).
     *
     * @param call   the driver call, e.g. {@code cuLaunchKernel}
     * @param status its {@code CUresult} value
     * @param detail what went wrong: the status name, or the emulator's report
     * @param cause  the underlying exception
     */
    public CudaDriverException(String call, int status, String detail, Throwable cause) {
        super(call + ": " + detail, cause);
        this.status = status;
        this.call = call;
    }

    /**
     * The {@code CUresult} value.
     *
     * @return the status, e.g. {@link #OUT_OF_MEMORY}
     */
    public int status() {
        return status;
    }

    /**
     * The driver call.
     *
     * @return its name, e.g. {@code cuLaunchKernel}
     */
    public String call() {
        return call;
    }

    /**
     * What went wrong, without the call's name.
     *
     * @return the status name, or the emulator's report
     */
    public String detail() {
        String m = getMessage();
        return m.substring(call.length() + 2);
    }
}
