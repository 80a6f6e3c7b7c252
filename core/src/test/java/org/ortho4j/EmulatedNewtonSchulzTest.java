package org.ortho4j;

import org.ortho4j.emu.EmulatedCuda;

/** {@link NewtonSchulzContract} on the CUDA backend, every kernel run by the PTX interpreter. */
class EmulatedNewtonSchulzTest extends NewtonSchulzContract {
    @Override
    protected Context newContext() {
        return EmulatedCuda.context();
    }
}
