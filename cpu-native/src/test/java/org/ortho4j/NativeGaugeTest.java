package org.ortho4j;

import org.ortho4j.cpunative.NativeContexts;

/** {@link GaugeContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged. */
class NativeGaugeTest extends GaugeContract {
    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }
}
