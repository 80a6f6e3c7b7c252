package org.ortho4j.testing;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The number of tries of the parser fuzz properties ({@code @AddLifecycleHook(FuzzTries.class)}): the system
 * property {@code ortho4j.fuzz.tries}, default {@value #DEFAULT} (a few seconds each in {@code mvn test});
 * {@code mvn -Pfuzz test} sets 100,000.
 */
public final class FuzzTries implements AroundPropertyHook {
    public static final int DEFAULT = 20_000;

    public static int tries() {
        return Integer.getInteger("ortho4j.fuzz.tries", DEFAULT);
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        context.attributes().setTries(tries());
        return property.execute();
    }
}
