package org.ortho4j.spi;

import org.ortho4j.BackendKind;

/**
 * Creates a {@link Backend}; found with {@link java.util.ServiceLoader}. The CPU provider is built in; the CUDA
 * provider registers itself in {@code META-INF/services/org.ortho4j.spi.BackendProvider}.
 */
public interface BackendProvider {
    BackendKind kind();

    /** {@code null} when {@link #create()} should succeed here, otherwise why not (no driver, no device, …). */
    String unavailableReason();

    /** A new backend; throws {@link org.ortho4j.BackendUnavailableException} with the reason when it cannot. */
    Backend create();
}
