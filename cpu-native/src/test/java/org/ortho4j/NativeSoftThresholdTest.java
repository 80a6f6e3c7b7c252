package org.ortho4j;

import org.ortho4j.cpunative.NativeContexts;

/** {@link SoftThresholdContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged. */
class NativeSoftThresholdTest extends SoftThresholdContract {
    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }
}
