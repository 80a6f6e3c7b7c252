package org.ortho4j;

import org.ortho4j.cpunative.NativeContexts;

/** {@link PolarContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged. */
class NativePolarTest extends PolarContract {
    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }
}
