package org.ortho4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of one command: {@code --name value}, {@code --name=value} and boolean {@code --flag}s, each at
 * most once, checked against the sets the command declares. No positional arguments.
 */
final class Args {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private Args(String command) {
        this.command = command;
    }

    /**
     * @param valued options that take a value (names without the leading dashes)
     * @param flags  options that take none
     */
    static Args parse(String command, List<String> tokens, Set<String> valued, Set<String> flags) throws UsageException {
        Args a = new Args(command);
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (!t.startsWith("--") || t.length() == 2) {
                throw new UsageException(command + ": unexpected argument '" + t + "' (options start with --)");
            }
            String name = t.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException(command + ": --" + name + " takes no value");
                }
                value = "";
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= tokens.size()) {
                        throw new UsageException(command + ": --" + name + " needs a value");
                    }
                    value = tokens.get(++i);
                }
                if (value.isEmpty()) {
                    throw new UsageException(command + ": --" + name + " needs a non-empty value");
                }
            } else {
                throw new UsageException(command + ": unknown option --" + name);
            }
            if (a.values.put(name, value) != null) {
                throw new UsageException(command + ": --" + name + " given more than once");
            }
        }
        return a;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String get(String name, String def) {
        return values.getOrDefault(name, def);
    }

    String required(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException(command + ": missing --" + name);
        }
        return v;
    }

    Path path(String name) throws UsageException {
        String v = required(name);
        try {
            return Path.of(v);
        } catch (RuntimeException e) {
            throw new UsageException(command + ": --" + name + " '" + v + "' is not a valid path");
        }
    }

    int intValue(String name, int def, int min, int max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        int x;
        try {
            x = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be an integer, got '" + v + "'");
        }
        if (x < min || x > max) {
            throw new UsageException(command + ": --" + name + " must be in [" + min + ", " + max + "], got " + x);
        }
        return x;
    }

    double doubleValue(String name, double def, double min, double max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        double x;
        try {
            x = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be a number, got '" + v + "'");
        }
        if (!(x >= min && x <= max)) {
            throw new UsageException(command + ": --" + name + " must be in [" + min + ", " + max + "], got " + v);
        }
        return x;
    }

    /** The value of {@code name} lower-cased, which must be one of {@code choices}. */
    String choice(String name, String def, String... choices) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        String l = v.trim().toLowerCase(Locale.ROOT);
        for (String c : choices) {
            if (c.equals(l)) {
                return c;
            }
        }
        throw new UsageException(command + ": --" + name + " must be one of " + String.join(", ", choices) + ", got '" + v + "'");
    }

    /** A wrong command line; the message is printed after {@code ortho4j: error: }. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
