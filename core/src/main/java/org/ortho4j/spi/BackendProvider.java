package org.ortho4j.spi;

import org.ortho4j.BackendKind;

/**
 * Creates a {@link Backend}; found with {@link java.util.ServiceLoader}. The pure-Java CPU backend is built in and
 * needs no provider; the CUDA provider registers itself in {@code META-INF/services/org.ortho4j.spi.BackendProvider},
 * and so does a native CPU provider of a module beside the core (kind {@link BackendKind#CPU}, e.g.
 * {@code ortho4j-cpu-native}), which {@link org.ortho4j.Context#create(BackendKind)} prefers to the pure-Java
 * backend when it loads.
 */
public interface BackendProvider {
    /**
     * The kind of backend this provider creates.
     *
     * @return {@link BackendKind#CPU} or {@link BackendKind#CUDA}
     */
    BackendKind kind();

    /**
     * Whether {@link #create()} should succeed here.
     *
     * @return {@code null} when it should, otherwise why not (no driver, no device, …)
     */
    String unavailableReason();

    /**
     * A new backend.
     *
     * @return the backend
     * @throws org.ortho4j.BackendUnavailableException with the reason when it cannot be created
     */
    Backend create();

    /**
     * A new backend with {@code threads} worker threads, for providers whose backend runs on the host (a CPU
     * provider sizes its pool and its native library's threads with it). Providers of device backends ignore
     * the count.
     *
     * @param threads the worker count, at least 1 (see {@link org.ortho4j.Threads})
     * @return the backend
     * @throws org.ortho4j.BackendUnavailableException with the reason when it cannot be created
     */
    default Backend create(int threads) {
        return create();
    }
}
