package org.ortho4j;

/**
 * The one worker-thread setting of the CPU paths, read in one place by every context and backend that has none
 * given explicitly.
 *
 * <p>The count is {@code -Dortho4j.threads=N} when that system property is set, otherwise the number of
 * available processors. It sizes the pure-Java backend's worker pool and, when the native CPU backend
 * ({@code ortho4j-cpu-native}) runs, also the native BLAS's threads: the native backend runs either N Java workers
 * over a batch with the BLAS single-threaded, or one matrix at a time with N BLAS threads, never both, so the
 * machine is not oversubscribed. An explicit count is given through {@link Context#create(BackendKind, int)} or
 * {@link Context#cpu(int)}.
 */
public final class Threads {
    /** The system property that sets the default count. */
    public static final String PROPERTY = "ortho4j.threads";

    private Threads() {
    }

    /**
     * The default worker count: {@code -Dortho4j.threads} when set, otherwise the available processors.
     *
     * @return the count, at least 1
     * @throws IllegalArgumentException when the property is set to something other than a positive integer
     */
    public static int defaultCount() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return Math.max(1, Runtime.getRuntime().availableProcessors());
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be a positive integer, got '" + v + "'", e);
        }
        return check(n);
    }

    /**
     * Checks an explicit worker count.
     *
     * @param threads the count
     * @return {@code threads}
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public static int check(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        return threads;
    }
}
