package org.ortho4j.emu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PTX module split into what the decoder needs (PTX ISA "Syntax", "Directives"): the {@code .version} and
 * {@code .target}, module-scope shared-memory declarations ({@code .shared}, {@code .extern .shared}), and per
 * {@code .entry} its parameters, performance directives ({@code .maxntid}, {@code .reqntid}) and the body as a list
 * of statements — instructions, labels, declarations and the braces of nested scopes — each with its line number.
 * Comments are removed first. Device functions ({@code .func}) are recorded so that a kernel can be refused
 * cleanly; the shipped kernels make no calls.
 */
final class PtxSource {
    /** A shared-memory variable: name, alignment, size in bytes ({@code -1} for an {@code .extern} array). */
    static final class SharedDecl {
        final String name;
        final int align;
        final long size;
        final int line;

        SharedDecl(String name, int align, long size, int line) {
            this.name = name;
            this.align = align;
            this.size = size;
            this.line = line;
        }

        boolean dynamic() {
            return size < 0;
        }
    }

    /** One kernel parameter: name and type. */
    static final class Param {
        final String name;
        final PType type;
        final int align;
        final int size;

        Param(String name, PType type, int align, int size) {
            this.name = name;
            this.type = type;
            this.align = align;
            this.size = size;
        }
    }

    enum StmtKind { INSTRUCTION, LABEL, OPEN, CLOSE, DIRECTIVE }

    /** A statement of a body: text without the terminating {@code ;}. */
    static final class Stmt {
        final StmtKind kind;
        final String text;
        final int line;

        Stmt(StmtKind kind, String text, int line) {
            this.kind = kind;
            this.text = text;
            this.line = line;
        }

        @Override
        public String toString() {
            return line + ": " + text;
        }
    }

    static final class Entry {
        final String name;
        final int line;
        final List<Param> params = new ArrayList<>();
        final List<Stmt> body = new ArrayList<>();
        /** {@code .maxntid} (x, y, z) or null. */
        int[] maxntid;
        /** {@code .reqntid} (x, y, z) or null. */
        int[] reqntid;

        Entry(String name, int line) {
            this.name = name;
            this.line = line;
        }
    }

    final String file;
    final String version;
    final String target;
    final Map<String, SharedDecl> moduleShared = new LinkedHashMap<>();
    final Map<String, Entry> entries = new LinkedHashMap<>();
    final List<String> functions = new ArrayList<>();

    private final String text;
    private final int[] lineStart;
    private int pos;

    private PtxSource(String file, String raw) {
        this.file = file;
        this.text = stripComments(raw);
        this.lineStart = lineStarts(text);
        String v = null;
        String t = null;
        while (true) {
            skipSpace();
            if (pos >= text.length()) {
                break;
            }
            int start = pos;
            String word = word();
            switch (word) {
                case ".version":
                    v = restOfLine().trim();
                    break;
                case ".target":
                    t = restOfLine().trim();
                    break;
                case ".address_size": {
                    String bits = restOfLine().trim();
                    if (!bits.equals("64")) {
                        throw unsupported(start, ".address_size " + bits + " (only 64-bit addressing is emulated)");
                    }
                    break;
                }
                case ".extern":
                case ".shared": {
                    String decl = untilSemicolon(start);
                    SharedDecl d = sharedDecl(decl, line(start));
                    if (d == null) {
                        throw unsupported(start, "module-scope declaration '" + decl + "' (only .shared is emulated)");
                    }
                    moduleShared.put(d.name, d);
                    break;
                }
                case ".visible":
                case ".weak":
                case ".entry":
                case ".func":
                    pos = start;
                    function();
                    break;
                case ".global":
                case ".const":
                case ".local":
                    throw unsupported(start, "module-scope " + word + " variable (not emulated)");
                default:
                    throw unsupported(start, "unexpected '" + word + "' at module scope");
            }
        }
        this.version = v;
        this.target = t;
    }

    /** Parses {@code text} (the contents of {@code file}, used in messages). */
    static PtxSource parse(String file, String text) {
        return new PtxSource(file, text);
    }

    // ------------------------------------------------------------------ module scope

    private void function() {
        int start = pos;
        int open = text.indexOf('(', pos);
        int brace = text.indexOf('{', pos);
        if (brace < 0) {
            throw unsupported(start, "function without a body");
        }
        String header = text.substring(pos, open >= 0 && open < brace ? open : brace);
        boolean entry = header.contains(".entry");
        Matcher nm = Pattern.compile("\\.(?:entry|func)\\s+(?:\\([^)]*\\)\\s*)?([A-Za-z_$][\\w$]*)").matcher(text.substring(pos, brace));
        if (!entry) {
            // .func: skip its body; a kernel that calls it is refused at decode time
            Matcher fm = Pattern.compile("\\.func\\s+(?:\\([^)]*\\)\\s*)?([A-Za-z_$][\\w$]*)").matcher(text.substring(pos, brace));
            functions.add(fm.find() ? fm.group(1) : "?");
            pos = matchingBrace(brace) + 1;
            return;
        }
        if (!nm.find()) {
            throw unsupported(start, "cannot read the kernel name");
        }
        Entry e = new Entry(nm.group(1), line(start));
        int afterName = pos + nm.end();
        int p = afterName;
        while (p < text.length() && Character.isWhitespace(text.charAt(p))) {
            p++;
        }
        int directivesFrom = p;
        if (p < text.length() && text.charAt(p) == '(') {
            int close = text.indexOf(')', p);
            for (String decl : text.substring(p + 1, close).split(",")) {
                String d = decl.trim();
                if (!d.isEmpty()) {
                    e.params.add(param(d, start));
                }
            }
            directivesFrom = close + 1;
        }
        String perf = text.substring(directivesFrom, brace);
        for (String line : perf.split("\n")) {
            String l = line.trim();
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith(".maxntid")) {
                e.maxntid = triple(l.substring(".maxntid".length()), start);
            } else if (l.startsWith(".reqntid")) {
                e.reqntid = triple(l.substring(".reqntid".length()), start);
            } else if (l.startsWith(".minnctapersm") || l.startsWith(".maxnreg") || l.startsWith(".maxnctapersm")) {
                // occupancy hints: no effect on semantics
            } else {
                throw unsupported(directivesFrom, "kernel directive '" + l + "'");
            }
        }
        int end = matchingBrace(brace);
        body(e, brace + 1, end);
        pos = end + 1;
        entries.put(e.name, e);
    }

    private int[] triple(String s, int at) {
        String[] parts = s.trim().split("\\s*,\\s*");
        int[] v = {1, 1, 1};
        for (int i = 0; i < parts.length && i < 3; i++) {
            v[i] = Integer.parseInt(parts[i].trim());
        }
        return v;
    }

    private static final Pattern PARAM = Pattern.compile(
            "\\.param\\s+(?:\\.align\\s+(\\d+)\\s+)?\\.(\\w+)\\s+([A-Za-z_$][\\w$]*)(?:\\[(\\d+)])?");

    private Param param(String decl, int at) {
        Matcher m = PARAM.matcher(decl);
        if (!m.matches()) {
            throw unsupported(at, "kernel parameter '" + decl + "'");
        }
        PType t = PType.of(m.group(2));
        if (t == null || t == PType.PRED) {
            throw unsupported(at, "kernel parameter type ." + m.group(2));
        }
        int count = m.group(4) == null ? 1 : Integer.parseInt(m.group(4));
        int align = m.group(1) == null ? t.bytes() : Integer.parseInt(m.group(1));
        return new Param(m.group(3), t, align, t.bytes() * count);
    }

    private static final Pattern SHARED = Pattern.compile(
            "(\\.extern\\s+)?\\.shared\\s+(?:\\.align\\s+(\\d+)\\s+)?\\.(\\w+)\\s+([A-Za-z_$][\\w$]*)\\s*(?:\\[(\\d*)])?");

    /** A {@code .shared} declaration, or null if {@code decl} is not one. */
    static SharedDecl sharedDecl(String decl, int line) {
        Matcher m = SHARED.matcher(decl.trim());
        if (!m.matches()) {
            return null;
        }
        PType t = PType.of(m.group(3));
        if (t == null) {
            return null;
        }
        boolean ext = m.group(1) != null;
        int align = m.group(2) == null ? t.bytes() : Integer.parseInt(m.group(2));
        long size;
        if (m.group(5) == null) {
            size = t.bytes();
        } else if (m.group(5).isEmpty()) {
            size = -1;                      // extern (dynamic) array
        } else {
            size = (long) t.bytes() * Long.parseLong(m.group(5));
        }
        if (ext != (size < 0)) {
            return null;
        }
        return new SharedDecl(m.group(4), align, size, line);
    }

    // ------------------------------------------------------------------ bodies

    private void body(Entry e, int from, int to) {
        int i = from;
        StringBuilder cur = new StringBuilder();
        int curLine = -1;
        int nest = 0;                   // braces inside a statement (vector operands)
        while (i < to) {
            char c = text.charAt(i);
            if (cur.length() == 0 && Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (cur.length() == 0 && (c == '{' || c == '}')) {
                e.body.add(new Stmt(c == '{' ? StmtKind.OPEN : StmtKind.CLOSE, String.valueOf(c), line(i)));
                i++;
                continue;
            }
            if (cur.length() == 0) {
                curLine = line(i);
            }
            if (c == '{') {
                nest++;
            } else if (c == '}') {
                nest--;
            }
            if (c == ';' && nest == 0) {
                String s = cur.toString().trim();
                e.body.add(new Stmt(s.startsWith(".") ? StmtKind.DIRECTIVE : StmtKind.INSTRUCTION, s, curLine));
                cur.setLength(0);
                i++;
                continue;
            }
            if (c == ':' && nest == 0 && cur.toString().trim().matches("[A-Za-z_$][\\w$]*")) {
                e.body.add(new Stmt(StmtKind.LABEL, cur.toString().trim(), curLine));
                cur.setLength(0);
                i++;
                continue;
            }
            cur.append(c == '\n' || c == '\t' ? ' ' : c);
            i++;
        }
        if (cur.toString().trim().length() > 0) {
            throw unsupported(to, "statement without ';': " + cur.toString().trim());
        }
    }

    // ------------------------------------------------------------------ lexing helpers

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private String word() {
        int s = pos;
        while (pos < text.length() && !Character.isWhitespace(text.charAt(pos)) && text.charAt(pos) != ';') {
            pos++;
        }
        return text.substring(s, pos);
    }

    private String restOfLine() {
        int e = text.indexOf('\n', pos);
        if (e < 0) {
            e = text.length();
        }
        String s = text.substring(pos, e);
        pos = e;
        return s;
    }

    private String untilSemicolon(int start) {
        int e = text.indexOf(';', start);
        if (e < 0) {
            throw unsupported(start, "declaration without ';'");
        }
        String s = text.substring(start, e).replace('\n', ' ').trim();
        pos = e + 1;
        return s;
    }

    private int matchingBrace(int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        throw unsupported(open, "unbalanced braces");
    }

    /** 1-based line of character offset {@code at}. */
    int line(int at) {
        int lo = 0;
        int hi = lineStart.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStart[mid] <= at) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo + 1;
    }

    private EmulationException unsupported(int at, String what) {
        return new EmulationException(EmulationException.Kind.UNSUPPORTED, file + ":" + line(at) + ": " + what);
    }

    private static int[] lineStarts(String s) {
        int n = 1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        int[] starts = new int[n];
        int k = 1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                starts[k++] = i + 1;
            }
        }
        return starts;
    }

    /** Replaces {@code //} and {@code /* *\/} comments by spaces, keeping every newline (line numbers stay right). */
    static String stripComments(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '"') {                                  // strings (none expected) are copied as they are
                int e = s.indexOf('"', i + 1);
                e = e < 0 ? n - 1 : e;
                b.append(s, i, e + 1);
                i = e + 1;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') {
                    b.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int e = s.indexOf("*/", i + 2);
                e = e < 0 ? n : e + 2;
                for (; i < e; i++) {
                    b.append(s.charAt(i) == '\n' ? '\n' : ' ');
                }
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }
}
