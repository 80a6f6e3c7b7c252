package org.ortho4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * CPU-only check of the Java ↔ kernel interface: {@link KernelSignatures} against the committed PTX
 * ({@code .entry name(.param .u64 ..., .param .u32 ...)}), every kernel name the launchers mention against the
 * table, and the launch-time argument check itself.
 */
class KernelSignaturesTest {
    private static final String[] MODULES = {"baselines", "gauge", "lmo", "newton_schulz", "soft_threshold"};
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");

    /** {@code "module/kernel"} → PTX parameter types, e.g. {@code [u64, u64, u32]}. */
    static Map<String, List<String>> ptxEntries() {
        Map<String, List<String>> all = new TreeMap<>();
        for (String module : MODULES) {
            byte[] ptx = CudaRuntime.resource(module + ".ptx");
            assertNotNull(ptx, module + ".ptx is not on the class path");
            Matcher m = ENTRY.matcher(new String(ptx, StandardCharsets.US_ASCII));
            while (m.find()) {
                List<String> types = new ArrayList<>();
                Matcher p = PARAM.matcher(m.group(2));
                while (p.find()) {
                    types.add(p.group(1));
                }
                all.put(module + "/" + m.group(1), types);
            }
        }
        return all;
    }

    private static boolean compatible(char letter, String ptxType) {
        switch (letter) {
            case 'p':
            case 'l':
                return ptxType.equals("u64") || ptxType.equals("s64") || ptxType.equals("b64");
            case 'i':
                return ptxType.equals("u32") || ptxType.equals("s32") || ptxType.equals("b32");
            case 'f':
                return ptxType.equals("f32");
            case 'd':
                return ptxType.equals("f64");
            default:
                return false;
        }
    }

    @Test
    void tableMatchesEveryPtxEntry() {
        Map<String, List<String>> ptx = ptxEntries();
        assertTrue(ptx.size() >= 30, "parsed only " + ptx.size() + " PTX entries: " + ptx.keySet());
        assertEquals(ptx.keySet(), KernelSignatures.TABLE.keySet(), "kernels in the PTX vs KernelSignatures.TABLE");
        for (Map.Entry<String, String> e : KernelSignatures.TABLE.entrySet()) {
            List<String> types = ptx.get(e.getKey());
            String sig = e.getValue();
            assertEquals(types.size(), sig.length(), e.getKey() + ": parameter count, PTX " + types + " vs table " + sig);
            for (int i = 0; i < sig.length(); i++) {
                assertTrue(compatible(sig.charAt(i), types.get(i)),
                        e.getKey() + " parameter " + i + ": table '" + sig.charAt(i) + "' vs PTX ." + types.get(i));
            }
        }
    }

    @Test
    void everyKernelNameInTheLaunchersIsInTheTable() throws IOException {
        Path dir = Path.of("src/main/java/org/ortho4j/cuda");
        assertTrue(Files.isDirectory(dir), "run from the project root: " + dir.toAbsolutePath());
        Pattern literal = Pattern.compile("\"((?:ns|st|lmo|gauge|bl)_[a-z0-9_]*)\"");
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Matcher m = literal.matcher(Files.readString(f));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertTrue(names.size() >= 25, "found only " + names);
        List<String> kernels = KernelSignatures.TABLE.keySet().stream().map(k -> k.substring(k.indexOf('/') + 1)).toList();
        for (String n : names) {
            // "ns_small_" + suffix and "ns_gemm_" + suffix + "_nt" are prefixes/suffixes of real names
            assertTrue(kernels.stream().anyMatch(k -> k.equals(n) || k.startsWith(n) || k.endsWith(n)),
                    "kernel name literal \"" + n + "\" matches no kernel in the PTX");
        }
        for (String p : new String[]{"fp32", "tf32", "bf16"}) {
            assertTrue(KernelSignatures.TABLE.containsKey("newton_schulz/ns_small_" + p));
            assertTrue(KernelSignatures.TABLE.containsKey("newton_schulz/ns_gemm_" + p + "_nt"));
            assertTrue(KernelSignatures.TABLE.containsKey("newton_schulz/ns_gemm_" + p + "_nn"));
        }
    }

    @Test
    void launchArgumentsAreCheckedAgainstTheTable() {
        DevicePointer p = new DevicePointer(0x7f0000001000L);
        KernelSignatures.check("newton_schulz", "ns_norm_partial", p, 5L, 3, p, p);
        KernelSignatures.check("lmo", "lmo_factors", null, 7L, 1.0, 2.0);
        // int where the kernel reads long long
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KernelSignatures.check("newton_schulz", "ns_norm_partial", p, 5, 3, p, p));
        assertTrue(e.getMessage().contains("plipp") && e.getMessage().contains("piipp"), e.getMessage());
        // double where the kernel reads float, missing argument, unknown kernel
        assertThrows(IllegalStateException.class, () -> KernelSignatures.check("lmo", "lmo_scale", p, 4L, 2.0));
        assertThrows(IllegalStateException.class, () -> KernelSignatures.check("lmo", "lmo_scale", p, 4L));
        assertThrows(IllegalStateException.class, () -> KernelSignatures.check("lmo", "lmo_nope", p));
        assertFalse(KernelSignatures.TABLE.isEmpty());
        // a derived pointer and the device null pointer are pointers too
        KernelSignatures.check("newton_schulz", "ns_norm_partial", p.plus(64), 5L, 3, DevicePointer.NULL, null);
    }
}
