package org.ortho4j;

import org.ortho4j.cpunative.NativeContexts;

/** {@link NewtonSchulzContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged. */
class NativeNewtonSchulzTest extends NewtonSchulzContract {
    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }
}
