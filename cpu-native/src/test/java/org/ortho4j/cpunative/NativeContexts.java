package org.ortho4j.cpunative;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ortho4j.BackendKind;
import org.ortho4j.Context;

/** The context every test of this module runs on: {@code Context.create(CPU)}, which must pick the native path. */
public final class NativeContexts {
    private NativeContexts() {
    }

    /**
     * A CPU context that must be the native one (fails, with the selection reason, when the natives did not load).
     *
     * @return the context
     */
    public static Context create() {
        Context ctx = Context.create(BackendKind.CPU);
        assertTrue(ctx.description().contains("OpenBLAS"), ctx.description() + " / " + ctx.selectionReason());
        return ctx;
    }
}
