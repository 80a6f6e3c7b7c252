package org.ortho4j.cuda;

import java.util.Map;
import java.util.TreeMap;

/**
 * The C parameter list of every {@code extern "C"} kernel in {@code kernels/*.cu}, one letter per parameter:
 * {@code p} pointer (PTX {@code .u64}), {@code l} {@code long long} ({@code .u64}), {@code i} {@code int}
 * ({@code .u32}), {@code f} {@code float} ({@code .f32}), {@code d} {@code double} ({@code .f64}).
 *
 * <p>Every launch checks its Java arguments against this table before {@code cuLaunchKernel} (a wrong count or an
 * {@code int} where the kernel reads {@code long long} silently corrupts memory otherwise), and
 * {@code KernelSignaturesTest} checks the table against the committed PTX on the CPU.
 */
final class KernelSignatures {
    /** {@code "module/kernel"} → parameter letters. */
    static final Map<String, String> TABLE = new TreeMap<>();

    static {
        put("baselines", "bl_f32_to_bf16", "ppl");
        put("gauge", "gauge_check_finite", "plippi");
        put("gauge", "gauge_rope", "ppppppiiiiiip");
        put("gauge", "gauge_gram", "ppppiiiiiiipp");
        put("gauge", "gauge_solve", "pppplip");
        put("gauge", "gauge_apply_rows", "ppppiipppiiiiip");
        put("gauge", "gauge_apply_cols", "ppppiiiiip");
        put("gauge", "gauge_scale_rows", "pplip");
        put("gauge", "gauge_scale_cols", "ppiiiip");
        put("gauge", "gauge_scale_apply", "ppppppiiillpp");
        put("gauge", "gauge_col_sum", "ppiiiipp");
        put("gauge", "gauge_logit_apply", "pppiilp");
        put("lmo", "lmo_check_finite", "plipp");
        put("lmo", "lmo_polar_jacobi", "ppiiifp");
        put("lmo", "lmo_to_double", "ppl");
        put("lmo", "lmo_polar_from_svd", "pppiiifp");
        put("lmo", "lmo_col_sumsq", "ppiiiipp");
        put("lmo", "lmo_row_sumsq", "ppliipp");
        put("lmo", "lmo_mat_sumsq", "pplipp");
        put("lmo", "lmo_factors", "pldd");
        put("lmo", "lmo_apply_factor", "pppiilip");
        put("lmo", "lmo_sign", "pplfp");
        put("lmo", "lmo_scale", "plf");
        put("newton_schulz", "ns_norm_partial", "plipp");
        put("newton_schulz", "ns_norm_finalize", "piiddp");
        put("newton_schulz", "ns_scale", "pppiiii");
        for (String p : new String[]{"fp32", "tf32", "bf16"}) {
            put("newton_schulz", "ns_small_" + p, "ppppiii");
            put("newton_schulz", "ns_gemm_" + p + "_nt", "ppppiiiiiillllffi");
            put("newton_schulz", "ns_gemm_" + p + "_nn", "ppppiiiiiillllffi");
        }
        put("soft_threshold", "st_init", "ppill");
        put("soft_threshold", "st_hist", "ppfiliipppp");
        put("soft_threshold", "st_select", "iippdp");
        put("soft_threshold", "st_write", "ppfilipppp");
    }

    private KernelSignatures() {
    }

    private static void put(String module, String kernel, String sig) {
        TABLE.put(module + "/" + kernel, sig);
    }

    /** The letter of one kernel argument: DevicePointer or null → p, Integer → i, Long → l, Float → f, Double → d. */
    static char letter(Object a) {
        if (a == null || a instanceof DevicePointer) {
            return 'p';
        } else if (a instanceof Integer) {
            return 'i';
        } else if (a instanceof Long) {
            return 'l';
        } else if (a instanceof Float) {
            return 'f';
        } else if (a instanceof Double) {
            return 'd';
        }
        throw new IllegalArgumentException("unsupported kernel parameter type " + a.getClass());
    }

    /** Throws {@link IllegalStateException} unless {@code args} match the kernel's C parameter list exactly. */
    static void check(String module, String kernel, Object... args) {
        String sig = TABLE.get(module + "/" + kernel);
        if (sig == null) {
            throw new IllegalStateException("cuda: no signature for kernel " + module + "/" + kernel + " in KernelSignatures");
        }
        StringBuilder got = new StringBuilder(args.length);
        for (Object a : args) {
            got.append(letter(a));
        }
        if (!sig.contentEquals(got)) {
            throw new IllegalStateException("cuda: kernel " + module + "/" + kernel + " takes (" + sig + ") but the launcher passes ("
                    + got + ") [p pointer, i int, l long long, f float, d double]");
        }
    }
}
