package org.ortho4j;

/** {@link SoftThresholdContract} on the CPU backend. */
class CpuSoftThresholdTest extends SoftThresholdContract {
    @Override
    protected Context newContext() {
        return Context.create(BackendKind.CPU);
    }
}
