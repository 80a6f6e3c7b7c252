package org.ortho4j;

/** {@link PolarContract} on the CPU backend. */
class CpuPolarTest extends PolarContract {
    @Override
    protected Context newContext() {
        return Context.create(BackendKind.CPU);
    }
}
