package org.ortho4j.optim;

import org.ortho4j.Context;
import org.ortho4j.cpunative.NativeContexts;

/** {@link DdcEquivarianceContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged. */
class NativeDdcEquivarianceTest extends DdcEquivarianceContract {
    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }
}
