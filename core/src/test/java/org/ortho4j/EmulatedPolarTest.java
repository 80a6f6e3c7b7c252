package org.ortho4j;

import org.ortho4j.emu.EmulatedCuda;

/** {@link PolarContract} on the CUDA backend, every kernel run by the PTX interpreter. */
class EmulatedPolarTest extends PolarContract {
    @Override
    protected Context newContext() {
        return EmulatedCuda.context();
    }
}
