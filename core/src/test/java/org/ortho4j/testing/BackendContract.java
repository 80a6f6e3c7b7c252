package org.ortho4j.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.ortho4j.Context;

/**
 * Base of every contract test battery: each test gets a fresh {@link Context} of the backend under test from
 * {@link #newContext()} (the CPU subclasses in {@code src/test}, the CUDA ones in {@code tests-gpu}) and closes it.
 */
public abstract class BackendContract {
    /** A fresh context of the backend under test. */
    protected abstract Context newContext();

    protected Context ctx;

    @BeforeEach
    void openContext() {
        ctx = newContext();
    }

    @AfterEach
    void closeContext() {
        ctx.close();
    }
}
