package org.ortho4j.cpunative;

import java.util.concurrent.locks.ReentrantLock;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;

/**
 * Loading of JavaCPP's OpenBLAS preset and the process-wide control of OpenBLAS's threads.
 *
 * <p>OpenBLAS's thread count is global to the process. Every call of this module that runs BLAS or LAPACK holds
 * {@link #LOCK} and sets the count it needs first (1 while Java workers split a batch, the backend's thread count
 * while one matrix at a time runs), so two contexts never run BLAS threads on top of each other's workers.
 */
final class OpenBlas {
    /** Held around every native dense call sequence of this module. */
    static final ReentrantLock LOCK = new ReentrantLock();

    private static final String LOAD_FAILURE = load();
    private static int threads = -1;

    private OpenBlas() {
    }

    private static String load() {
        try {
            Loader.load(openblas_full.class); // BLAS, LAPACKE and OpenBLAS's own calls
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, an unsupported platform
            String m = t.getMessage();
            return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
        }
    }

    /**
     * Why the natives cannot run here.
     *
     * @return null when they loaded
     */
    static String unavailableReason() {
        return LOAD_FAILURE;
    }

    /** {@code OpenBLAS 0.3.31 (Zen)}: the library's configuration line and the core it dispatched to. */
    static String describe() {
        String config = openblas_full.openblas_get_config().getString().trim();
        String core = openblas_full.openblas_get_corename().getString().trim();
        String[] words = config.split("\\s+");
        String version = words.length >= 2 ? words[0] + " " + words[1] : config;
        return version + " (" + core + ", " + (openblas_full.openblas_get_parallel() == 2 ? "OpenMP" : "pthreads") + ")";
    }

    /** Sets OpenBLAS's thread count when it differs from the last one set; call with {@link #LOCK} held. */
    static void threads(int n) {
        if (threads != n) {
            openblas_full.openblas_set_num_threads(n);
            threads = n;
        }
    }
}
