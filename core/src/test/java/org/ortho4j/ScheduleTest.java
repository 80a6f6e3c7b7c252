package org.ortho4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The built-in tables hold the published values (docs/algorithms.md §1.3); resolution, step counts, parsing errors. */
class ScheduleTest {
    private static final double[] MUON = {3.4445, -4.7750, 2.0315};
    private static final double[][] PE = {
        {8.156554524902461, -22.48329292557795, 15.878769915207462},
        {4.042929935166739, -2.808917465908714, 0.5000178451051316},
        {3.8916678022926607, -2.772484153217685, 0.5060648178503393},
        {3.285753657755655, -2.3681294933425376, 0.46449024233003106},
        {2.3465413258596377, -1.7097828382687081, 0.42323551169305323}};

    @Test
    void muonTable() {
        Schedule.Coefficients c = Schedule.muon().resolve(768, 3072);
        assertEquals(5, c.steps());
        for (double[] t : c.triples()) {
            assertArrayEquals(MUON, t);
        }
        assertEquals(1.0, c.scale());
        assertEquals(1e-7, c.eps());
    }

    @Test
    void polarExpressTable() {
        Schedule.Coefficients c = Schedule.polarExpress().resolve(5, 3);
        assertArrayEquals(PE, c.triples());
        assertEquals(1.02, c.scale());
        assertEquals(1e-6, c.eps());
    }

    @Test
    void rootTableAndFallback() {
        double[][] shapes = {{2048, 2048, 3.4916, -4.8224, 2.1095}, {2048, 3072, 3.4509, -4.5790, 1.9325},
            {2048, 8192, 2.9794, -3.6674, 1.6207}, {2048, 16384, 3.1943, -3.8221, 1.5322}};
        for (double[] s : shapes) {
            for (Schedule.Coefficients c : new Schedule.Coefficients[]{Schedule.root().resolve((int) s[0], (int) s[1]),
                Schedule.root().resolve((int) s[1], (int) s[0])}) {
                assertEquals(5, c.steps());
                for (double[] t : c.triples()) {
                    assertArrayEquals(new double[]{s[2], s[3], s[4]}, t);
                }
                assertEquals(1.0, c.scale());
            }
        }
        Schedule.Coefficients other = Schedule.root().resolve(1024, 4096);
        assertEquals(5, other.steps());
        for (double[] t : other.triples()) {
            assertArrayEquals(MUON, t);
        }
        assertTrue(other.source().contains("fallback"), other.source());
        assertEquals(4, Schedule.root().shapes().size());
    }

    @Test
    void autoFallsBackToPolarExpress() {
        assertArrayEquals(PE, Schedule.auto().resolve(100, 37).triples());
    }

    @Test
    void withStepsTakesPrefixOrRepeatsLast() {
        assertArrayEquals(new double[][]{PE[0], PE[1]}, Schedule.polarExpress().withSteps(2).resolve(4, 4).triples());
        double[][] seven = Schedule.polarExpress().withSteps(7).resolve(4, 4).triples();
        assertEquals(7, seven.length);
        assertArrayEquals(PE[4], seven[5]);
        assertArrayEquals(PE[4], seven[6]);
        assertArrayEquals(PE[3], seven[3]);
        assertEquals(3, Schedule.root().withSteps(3).resolve(2048, 2048).steps());
        assertEquals(9, Schedule.root().withSteps(9).resolve(10, 20).steps()); // through the fallback
        assertThrows(IllegalArgumentException.class, () -> Schedule.muon().withSteps(0));
        assertThrows(IllegalArgumentException.class, () -> Schedule.muon().withSteps(101));
    }

    @Test
    void byName() {
        assertEquals(Schedule.muon(), Schedule.byName(" MUON "));
        assertEquals(Schedule.polarExpress(), Schedule.byName("polar_express"));
        assertEquals(Schedule.polarExpress(), Schedule.byName("PolarExpress"));
        assertEquals(Schedule.root(), Schedule.byName("root"));
        assertEquals(Schedule.auto(), Schedule.byName("auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.byName("newton"));
        assertTrue(e.getMessage().contains("newton"));
    }

    @Test
    void composeIsTheComposedPolynomial() {
        Schedule.Coefficients c = Schedule.muon().withSteps(2).resolve(3, 3);
        double x = 0.3;
        double p1 = 3.4445 * x - 4.7750 * x * x * x + 2.0315 * Math.pow(x, 5);
        double p2 = 3.4445 * p1 - 4.7750 * p1 * p1 * p1 + 2.0315 * Math.pow(p1, 5);
        assertEquals(p2, c.compose(x), 1e-12);
    }

    @Test
    void ofValidates() {
        double[][] ok = {{1, 2, 3}};
        Schedule s = Schedule.of("mine", ok, 1.5, 0, "here");
        assertArrayEquals(ok, s.resolve(2, 9).triples());
        assertEquals(1.5, s.resolve(2, 9).scale());
        assertEquals("here", s.provenance());
        assertThrows(IllegalArgumentException.class, () -> Schedule.of("x", new double[0][], 1, 0, null));
        assertThrows(IllegalArgumentException.class, () -> Schedule.of("x", new double[][]{{1, 2}}, 1, 0, null));
        assertThrows(IllegalArgumentException.class, () -> Schedule.of("x", new double[][]{{1, 2, Double.NaN}}, 1, 0, null));
        assertThrows(IllegalArgumentException.class, () -> Schedule.of("x", new double[][]{{1, Double.POSITIVE_INFINITY, 2}}, 1, 0, null));
        assertThrows(IllegalArgumentException.class, () -> Schedule.of("x", ok, 0, 0, null));
        assertThrows(IllegalArgumentException.class, () -> Schedule.of("x", ok, Double.NaN, 0, null));
        assertThrows(IllegalArgumentException.class, () -> Schedule.of("x", ok, 1, -1e-9, null));
        assertThrows(IllegalArgumentException.class, () -> Schedule.of("x", ok, 1, Double.POSITIVE_INFINITY, null));
        assertThrows(IllegalArgumentException.class, () -> s.resolve(0, 3));
        // the caller's array is copied
        ok[0][0] = 99;
        assertEquals(1, s.resolve(2, 2).a(0));
    }

    private static Schedule parse(String text) {
        return Schedule.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "test.tsv");
    }

    @Test
    void parseTable() {
        Schedule s = parse("# c\n@name t\n@scale 1.5\n@eps 0.25\n@provenance p1\n@provenance p2\n"
                + "* * * 1 2 3\n4 8 1 5 6 7\n8 4 2 8 9 10\n");
        assertEquals("t", s.name());
        assertEquals("p1 p2", s.provenance());
        assertEquals(5, s.resolve(3, 3).steps());
        assertArrayEquals(new double[][]{{5, 6, 7}, {8, 9, 10}}, s.resolve(8, 4).triples());
        assertEquals(1.5, s.resolve(8, 4).scale());
        assertEquals(0.25, s.resolve(8, 4).eps());
        Schedule fb = parse("@fallback muon\n16 32 * 1 1 1\n");
        assertArrayEquals(MUON, fb.resolve(3, 3).triples()[0]);
    }

    @Test
    void parseErrors() {
        String[] bad = {
            "* * * 1 2\n",                      // five fields
            "* * * 1 2 3 4\n",                  // seven fields
            "* * * 1 x 3\n",                    // not a number
            "* * * 1 NaN 3\n",                  // non-finite
            "* * * 1 Infinity 3\n",
            "* * 2 1 2 3\n",                    // steps must start at 1
            "* * 1 1 2 3\n* * 3 1 2 3\n",       // and be consecutive
            "* * * 1 2 3\n* * 1 1 2 3\n",       // '*' mixed with numbered steps
            "@bogus 1\n* * * 1 2 3\n",          // unknown key
            "4 8 1 1 2 3\n",                    // neither '* *' row nor fallback
            "@fallback nope\n4 8 1 1 2 3\n",    // unknown fallback
        };
        for (String b : bad) {
            assertThrows(IllegalArgumentException.class, () -> parse(b), b);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("# x\n\n* * * 1 2\n"));
        assertTrue(e.getMessage().contains("test.tsv:3"), e.getMessage());
    }

    // Found by fuzzing (ScheduleFuzzProperties): a table could set what Schedule.of refuses — a scale that is not
    // positive and finite, an eps that is negative or not finite, shapes of 0 or fewer rows — and parse returned
    // a schedule that normalised by it.
    @Test
    void parseRefusesWhatOfRefuses() {
        String[] bad = {
            "@scale 0\n* * * 1 2 3\n", "@scale -1\n* * * 1 2 3\n", "@scale NaN\n* * * 1 2 3\n", "@scale Infinity\n* * * 1 2 3\n",
            "@eps -1e-9\n* * * 1 2 3\n", "@eps NaN\n* * * 1 2 3\n", "@eps Infinity\n* * * 1 2 3\n",
            "* * * 1 2 3\n0 5 1 1 2 3\n", "* * * 1 2 3\n-4 8 * 1 2 3\n",
        };
        for (String b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(b), b);
            assertTrue(e.getMessage().startsWith("test.tsv:"), e.getMessage());
        }
        assertEquals(0.0, parse("@eps 0\n* * * 1 2 3\n").resolve(2, 2).eps());
    }

    // Found by fuzzing: a number that did not parse escaped as NumberFormatException's bare 'For input string: "x"',
    // and an unknown fallback as Schedule.byName's message, neither naming the table or the line.
    @Test
    void parseErrorsNameTheTableAndTheLine() {
        String[][] cases = {
            {"# c\n* * * 1 x 3\n", "test.tsv:2: coefficient: 'x' is not a number"},
            {"@scale one\n* * * 1 2 3\n", "test.tsv:1: @scale: 'one' is not a number"},
            {"* * * 1 2 3\n4 y 1 1 2 3\n", "test.tsv:2: MAX: 'y' is not an integer"},
            {"* * * 1 2 3\n4 8 z 1 2 3\n", "test.tsv:2: STEP: 'z' is not an integer"},
            {"@fallback nope\n4 8 1 1 2 3\n", "test.tsv:1: @fallback: unknown schedule 'nope'"},
            {"* * * 1 1e999 3\n", "test.tsv:1: coefficient 1e999 is not finite"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(c[0]), c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
        }
    }

    @Test
    void parseTakesATabAfterADirective() {
        Schedule s = parse("@scale\t1.5\n@eps\t 0.5\n* * *\t1\t2\t3\n");
        assertEquals(1.5, s.resolve(3, 3).scale());
        assertEquals(0.5, s.resolve(3, 3).eps());
    }
}
