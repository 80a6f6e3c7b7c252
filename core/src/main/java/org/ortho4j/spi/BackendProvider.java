package org.ortho4j.spi;

import org.ortho4j.BackendKind;

/**
 * Creates a {@link Backend}; found with {@link java.util.ServiceLoader}. The CPU provider is built in; the CUDA
 * provider registers itself in {@code META-INF/services/org.ortho4j.spi.BackendProvider}.
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
}
