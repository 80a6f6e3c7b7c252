/**
 * The native CPU backend (module {@code ortho4j-cpu-native}): OpenBLAS and LAPACK, through JavaCPP's preset, under
 * the core's CPU backend. Nothing here is public API but the provider, which {@link java.util.ServiceLoader} finds.
 */
package org.ortho4j.cpunative;
