package org.ortho4j.emu;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies a unified diff ({@code diff -u}) to a text, strictly: every context and removed line must match the text
 * at the hunk's position, else it fails naming the hunk — so a mutant diff made against an older PTX is refused
 * instead of producing some other program.
 */
final class UnifiedDiff {
    private static final Pattern HUNK = Pattern.compile("@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@.*");

    private UnifiedDiff() {
    }

    static String apply(String text, String diff, String what) {
        List<String> in = lines(text);
        List<String> out = new ArrayList<>(in.size());
        int next = 0;                                                // next input line (0-based) not yet copied
        String[] d = diff.split("\n", -1);
        int i = 0;
        while (i < d.length && !d[i].startsWith("@@")) {
            i++;                                                     // headers (---, +++)
        }
        while (i < d.length) {
            if (d[i].isEmpty() && i == d.length - 1) {
                break;
            }
            Matcher m = HUNK.matcher(d[i]);
            if (!m.matches()) {
                throw new IllegalStateException(what + ": not a hunk header: " + d[i]);
            }
            int start = Integer.parseInt(m.group(1)) - (m.group(2) != null && m.group(2).equals("0") ? 0 : 1);
            if (start < next || start > in.size()) {
                throw new IllegalStateException(what + ": hunk " + d[i] + " out of order or past the end");
            }
            out.addAll(in.subList(next, start));
            next = start;
            i++;
            while (i < d.length && !d[i].startsWith("@@")) {
                String l = d[i];
                if (l.startsWith("\\")) {                            // "\ No newline at end of file"
                    i++;
                    continue;
                }
                if (l.isEmpty() && i == d.length - 1) {
                    break;
                }
                char c = l.isEmpty() ? ' ' : l.charAt(0);
                String body = l.isEmpty() ? "" : l.substring(1);
                if (c == '+') {
                    out.add(body);
                } else if (c == ' ' || c == '-') {
                    if (next >= in.size() || !in.get(next).equals(body)) {
                        throw new IllegalStateException(what + ": line " + (next + 1) + " is '" + (next < in.size() ? in.get(next) : "<end>")
                                + "' but the diff expects '" + body + "': the kernels changed since the diff was made"
                                + " (run kernels/mutants/build.sh)");
                    }
                    if (c == ' ') {
                        out.add(body);
                    }
                    next++;
                } else {
                    throw new IllegalStateException(what + ": bad diff line: " + l);
                }
                i++;
            }
        }
        out.addAll(in.subList(next, in.size()));
        return String.join("\n", out) + (text.endsWith("\n") ? "\n" : "");
    }

    private static List<String> lines(String text) {
        List<String> l = new ArrayList<>(List.of(text.split("\n", -1)));
        if (text.endsWith("\n")) {
            l.remove(l.size() - 1);
        }
        return l;
    }
}
