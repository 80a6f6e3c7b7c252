package org.ortho4j.cuda;

import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.SoftThresholdContract;

/** The SoftThreshold contract on the CUDA backend (needs a device: runs with mvn -Pgpu verify or .gpu/run.sh). */
class CudaSoftThresholdTest extends SoftThresholdContract {
    @Override
    protected Context newContext() {
        return Context.create(BackendKind.CUDA);
    }
}
