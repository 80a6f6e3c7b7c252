package org.ortho4j.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every shipped PTX module decodes completely: each kernel of the five modules, and each opcode variant they use,
 * is one the interpreter implements — a kernel change that adds an instruction the interpreter lacks fails here,
 * naming it, until the interpreter grows it (kernels/NOTES.md, "PTX interpreter").
 */
class ShippedPtxTest {
    static final String[] MODULES = {"baselines", "gauge", "lmo", "newton_schulz", "soft_threshold"};
    private static final Pattern OPCODE = Pattern.compile("^\\s*(?:@!?%\\w+\\s+)?([a-z][a-z0-9_.:]*)", Pattern.MULTILINE);

    @Test
    void everyShippedKernelDecodesWithoutGaps() {
        EmulatedDevice d = new EmulatedDevice(1 << 20);
        int kernels = 0;
        List<String> gaps = new ArrayList<>();
        for (String m : MODULES) {
            EmulatedDevice.Module mod = d.load(m + ".ptx", KernelMutantsTest.shipped(m));
            kernels += mod.kernelNames().size();
            gaps.addAll(mod.unsupported());
        }
        assertEquals(List.of(), gaps, "instructions the interpreter does not implement");
        assertEquals(39, kernels, "kernels in the shipped modules");
    }

    /** The opcode variants of the shipped PTX (text after comments are stripped), for the record and as a sanity check. */
    @Test
    void opcodeVariantsOfTheShippedPtx() {
        Set<String> variants = new TreeSet<>();
        for (String m : MODULES) {
            String text = PtxSource.stripComments(KernelMutantsTest.shipped(m)).replace('{', '\n').replace('}', '\n');
            Matcher x = OPCODE.matcher(text);
            while (x.find()) {
                String op = x.group(1);
                if (!op.startsWith(".") && op.indexOf('.') > 0 || op.equals("ret") || op.equals("bra")) {
                    variants.add(op.replaceAll("_param_\\d+$", ""));
                }
            }
        }
        Set<String> bases = new TreeSet<>();
        for (String v : variants) {
            bases.add(v.split("\\.")[0]);
        }
        System.out.println("shipped PTX: " + variants.size() + " opcode variants over " + bases.size() + " base opcodes: " + bases);
        assertTrue(variants.contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"), variants.toString());
        assertTrue(variants.contains("cvt.rn.bf16.f32"), variants.toString());
        assertTrue(bases.size() >= 30, bases.toString());
    }

    /** The scan can fail: an instruction the interpreter lacks is named with its kernel and line. */
    @Test
    void anUnimplementedInstructionIsNamed() {
        String ptx = KernelMutantsTest.shipped("baselines");
        int at = ptx.indexOf("ret;");
        String withAsync = ptx.substring(0, at) + "cp.async.ca.shared.global [%r1], [%rd1], 4;\n\t" + ptx.substring(at);
        EmulatedDevice.Module mod = new EmulatedDevice(1 << 20).load("baselines.ptx", withAsync);
        assertEquals(1, mod.unsupported().size(), mod.unsupported().toString());
        String gap = mod.unsupported().get(0);
        assertTrue(gap.contains("bl_f32_to_bf16") && gap.contains("cp.async") && gap.contains("opcode cp is not emulated"), gap);
    }
}
