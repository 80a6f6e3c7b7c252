package org.ortho4j.spi;

/**
 * Backend-owned memory holding the float32 elements of a {@link org.ortho4j.MatrixBatch}. Service-provider
 * interface: users never see it.
 */
public interface Storage extends AutoCloseable {
    /**
     * Number of float32 elements.
     *
     * @return the size of this memory in elements
     */
    long elements();

    /** Releases the memory; idempotent. */
    @Override
    void close();
}
