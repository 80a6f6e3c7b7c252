package org.ortho4j.optim;

import org.ortho4j.Context;
import org.ortho4j.cpunative.NativeContexts;

/** {@link OptimizerContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged. */
class NativeOptimizerTest extends OptimizerContract {
    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }
}
