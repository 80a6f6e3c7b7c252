package org.ortho4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The project's math reference is its own {@code docs/algorithms.md}: no source, kernel comment or document cites
 * the former, absent {@code ALGORITHMS.md}, and every {@code docs/algorithms.md §N} or {@code #anchor} citation
 * names a section that exists.
 */
class DocsTest {
    /** The repository: the parent of the core module's directory (Maven runs the tests there). */
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    private static final Pattern SECTION = Pattern.compile("docs/algorithms\\.md\\s*§\\s*(\\d+(?:\\.\\d+)?)");
    private static final Pattern ANCHOR = Pattern.compile("docs/algorithms\\.md#([a-z0-9-]+)");
    private static final Pattern HEADING = Pattern.compile("^#{2,3} (\\d+(?:\\.\\d+)?)\\.? (.*)$", Pattern.MULTILINE);

    private static List<Path> sources() {
        List<Path> out = new ArrayList<>();
        for (String dir : new String[]{"core/src/main", "core/src/test", "jmh", "kernels", "tests-gpu", "docs"}) {
            Path d = ROOT.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(Files::isRegularFile)
                        .filter(p -> p.toString().matches(".*\\.(java|cu|cuh|md|py|sh|txt)$"))
                        .filter(p -> !p.endsWith("DocsTest.java"))
                        .forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.add(ROOT.resolve("README.md"));
        out.add(ROOT.resolve("NOTICE"));
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void nothingCitesTheAbsentAlgorithmsFile() {
        List<String> citing = new ArrayList<>();
        for (Path p : sources()) {
            if (read(p).contains("ALGORITHMS.md")) {
                citing.add(ROOT.relativize(p).toString());
            }
        }
        assertEquals(List.of(), citing, "files citing ALGORITHMS.md, which is not part of the project");
        assertTrue(Files.isRegularFile(ROOT.resolve("docs/algorithms.md")), "docs/algorithms.md is missing");
    }

    @Test
    void everyCitedSectionExists() {
        String doc = read(ROOT.resolve("docs/algorithms.md"));
        Set<String> sections = new HashSet<>();
        Set<String> anchors = new HashSet<>();
        Matcher h = HEADING.matcher(doc);
        while (h.find()) {
            sections.add(h.group(1));
            String title = h.group(1) + " " + h.group(2);
            anchors.add(title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").trim().replace(' ', '-'));
        }
        assertTrue(sections.size() >= 20, "too few numbered sections found: " + sections);
        List<String> dangling = new ArrayList<>();
        for (Path p : sources()) {
            String text = read(p);
            Matcher m = SECTION.matcher(text);
            while (m.find()) {
                if (!sections.contains(m.group(1))) {
                    dangling.add(ROOT.relativize(p) + ": §" + m.group(1));
                }
            }
            Matcher a = ANCHOR.matcher(text);
            while (a.find()) {
                if (!anchors.contains(a.group(1))) {
                    dangling.add(ROOT.relativize(p) + ": #" + a.group(1));
                }
            }
        }
        assertEquals(List.of(), dangling, "citations of sections docs/algorithms.md does not have (sections: " + sections + ")");
    }
}
