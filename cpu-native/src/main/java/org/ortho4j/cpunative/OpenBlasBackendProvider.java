package org.ortho4j.cpunative;

import org.ortho4j.BackendKind;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.Threads;
import org.ortho4j.cpu.CpuBackend;
import org.ortho4j.spi.Backend;
import org.ortho4j.spi.BackendProvider;

/**
 * The native CPU backend's provider, registered in {@code META-INF/services/org.ortho4j.spi.BackendProvider}: a
 * {@link CpuBackend} whose Newton–Schulz, exact polar (above 128 per side) and spectral LMOs run on OpenBLAS and
 * LAPACK through JavaCPP's preset. {@link org.ortho4j.Context#create(BackendKind)} picks it for CPU and AUTO
 * (without CUDA) whenever the natives load, and falls back to the pure-Java backend with this provider's reason
 * otherwise.
 */
public final class OpenBlasBackendProvider implements BackendProvider {
    /** A provider; the natives load on first use of this class (once per process). */
    public OpenBlasBackendProvider() {
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CPU;
    }

    @Override
    public String unavailableReason() {
        String why = OpenBlas.unavailableReason();
        return why == null ? null : "OpenBLAS natives did not load (" + why + ")";
    }

    @Override
    public Backend create() {
        return create(Threads.defaultCount());
    }

    @Override
    public Backend create(int threads) {
        Threads.check(threads);
        String why = unavailableReason();
        if (why != null) {
            throw new BackendUnavailableException("native cpu backend unavailable: " + why);
        }
        return new CpuBackend(threads, new OpenBlasKernels(threads));
    }
}
