package org.ortho4j;

/** {@link GaugeContract} on the CPU backend. */
class CpuGaugeTest extends GaugeContract {
    @Override
    protected Context newContext() {
        return Context.create(BackendKind.CPU);
    }
}
