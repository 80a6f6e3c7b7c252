package org.ortho4j;

import org.ortho4j.emu.EmulatedCuda;

/** {@link SoftThresholdContract} on the CUDA backend, every kernel run by the PTX interpreter. */
class EmulatedSoftThresholdTest extends SoftThresholdContract {
    @Override
    protected Context newContext() {
        return EmulatedCuda.context();
    }
}
