package org.ortho4j.cuda;

import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.LmoContract;

/** The Lmo contract on the CUDA backend (needs a device: runs with mvn -Pgpu verify or .gpu/run.sh). */
class CudaLmoTest extends LmoContract {
    @Override
    protected Context newContext() {
        return Context.create(BackendKind.CUDA);
    }
}
