package org.ortho4j;

/** {@link LmoContract} on the CPU backend. */
class CpuLmoTest extends LmoContract {
    @Override
    protected Context newContext() {
        return Context.create(BackendKind.CPU);
    }
}
