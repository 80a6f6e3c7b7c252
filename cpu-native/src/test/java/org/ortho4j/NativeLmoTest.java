package org.ortho4j;

import org.ortho4j.cpunative.NativeContexts;

/** {@link LmoContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged. */
class NativeLmoTest extends LmoContract {
    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }
}
