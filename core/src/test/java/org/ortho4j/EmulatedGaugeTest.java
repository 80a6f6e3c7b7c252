package org.ortho4j;

import org.ortho4j.emu.EmulatedCuda;

/** {@link GaugeContract} on the CUDA backend, every kernel run by the PTX interpreter. */
class EmulatedGaugeTest extends GaugeContract {
    @Override
    protected Context newContext() {
        return EmulatedCuda.context();
    }
}
