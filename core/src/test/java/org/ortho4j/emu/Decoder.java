package org.ortho4j.emu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one {@code .entry} of a {@link PtxSource} into a {@link Kernel}: resolves registers through the nested
 * scopes of the body (inline-asm blocks redeclare {@code .reg} names inside {@code { }}), gives every immediate and
 * special register a register of its own, lays out parameters and shared memory, resolves branch labels and
 * builds one {@link Op} per instruction. An instruction form it does not implement becomes an entry in
 * {@link Kernel#unsupported} (with its line) instead of an op, so one scan names every gap.
 */
final class Decoder {
    private static final class Reg {
        final int index;
        final PType type;

        Reg(int index, PType type) {
            this.index = index;
            this.type = type;
        }
    }

    private static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported(String what) {
            super(what, null, false, false);
        }
    }

    private final PtxSource src;
    private final PtxSource.Entry entry;
    private final Deque<Map<String, Reg>> scopes = new ArrayDeque<>();
    private final Map<Long, Integer> constants = new LinkedHashMap<>();
    private final Map<String, Long> sharedSymbols = new HashMap<>();
    private final Map<String, Integer> paramSymbols = new HashMap<>();
    private final List<Op> ops = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final List<String> unsupported = new ArrayList<>();
    private int registers = Kernel.SPECIALS;
    private int staticShared;
    private int dynamicBase;

    private Decoder(PtxSource src, PtxSource.Entry entry) {
        this.src = src;
        this.entry = entry;
    }

    static Kernel decode(PtxSource src, PtxSource.Entry entry) {
        return new Decoder(src, entry).run();
    }

    private Kernel run() {
        PtxSource.Param[] params = entry.params.toArray(new PtxSource.Param[0]);
        int[] offsets = new int[params.length];
        int at = 0;
        for (int i = 0; i < params.length; i++) {
            at = align(at, params[i].align);
            offsets[i] = at;
            paramSymbols.put(params[i].name, at);
            at += params[i].size;
        }
        layoutShared();
        scopes.push(new HashMap<>());
        for (PtxSource.Stmt s : entry.body) {
            switch (s.kind) {
                case OPEN:
                    scopes.push(new HashMap<>());
                    break;
                case CLOSE:
                    scopes.pop();
                    break;
                case LABEL:
                    labels.put(s.text, ops.size());
                    break;
                case DIRECTIVE:
                    directive(s);
                    break;
                default:
                    instruction(s);
                    break;
            }
        }
        for (Op op : ops) {
            if (op instanceof ControlOps.Bra) {
                ControlOps.Bra b = (ControlOps.Bra) op;
                Integer t = labels.get(b.label);
                if (t == null) {
                    unsupported.add("line " + op.line + ": branch to unknown label " + b.label);
                } else {
                    b.target = t;
                }
            }
        }
        int[] cr = new int[constants.size()];
        long[] cv = new long[constants.size()];
        int k = 0;
        for (Map.Entry<Long, Integer> e : constants.entrySet()) {
            cr[k] = e.getValue();
            cv[k++] = e.getKey();
        }
        return new Kernel(src.file, entry.name, entry.line, ops.toArray(new Op[0]), registers, cr, cv, params, offsets,
                align(at, 8), staticShared, dynamicBase, entry.maxntid, entry.reqntid, unsupported);
    }

    // ------------------------------------------------------------------ layout

    private static int align(int v, int a) {
        return (v + a - 1) / a * a;
    }

    /** Static shared variables this kernel declares or names, in declaration order; then the dynamic area. */
    private void layoutShared() {
        List<PtxSource.SharedDecl> statics = new ArrayList<>();
        List<PtxSource.SharedDecl> dynamic = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        for (PtxSource.Stmt s : entry.body) {
            if (s.kind == PtxSource.StmtKind.DIRECTIVE && s.text.startsWith(".shared")) {
                PtxSource.SharedDecl d = PtxSource.sharedDecl(s.text, s.line);
                if (d != null && !d.dynamic()) {
                    statics.add(d);
                }
            } else if (s.kind == PtxSource.StmtKind.INSTRUCTION) {
                all.append(s.text).append('\n');
            }
        }
        String body = all.toString();
        for (PtxSource.SharedDecl d : src.moduleShared.values()) {
            if (Pattern.compile("(?<![\\w$])" + Pattern.quote(d.name) + "(?![\\w$])").matcher(body).find()) {
                (d.dynamic() ? dynamic : statics).add(d);
            }
        }
        int at = 0;
        for (PtxSource.SharedDecl d : statics) {
            at = align(at, d.align);
            sharedSymbols.put(d.name, (long) at);
            at += (int) d.size;
        }
        staticShared = at;
        int a = 16;
        for (PtxSource.SharedDecl d : dynamic) {
            a = Math.max(a, d.align);
        }
        dynamicBase = align(at, a);
        for (PtxSource.SharedDecl d : dynamic) {
            sharedSymbols.put(d.name, (long) dynamicBase);      // every extern array aliases the dynamic area
        }
    }

    // ------------------------------------------------------------------ declarations

    private static final Pattern REG_DECL = Pattern.compile("\\.reg\\s+(?:\\.v(\\d)\\s+)?\\.(\\w+)\\s+(.+)");
    private static final Pattern REG_NAME = Pattern.compile("(%?[A-Za-z_$][\\w$]*)\\s*(?:<\\s*(\\d+)\\s*>)?");

    private void directive(PtxSource.Stmt s) {
        String t = s.text;
        if (t.startsWith(".reg")) {
            Matcher m = REG_DECL.matcher(t);
            PType type = m.matches() ? PType.of(m.group(2)) : null;
            if (type == null || m.group(1) != null) {
                unsupported.add("line " + s.line + ": register declaration '" + t + "'");
                return;
            }
            for (String part : m.group(3).split(",")) {
                Matcher n = REG_NAME.matcher(part.trim());
                if (!n.matches()) {
                    unsupported.add("line " + s.line + ": register name '" + part.trim() + "'");
                    continue;
                }
                if (n.group(2) == null) {
                    declare(n.group(1), type);
                } else {
                    int count = Integer.parseInt(n.group(2));
                    for (int i = 0; i < count; i++) {
                        declare(n.group(1) + i, type);
                    }
                }
            }
        } else if (t.startsWith(".shared")) {
            if (PtxSource.sharedDecl(t, s.line) == null) {
                unsupported.add("line " + s.line + ": shared declaration '" + t + "'");
            }
        } else if (t.startsWith(".pragma") || t.startsWith(".loc") || t.startsWith(".file")) {
            // hints and debug info: no semantics
        } else {
            unsupported.add("line " + s.line + ": directive '" + t + "' (" + t.split("\\s")[0] + " is not emulated)");
        }
    }

    private void declare(String name, PType type) {
        scopes.peek().put(name, new Reg(registers++, type));
    }

    private Reg lookup(String name) {
        for (Map<String, Reg> s : scopes) {                          // innermost first
            Reg r = s.get(name);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ operands

    private static final Map<String, Integer> SPECIAL = new HashMap<>();

    static {
        String[] xyz = {"x", "y", "z"};
        for (int i = 0; i < 3; i++) {
            SPECIAL.put("%tid." + xyz[i], Kernel.TID + i);
            SPECIAL.put("%ntid." + xyz[i], Kernel.NTID + i);
            SPECIAL.put("%ctaid." + xyz[i], Kernel.CTAID + i);
            SPECIAL.put("%nctaid." + xyz[i], Kernel.NCTAID + i);
        }
        SPECIAL.put("%laneid", Kernel.LANEID);
        SPECIAL.put("%warpid", Kernel.WARPID);
        SPECIAL.put("%nwarpid", Kernel.NWARPID);
        SPECIAL.put("%lanemask_eq", Kernel.LANEMASK_EQ);
        SPECIAL.put("%lanemask_lt", Kernel.LANEMASK_LT);
        SPECIAL.put("%lanemask_le", Kernel.LANEMASK_LE);
        SPECIAL.put("%lanemask_gt", Kernel.LANEMASK_GT);
        SPECIAL.put("%lanemask_ge", Kernel.LANEMASK_GE);
    }

    private int constant(long bits) {
        Integer r = constants.get(bits);
        if (r == null) {
            r = registers++;
            constants.put(bits, r);
        }
        return r * 32;
    }

    /** A destination register's offset. */
    private int dst(String tok) {
        tok = tok.trim();
        if (tok.equals("_")) {
            return -1;
        }
        Reg r = lookup(tok);
        if (r == null) {
            throw new Unsupported("destination '" + tok + "' is not a declared register");
        }
        return r.index * 32;
    }

    private PType regType(String tok) {
        Reg r = lookup(tok.trim());
        if (r == null) {
            throw new Unsupported("'" + tok.trim() + "' is not a declared register");
        }
        return r.type;
    }

    /** A source operand of type {@code t}: register, special register, shared symbol or immediate. */
    private int src(String tok, PType t) {
        tok = tok.trim();
        if (tok.startsWith("%")) {
            Reg r = lookup(tok);
            if (r != null) {
                return r.index * 32;
            }
            Integer s = SPECIAL.get(tok);
            if (s != null) {
                return s * 32;
            }
            throw new Unsupported("operand '" + tok + "' is neither a declared register nor an emulated special register");
        }
        Long sym = sharedSymbols.get(tok);
        if (sym != null) {
            return constant(sym);
        }
        if (paramSymbols.containsKey(tok)) {
            throw new Unsupported("taking the address of parameter " + tok);
        }
        return constant(t.norm(literal(tok, t)));
    }

    private int pred(String tok) {
        tok = tok.trim();
        Reg r = lookup(tok);
        if (r == null || r.type != PType.PRED) {
            if (tok.equals("1") || tok.equals("0")) {
                return constant(Long.parseLong(tok));
            }
            throw new Unsupported("'" + tok + "' is not a predicate register");
        }
        return r.index * 32;
    }

    /** PTX ISA "Syntax: Constants": integer (decimal, hex, octal, binary, optional U), 0f/0d hex floats, decimal floats. */
    static long literal(String tok, PType t) {
        String s = tok.trim();
        boolean neg = false;
        if (s.startsWith("-")) {
            neg = true;
            s = s.substring(1);
        }
        if ((s.startsWith("0f") || s.startsWith("0F")) && s.length() == 10) {
            int bits = (int) Long.parseLong(s.substring(2), 16);
            float f = Float.intBitsToFloat(bits);
            if (neg) {
                f = -f;
            }
            return t == PType.F64 ? Double.doubleToRawLongBits(f) : Float.floatToRawIntBits(f) & 0xffffffffL;
        }
        if ((s.startsWith("0d") || s.startsWith("0D")) && s.length() == 18) {
            double d = Double.longBitsToDouble(Long.parseUnsignedLong(s.substring(2), 16));
            if (neg) {
                d = -d;
            }
            return t == PType.F32 ? Float.floatToRawIntBits((float) d) & 0xffffffffL : Double.doubleToRawLongBits(d);
        }
        if (s.endsWith("U") || s.endsWith("u")) {
            s = s.substring(0, s.length() - 1);
        }
        long v;
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                v = Long.parseUnsignedLong(s.substring(2), 16);
            } else if (s.startsWith("0b") || s.startsWith("0B")) {
                v = Long.parseUnsignedLong(s.substring(2), 2);
            } else if (s.length() > 1 && s.startsWith("0") && s.chars().allMatch(Character::isDigit)) {
                v = Long.parseUnsignedLong(s.substring(1), 8);
            } else if (s.chars().allMatch(Character::isDigit)) {
                v = Long.parseUnsignedLong(s);
            } else {
                double d = Double.parseDouble(s);
                if (!t.isFloat()) {
                    throw new Unsupported("floating-point literal " + tok + " for " + t);
                }
                if (neg) {
                    d = -d;
                }
                return t == PType.F64 ? Double.doubleToRawLongBits(d) : Float.floatToRawIntBits((float) d) & 0xffffffffL;
            }
        } catch (NumberFormatException e) {
            throw new Unsupported("operand '" + tok + "'");
        }
        if (neg) {
            v = -v;
        }
        if (t == PType.F32) {
            return Float.floatToRawIntBits((float) v) & 0xffffffffL;
        }
        if (t == PType.F64) {
            return Double.doubleToRawLongBits((double) v);
        }
        return v;
    }

    /** Top-level comma split (not inside braces or brackets). */
    static List<String> operands(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(start, i).trim());
                start = i + 1;
            }
        }
        String last = s.substring(start).trim();
        if (!last.isEmpty()) {
            out.add(last);
        }
        return out;
    }

    private static List<String> vector(String tok) {
        String t = tok.trim();
        if (!t.startsWith("{") || !t.endsWith("}")) {
            return null;
        }
        return operands(t.substring(1, t.length() - 1));
    }

    /** {@code [reg]}, {@code [reg+imm]}, {@code [symbol+imm]}, {@code [imm]} → {base offset or -1, displacement}. */
    private long[] address(String tok, int space) {
        String t = tok.trim();
        if (!t.startsWith("[") || !t.endsWith("]")) {
            throw new Unsupported("address operand '" + tok + "'");
        }
        String in = t.substring(1, t.length() - 1).trim();
        String base = in;
        long off = 0;
        int plus = in.indexOf('+');
        if (plus > 0) {
            base = in.substring(0, plus).trim();
            off = literal(in.substring(plus + 1).trim(), PType.S64);
        } else if (in.lastIndexOf('-') > 0) {
            int minus = in.lastIndexOf('-');
            base = in.substring(0, minus).trim();
            off = -literal(in.substring(minus + 1).trim(), PType.S64);
        }
        if (base.startsWith("%")) {
            Reg r = lookup(base);
            if (r == null) {
                throw new Unsupported("address register '" + base + "' is not declared");
            }
            return new long[]{r.index * 32L, off};
        }
        if (space == MemOps.PARAM) {
            Integer p = paramSymbols.get(base);
            if (p == null) {
                throw new Unsupported("ld.param of unknown parameter '" + base + "'");
            }
            return new long[]{-1, p + off};
        }
        Long sym = sharedSymbols.get(base);
        if (sym != null) {
            if (space != MemOps.SHARED) {
                throw new Unsupported("shared symbol " + base + " used in another state space");
            }
            return new long[]{-1, sym + off};
        }
        return new long[]{-1, literal(base, PType.S64) + off};
    }

    // ------------------------------------------------------------------ instructions

    private static final Pattern GUARD = Pattern.compile("@(!?)(%[\\w$]+)\\s+(.*)");

    private void instruction(PtxSource.Stmt s) {
        String text = s.text;
        String body = text;
        int guard = -1;
        boolean neg = false;
        Op op;
        try {
            Matcher g = GUARD.matcher(text);
            if (g.matches()) {
                neg = !g.group(1).isEmpty();
                guard = pred(g.group(2));
                body = g.group(3);
            }
            int sp = body.indexOf(' ');
            String opcode = sp < 0 ? body : body.substring(0, sp);
            List<String> args = sp < 0 ? List.of() : operands(body.substring(sp + 1));
            op = decode(opcode, args);
        } catch (Unsupported | IllegalArgumentException | IndexOutOfBoundsException e) {
            unsupported.add("line " + s.line + ": `" + text + "`: " + e.getMessage());
            op = new Unimplemented(e.getMessage());
        }
        op.line = s.line;
        op.text = text;
        op.guard = guard;
        op.guardNegated = neg;
        ops.add(op);
    }

    /** Placeholder for an instruction the decoder refused; a launch of its kernel is refused before it runs. */
    static final class Unimplemented extends Op {
        final String why;

        Unimplemented(String why) {
            this.why = why;
        }

        @Override
        void exec(Warp w, int mask) {
            throw w.launch.fail(EmulationException.Kind.UNSUPPORTED, w, Integer.numberOfTrailingZeros(mask), this, why);
        }
    }

    private static PType lastType(String[] mods) {
        for (int i = mods.length - 1; i >= 1; i--) {
            PType t = PType.of(mods[i]);
            if (t != null) {
                return t;
            }
        }
        throw new Unsupported("no type suffix");
    }

    private static boolean has(String[] mods, String m) {
        for (int i = 1; i < mods.length; i++) {
            if (mods[i].equals(m)) {
                return true;
            }
        }
        return false;
    }

    private static void only(String[] mods, String... allowed) {
        outer:
        for (int i = 1; i < mods.length; i++) {
            if (PType.of(mods[i]) != null) {
                continue;
            }
            for (String a : allowed) {
                if (a.equals(mods[i])) {
                    continue outer;
                }
            }
            throw new Unsupported("modifier ." + mods[i] + " of " + mods[0] + " is not emulated");
        }
    }

    private static void arity(List<String> a, int n) {
        if (a.size() != n) {
            throw new Unsupported(n + " operands expected, got " + a.size());
        }
    }

    private Op decode(String opcode, List<String> a) {
        String[] m = opcode.split("\\.");
        switch (m[0]) {
            case "add": case "sub": case "mul": case "mad": case "fma": case "div": case "rem": case "min": case "max":
            case "abs": case "neg": case "rcp": case "sqrt": case "and": case "or": case "xor": case "not": case "cnot":
            case "shl": case "shr": case "popc": case "clz":
                return arithmetic(m, a);
            case "bfe":
            case "bfi": {
                only(m);
                PType t = lastType(m);
                boolean ins = m[0].equals("bfi");
                arity(a, ins ? 5 : 4);
                int d = dst(a.get(0));
                int x = src(a.get(1), t);
                int y = ins ? src(a.get(2), t) : -1;
                int k = ins ? 3 : 2;
                return new IntOps.BitField(ins, t, d, x, y, src(a.get(k), PType.U32), src(a.get(k + 1), PType.U32));
            }
            case "setp":
                return setp(m, a);
            case "selp": {
                arity(a, 4);
                PType t = lastType(m);
                return new MoveOps.Selp(dst(a.get(0)), src(a.get(1), t), src(a.get(2), t), pred(a.get(3)));
            }
            case "mov":
                return mov(m, a);
            case "cvt":
                return cvt(m, a);
            case "cvta": {
                only(m, "to", "global");
                if (!has(m, "global")) {
                    throw new Unsupported("cvta to/from a state space other than .global (generic shared/local addressing is not emulated)");
                }
                arity(a, 2);
                return new MoveOps.Mov(dst(a.get(0)), src(a.get(1), PType.U64), -1L);
            }
            case "ld":
            case "st":
                return memory(m, a);
            case "atom":
            case "red":
                return atomic(m, a);
            case "bra": {
                only(m, "uni");
                arity(a, 1);
                return new ControlOps.Bra(a.get(0).trim(), has(m, "uni"));
            }
            case "ret":
            case "exit":
                return new ControlOps.Exit();
            case "bar":
            case "barrier":
                return barrier(m, a);
            case "membar":
            case "fence":
                return new ControlOps.Nop();
            case "shfl":
                return shfl(m, a);
            case "vote":
                return vote(m, a);
            case "mma":
                return mma(opcode, a);
            case "call":
                throw new Unsupported("call (device functions are not emulated)");
            default:
                throw new Unsupported("opcode " + m[0] + " is not emulated");
        }
    }

    private Op arithmetic(String[] m, List<String> a) {
        String name = m[0];
        PType t = lastType(m);
        if (t == PType.PRED) {
            only(m);
            int code = name.equals("and") ? IntOps.AND : name.equals("or") ? IntOps.OR : name.equals("xor") ? IntOps.XOR
                    : name.equals("not") ? IntOps.NOT : -1;
            if (code < 0) {
                throw new Unsupported(name + ".pred");
            }
            return new IntOps.PredLogic(code, dst(a.get(0)), pred(a.get(1)), code == IntOps.NOT ? -1 : pred(a.get(2)));
        }
        if (t == PType.F32 || t == PType.F64) {
            return floating(m, a, t);
        }
        if (t.isFloat()) {
            throw new Unsupported(name + t + " (half-precision arithmetic is not emulated)");
        }
        int code;
        int n;
        switch (name) {
            case "add": code = IntOps.ADD; n = 3; only(m); break;
            case "sub": code = IntOps.SUB; n = 3; only(m); break;
            case "mul":
            case "mad": {
                only(m, "lo", "hi", "wide");
                boolean mad = name.equals("mad");
                code = has(m, "wide") ? (mad ? IntOps.MAD_WIDE : IntOps.MUL_WIDE)
                        : has(m, "hi") ? (mad ? IntOps.MAD_HI : IntOps.MUL_HI) : (mad ? IntOps.MAD_LO : IntOps.MUL_LO);
                if (!has(m, "lo") && !has(m, "hi") && !has(m, "wide")) {
                    throw new Unsupported(name + " without .lo/.hi/.wide");
                }
                if (has(m, "wide") && t.bits == 64) {
                    throw new Unsupported(".wide on 64-bit operands");
                }
                n = mad ? 4 : 3;
                break;
            }
            case "div": code = IntOps.DIV; n = 3; only(m); break;
            case "rem": code = IntOps.REM; n = 3; only(m); break;
            case "min": code = IntOps.MIN; n = 3; only(m); break;
            case "max": code = IntOps.MAX; n = 3; only(m); break;
            case "abs": code = IntOps.ABS; n = 2; only(m); break;
            case "neg": code = IntOps.NEG; n = 2; only(m); break;
            case "and": code = IntOps.AND; n = 3; only(m); break;
            case "or": code = IntOps.OR; n = 3; only(m); break;
            case "xor": code = IntOps.XOR; n = 3; only(m); break;
            case "not": code = IntOps.NOT; n = 2; only(m); break;
            case "cnot": code = IntOps.CNOT; n = 2; only(m); break;
            case "shl": code = IntOps.SHL; n = 3; only(m); break;
            case "shr": code = IntOps.SHR; n = 3; only(m); break;
            case "popc": code = IntOps.POPC; n = 2; only(m); break;
            case "clz": code = IntOps.CLZ; n = 2; only(m); break;
            default: throw new Unsupported(name + " on " + t);
        }
        arity(a, n);
        PType wide = t;
        if (code == IntOps.MAD_WIDE) {
            wide = PType.of((t.signed() ? "s" : "u") + (2 * t.bits));
        }
        PType shiftType = code == IntOps.SHL || code == IntOps.SHR ? PType.U32 : t;
        int d = dst(a.get(0));
        int x = src(a.get(1), t);
        int y = n >= 3 ? src(a.get(2), shiftType) : -1;
        int z = n >= 4 ? src(a.get(3), code == IntOps.MAD_WIDE ? wide : t) : -1;
        return new IntOps.Arith(code, t, d, x, y, z);
    }

    private Op floating(String[] m, List<String> a, PType t) {
        String name = m[0];
        boolean rn = has(m, "rn");
        boolean sat = has(m, "sat");
        only(m, "rn", "sat");
        int code;
        int n;
        switch (name) {
            case "add": code = FloatOps.ADD; n = 3; break;
            case "sub": code = FloatOps.SUB; n = 3; break;
            case "mul": code = FloatOps.MUL; n = 3; break;
            case "fma":
            case "mad":
                if (!rn) {
                    throw new Unsupported(name + t + " without .rn");
                }
                code = FloatOps.FMA;
                n = 4;
                break;
            case "div":
                if (!rn) {
                    throw new Unsupported("div" + t + " without .rn (.approx/.full are not emulated)");
                }
                code = FloatOps.DIV;
                n = 3;
                break;
            case "rcp":
            case "sqrt":
                if (!rn) {
                    throw new Unsupported(name + t + " without .rn (.approx is not emulated)");
                }
                code = name.equals("rcp") ? FloatOps.RCP : FloatOps.SQRT;
                n = 2;
                break;
            case "abs": code = FloatOps.ABS; n = 2; break;
            case "neg": code = FloatOps.NEG; n = 2; break;
            case "min": code = FloatOps.MIN; n = 3; break;
            case "max": code = FloatOps.MAX; n = 3; break;
            default: throw new Unsupported(name + t);
        }
        arity(a, n);
        int d = dst(a.get(0));
        int x = src(a.get(1), t);
        int y = n >= 3 ? src(a.get(2), t) : -1;
        int z = n >= 4 ? src(a.get(3), t) : -1;
        return t == PType.F32 ? new FloatOps.F32(code, sat, d, x, y, z) : new FloatOps.F64(code, sat, d, x, y, z);
    }

    private Op setp(String[] m, List<String> a) {
        if (m.length < 3) {
            throw new Unsupported("setp needs a comparison and a type");
        }
        int cmp = MoveOps.cmpCode(m[1]);
        if (cmp < 0) {
            throw new Unsupported("setp comparison ." + m[1]);
        }
        PType t = lastType(m);
        int bool = -1;
        if (m.length == 4) {
            bool = m[2].equals("and") ? IntOps.AND : m[2].equals("or") ? IntOps.OR : m[2].equals("xor") ? IntOps.XOR : -2;
            if (bool == -2) {
                throw new Unsupported("setp modifier ." + m[2]);
            }
        } else if (m.length != 3) {
            throw new Unsupported("setp form");
        }
        if (t.isFloat() && t != PType.F32 && t != PType.F64) {
            throw new Unsupported("setp on " + t);
        }
        if (!t.isFloat() && cmp >= MoveOps.EQU) {
            throw new Unsupported("unordered comparison on an integer type");
        }
        String[] pq = a.get(0).split("\\|");
        int p = dst(pq[0]);
        int q = pq.length > 1 ? dst(pq[1]) : -1;
        int c = -1;
        boolean cNeg = false;
        if (bool >= 0) {
            arity(a, 4);
            String ct = a.get(3).trim();
            cNeg = ct.startsWith("!");
            c = pred(cNeg ? ct.substring(1) : ct);
        } else {
            arity(a, 3);
        }
        return new MoveOps.Setp(cmp, t, p, q, src(a.get(1), t), src(a.get(2), t), bool, c, cNeg);
    }

    private Op mov(String[] m, List<String> a) {
        only(m);
        arity(a, 2);
        PType t = lastType(m);
        List<String> dv = vector(a.get(0));
        List<String> sv = vector(a.get(1));
        if (dv != null) {
            int part = t.bits / dv.size();
            int[] d = new int[dv.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = dst(dv.get(i));
            }
            return new MoveOps.Unpack(d, src(a.get(1), t), part);
        }
        if (sv != null) {
            int part = t.bits / sv.size();
            PType pt = PType.of("b" + part);
            int[] s = new int[sv.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = src(sv.get(i), pt);
            }
            return new MoveOps.Pack(dst(a.get(0)), s, part);
        }
        return new MoveOps.Mov(dst(a.get(0)), src(a.get(1), t), t.mask);
    }

    private Op cvt(String[] m, List<String> a) {
        int rnd = MoveOps.NONE;
        boolean sat = false;
        List<PType> types = new ArrayList<>();
        for (int i = 1; i < m.length; i++) {
            PType t = PType.of(m[i]);
            if (t != null) {
                types.add(t);
            } else if (MoveOps.rounding(m[i]) >= 0) {
                rnd = MoveOps.rounding(m[i]);
            } else if (m[i].equals("sat")) {
                sat = true;
            } else {
                throw new Unsupported("cvt modifier ." + m[i] + " (.ftz and .relu are not emulated)");
            }
        }
        if (types.size() != 2) {
            throw new Unsupported("cvt needs two types");
        }
        PType dt = types.get(0);
        PType st = types.get(1);
        if (dt == PType.F16 || st == PType.F16 || dt == PType.PRED || st == PType.PRED) {
            throw new Unsupported("cvt" + dt + st);
        }
        if (dt == PType.BF16 && st != PType.F32) {
            throw new Unsupported("cvt" + dt + st + " (only bf16 ← f32 is emulated)");
        }
        if (st.isFloat() && !dt.isFloat() && rnd != MoveOps.NONE && rnd < MoveOps.RNI) {
            throw new Unsupported("float → integer cvt needs an integer rounding mode");
        }
        if (!st.isFloat() && dt.isFloat() && rnd != MoveOps.RN) {
            throw new Unsupported("integer → float cvt with rounding other than .rn");
        }
        if (st.isFloat() && dt.isFloat() && dt.bits < st.bits && rnd == MoveOps.NONE) {
            throw new Unsupported("narrowing float cvt without a rounding mode");
        }
        arity(a, 2);
        return new MoveOps.Cvt(dt, st, rnd, sat, dst(a.get(0)), src(a.get(1), st));
    }

    private Op memory(String[] m, List<String> a) {
        boolean load = m[0].equals("ld");
        int space = -1;
        boolean nc = false;
        boolean ordered = false;
        int vec = 1;
        PType t = null;
        for (int i = 1; i < m.length; i++) {
            String q = m[i];
            switch (q) {
                case "global": space = MemOps.GLOBAL; break;
                case "shared": space = MemOps.SHARED; break;
                case "param": space = MemOps.PARAM; break;
                case "nc": nc = true; break;
                case "volatile": case "relaxed": case "acquire": case "release":
                    ordered = true;
                    break;
                case "weak": case "cta": case "gpu": case "sys": case "ca": case "cg": case "cs": case "lu": case "cv":
                case "wb": case "wt":
                    break;
                case "v2": vec = 2; break;
                case "v4": vec = 4; break;
                default:
                    if (PType.of(q) != null) {
                        t = PType.of(q);
                    } else if (q.startsWith("L1::") || q.startsWith("L2::")) {
                        break;
                    } else {
                        throw new Unsupported(m[0] + " qualifier ." + q + " is not emulated");
                    }
            }
        }
        if (space < 0) {
            throw new Unsupported(m[0] + " without .global/.shared/.param (generic, local and const addressing are not emulated)");
        }
        if (t == null || t == PType.PRED) {
            throw new Unsupported(m[0] + " type");
        }
        if (nc && (!load || space != MemOps.GLOBAL)) {
            throw new Unsupported(".nc outside ld.global");
        }
        arity(a, 2);
        String regs = load ? a.get(0) : a.get(1);
        List<String> v = vector(regs);
        if ((v == null ? 1 : v.size()) != vec) {
            throw new Unsupported("vector width does not match the operand");
        }
        List<String> names = v == null ? List.of(regs) : v;
        long[] addr = address(load ? a.get(1) : a.get(0), space);
        int base = (int) addr[0];
        if (load) {
            int[] d = new int[names.size()];
            long[] mask = new long[names.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = dst(names.get(i));
                mask[i] = d[i] < 0 ? 0 : regType(names.get(i)).mask;
            }
            return new MemOps.Ld(space, t, d, mask, base, addr[1], nc, ordered);
        }
        if (space == MemOps.PARAM) {
            throw new Unsupported("st.param (kernel parameters are read-only)");
        }
        int[] s = new int[names.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = src(names.get(i), t);
        }
        return new MemOps.St(space, t, s, base, addr[1]);
    }

    private Op atomic(String[] m, List<String> a) {
        boolean red = m[0].equals("red");
        int space = -1;
        int code = -1;
        PType t = null;
        for (int i = 1; i < m.length; i++) {
            String q = m[i];
            switch (q) {
                case "global": space = MemOps.GLOBAL; break;
                case "shared": space = MemOps.SHARED; break;
                case "relaxed": case "acquire": case "release": case "acq_rel": case "cta": case "gpu": case "sys":
                    break;
                default:
                    if (PType.of(q) != null) {
                        t = PType.of(q);
                    } else if (MemOps.atomCode(q) >= 0) {
                        code = MemOps.atomCode(q);
                    } else {
                        throw new Unsupported(m[0] + " qualifier ." + q + " is not emulated");
                    }
            }
        }
        if (space < 0) {
            throw new Unsupported(m[0] + " without .global/.shared");
        }
        if (code < 0 || t == null || t == PType.PRED || t == PType.BF16 || t == PType.F16 || t.bits < 32) {
            throw new Unsupported(m[0] + " operation/type");
        }
        if (t.isFloat() && code != MemOps.ADD && code != MemOps.EXCH && !(t == PType.F32 && (code == MemOps.MIN || code == MemOps.MAX))) {
            throw new Unsupported(m[0] + " on " + t);
        }
        int k = red ? 0 : 1;
        arity(a, k + (code == MemOps.CAS ? 3 : 2));
        int d = red ? -1 : dst(a.get(0));
        long[] addr = address(a.get(k), space);
        int b = src(a.get(k + 1), t);
        int c = code == MemOps.CAS ? src(a.get(k + 2), t) : -1;
        return new MemOps.Atom(space, code, t, d, (int) addr[0], addr[1], b, c);
    }

    private Op barrier(String[] m, List<String> a) {
        boolean sync = has(m, "sync");
        boolean reduce = has(m, "red");
        if (m[0].equals("barrier")) {
            only(m, "sync", "aligned");
        } else {
            only(m, "sync", "red", "or", "and", "popc");
        }
        if (!sync && !reduce) {
            throw new Unsupported(String.join(".", m) + " (only bar.sync, barrier.sync and bar.red are emulated)");
        }
        if (!reduce) {
            if (a.size() != 1) {
                throw new Unsupported("bar.sync with a thread count (partial barriers are not emulated)");
            }
            barrierId(a.get(0));
            return new ControlOps.Bar(ControlOps.Bar.NONE, -1, -1, false);
        }
        int r = has(m, "or") ? ControlOps.Bar.OR : has(m, "and") ? ControlOps.Bar.AND : has(m, "popc") ? ControlOps.Bar.POPC : -1;
        if (r < 0) {
            throw new Unsupported("bar.red operation");
        }
        if (a.size() != 3) {
            throw new Unsupported("bar.red with a thread count (partial barriers are not emulated)");
        }
        barrierId(a.get(1));
        String q = a.get(2).trim();
        boolean neg = q.startsWith("!");
        return new ControlOps.Bar(r, dst(a.get(0)), pred(neg ? q.substring(1) : q), neg);
    }

    private static void barrierId(String tok) {
        if (!tok.trim().equals("0")) {
            throw new Unsupported("barrier id " + tok.trim() + " (only barrier 0 is emulated)");
        }
    }

    private Op shfl(String[] m, List<String> a) {
        if (m.length != 4 || !m[1].equals("sync") || !m[3].equals("b32")) {
            throw new Unsupported(String.join(".", m) + " (only shfl.sync.mode.b32)");
        }
        int mode;
        switch (m[2]) {
            case "up": mode = ControlOps.UP; break;
            case "down": mode = ControlOps.DOWN; break;
            case "bfly": mode = ControlOps.BFLY; break;
            case "idx": mode = ControlOps.IDX; break;
            default: throw new Unsupported("shfl mode ." + m[2]);
        }
        arity(a, 5);
        String[] dp = a.get(0).split("\\|");
        int d = dst(dp[0]);
        int p = dp.length > 1 ? dst(dp[1]) : -1;
        return new ControlOps.Shfl(mode, d, p, src(a.get(1), PType.B32), src(a.get(2), PType.B32), src(a.get(3), PType.B32),
                src(a.get(4), PType.B32));
    }

    private Op vote(String[] m, List<String> a) {
        if (m.length != 4 || !m[1].equals("sync")) {
            throw new Unsupported(String.join(".", m) + " (only vote.sync)");
        }
        int mode;
        switch (m[2]) {
            case "all": mode = ControlOps.ALL; break;
            case "any": mode = ControlOps.ANY; break;
            case "uni": mode = ControlOps.UNI; break;
            case "ballot": mode = ControlOps.BALLOT; break;
            default: throw new Unsupported("vote mode ." + m[2]);
        }
        arity(a, 3);
        String q = a.get(1).trim();
        boolean neg = q.startsWith("!");
        return new ControlOps.Vote(mode, dst(a.get(0)), pred(neg ? q.substring(1) : q), neg, src(a.get(2), PType.B32));
    }

    private Op mma(String opcode, List<String> a) {
        MmaFragments.Shape shape;
        if (opcode.equals("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32")) {
            shape = MmaFragments.Shape.M16N8K8_TF32;
        } else if (opcode.equals("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32")) {
            shape = MmaFragments.Shape.M16N8K16_BF16;
        } else {
            throw new Unsupported(opcode + " (only m16n8k8 tf32 and m16n8k16 bf16 with f32 accumulators are emulated)");
        }
        arity(a, 4);
        int[][] v = new int[4][];
        int[] sizes = {4, 4, 2, 4};
        for (int i = 0; i < 4; i++) {
            List<String> regs = vector(a.get(i));
            if (regs == null || regs.size() != sizes[i]) {
                throw new Unsupported("mma operand " + i + " must be a vector of " + sizes[i] + " registers");
            }
            v[i] = new int[sizes[i]];
            for (int k = 0; k < sizes[i]; k++) {
                v[i][k] = i == 0 ? dst(regs.get(k)) : src(regs.get(k), PType.B32);
            }
        }
        return new ControlOps.Mma(shape, v[0], v[1], v[2], v[3]);
    }

    @Override
    public String toString() {
        return entry.name + " " + Arrays.toString(entry.maxntid);
    }
}
