package org.ortho4j.optim;

import org.ortho4j.BackendKind;
import org.ortho4j.Context;

class CpuReferenceConformanceTest extends ReferenceConformanceContract {
    @Override
    protected Context newContext() {
        return Context.create(BackendKind.CPU);
    }
}
