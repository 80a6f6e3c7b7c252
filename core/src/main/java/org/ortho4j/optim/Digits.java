package org.ortho4j.optim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The UCI optical handwritten digits (1797 images of 8×8 pixel counts 0..16, ten classes; Alpaydin &amp; Kaynak
 * 1998, CC BY 4.0), shipped as the resource {@code data/digits.csv.gz} with its notice {@code DIGITS-NOTICE.txt}.
 * Pixels are scaled to {@code [0, 1]}.
 */
public final class Digits {
    /** Features per image: the 8×8 pixels. */
    public static final int FEATURES = 64;
    /** Classes: the digits 0..9. */
    public static final int CLASSES = 10;

    /** {@code n × 64} features, row-major, and {@code n} labels. */
    public static final class Split {
        /** The features, {@code n × 64} row-major, scaled to {@code [0, 1]}. */
        public final float[] x;
        /** The labels, 0..9. */
        public final int[] y;
        /** The number of samples. */
        public final int n;

        Split(float[] x, int[] y) {
            this.x = x;
            this.y = y;
            this.n = y.length;
        }
    }

    /** The training samples. */
    public final Split train;
    /** The held-out samples. */
    public final Split validation;

    private Digits(Split train, Split validation) {
        this.train = train;
        this.validation = validation;
    }

    /**
     * All 1797 samples, shuffled with {@code splitSeed}, the last {@code validationFraction} held out.
     *
     * @param splitSeed          seed of the shuffle
     * @param validationFraction fraction of the samples held out, in {@code [0, 1]}
     * @return the two splits
     */
    public static Digits load(long splitSeed, double validationFraction) {
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (InputStream raw = Digits.class.getResourceAsStream("data/digits.csv.gz")) {
            if (raw == null) {
                throw new IllegalStateException("missing resource org/ortho4j/optim/data/digits.csv.gz");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",");
                if (f.length != FEATURES + 1) {
                    throw new IllegalStateException("digits.csv.gz: expected 65 fields, got " + f.length);
                }
                float[] v = new float[FEATURES];
                for (int j = 0; j < FEATURES; j++) {
                    v[j] = Float.parseFloat(f[j]) / 16f;
                }
                rows.add(v);
                labels.add((int) Float.parseFloat(f[FEATURES]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading digits.csv.gz", e);
        }
        int n = rows.size();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random rnd = new Random(splitSeed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int nVal = (int) Math.round(n * validationFraction);
        int nTrain = n - nVal;
        return new Digits(take(rows, labels, perm, 0, nTrain), take(rows, labels, perm, nTrain, n));
    }

    private static Split take(List<float[]> rows, List<Integer> labels, int[] perm, int from, int to) {
        float[] x = new float[(to - from) * FEATURES];
        int[] y = new int[to - from];
        for (int i = from; i < to; i++) {
            System.arraycopy(rows.get(perm[i]), 0, x, (i - from) * FEATURES, FEATURES);
            y[i - from] = labels.get(perm[i]);
        }
        return new Split(x, y);
    }
}
