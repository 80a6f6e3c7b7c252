package org.ortho4j;

import org.ortho4j.emu.EmulatedCuda;

/** {@link LmoContract} on the CUDA backend, every kernel run by the PTX interpreter. */
class EmulatedLmoTest extends LmoContract {
    @Override
    protected Context newContext() {
        return EmulatedCuda.context();
    }
}
