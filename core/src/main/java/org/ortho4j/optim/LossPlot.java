package org.ortho4j.optim;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A PNG loss-curve plot drawn with java.awt (headless): one colour per optimizer, train solid, validation dashed,
 * log-scale loss; where a series carries standard deviations (several seeds), a shaded band of ±1 sd around each
 * mean curve.
 */
public final class LossPlot {
    private LossPlot() {
    }

    /**
     * One optimizer's curves: {@code steps[i]}, {@code train[i]}, {@code validation[i]} (means over seeds), with
     * their standard deviations over the seeds, or {@code null} for a single run.
     *
     * @param name         the optimizer's name, shown in the legend
     * @param steps        the steps at which the losses were measured
     * @param train        the training loss at each step
     * @param validation   the validation loss at each step
     * @param trainSd      the training loss's standard deviation over seeds at each step, or {@code null}
     * @param validationSd the validation loss's standard deviation over seeds at each step, or {@code null}
     */
    public record Series(String name, int[] steps, double[] train, double[] validation, double[] trainSd,
                         double[] validationSd) {
        /**
         * A single run's curves (no bands).
         *
         * @param name       the optimizer's name
         * @param steps      the steps at which the losses were measured
         * @param train      the training loss at each step
         * @param validation the validation loss at each step
         */
        public Series(String name, int[] steps, double[] train, double[] validation) {
            this(name, steps, train, validation, null, null);
        }
    }

    private static final Color[] COLORS = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
        new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127)};

    /**
     * Writes the plot as PNG to {@code out}.
     *
     * @param out    where the PNG goes (not closed)
     * @param title  the plot's title
     * @param series the curves, one per optimizer
     * @throws IOException when writing to {@code out} fails
     */
    public static void write(java.io.OutputStream out, String title, List<Series> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 900, h = 560, left = 80, right = 190, top = 50, bottom = 60;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        int maxStep = 1;
        for (Series s : series) {
            for (int i = 0; i < s.steps().length; i++) {
                for (double v : new double[]{s.train()[i], s.validation()[i]}) {
                    if (v > 0 && Double.isFinite(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
                maxStep = Math.max(maxStep, s.steps()[i]);
            }
        }
        if (!(lo < hi)) {
            lo = 0.01;
            hi = 10;
        }
        double l0 = Math.floor(Math.log10(lo) * 4) / 4, l1 = Math.ceil(Math.log10(hi) * 4) / 4;
        if (l1 <= l0) {
            l1 = l0 + 0.25;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int pw = w - left - right, ph = h - top - bottom;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        // grid and axes
        for (double d = Math.floor(l0) + 1; d <= Math.floor(l1) + 1 + 1e-9; d += 1) {
            for (int m = 1; m <= 9; m++) {
                double lv = d + Math.log10(m) - 1;
                if (lv < l0 - 1e-9 || lv > l1 + 1e-9) {
                    continue;
                }
                int y = top + (int) Math.round(ph * (l1 - lv) / (l1 - l0));
                g.setColor(m == 1 ? new Color(200, 200, 200) : new Color(235, 235, 235));
                g.drawLine(left, y, left + pw, y);
                if (m == 1 || m == 2 || m == 5) {
                    g.setColor(Color.DARK_GRAY);
                    g.drawString(String.format(Locale.ROOT, "%.3g", Math.pow(10, lv)), 10, y + 4);
                }
            }
        }
        int xticks = 5;
        for (int t = 0; t <= xticks; t++) {
            int step = (int) Math.round((double) maxStep * t / xticks);
            int x = left + (int) Math.round((double) pw * step / maxStep);
            g.setColor(new Color(235, 235, 235));
            g.drawLine(x, top, x, top + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawString(Integer.toString(step), x - 10, top + ph + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        g.drawString("step", left + pw / 2 - 10, h - 20);
        g.drawString("loss (log scale)", 10, top - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        BasicStroke solid = new BasicStroke(2f);
        BasicStroke dashed = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[]{7f, 5f}, 0f);
        java.awt.Shape clip = g.getClip();
        g.setClip(left, top, pw, ph);
        for (int k = 0; k < series.size(); k++) {                      // bands first, under every line
            Series s = series.get(k);
            Color c = COLORS[k % COLORS.length];
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 40));
            for (int pass = 0; pass < 2; pass++) {
                double[] v = pass == 0 ? s.train() : s.validation();
                double[] sd = pass == 0 ? s.trainSd() : s.validationSd();
                if (sd == null) {
                    continue;
                }
                java.awt.geom.Path2D.Double band = new java.awt.geom.Path2D.Double();
                int n = s.steps().length;
                boolean started = false;
                for (int i = 0; i < n; i++) {
                    double hiV = v[i] + sd[i];
                    if (!(hiV > 0) || !Double.isFinite(hiV)) {
                        continue;
                    }
                    double x = left + (double) pw * s.steps()[i] / maxStep;
                    double y = top + ph * (l1 - Math.min(l1, Math.max(l0, Math.log10(hiV)))) / (l1 - l0);
                    if (!started) {
                        band.moveTo(x, y);
                        started = true;
                    } else {
                        band.lineTo(x, y);
                    }
                }
                for (int i = n - 1; i >= 0 && started; i--) {
                    double loV = Math.max(v[i] - sd[i], Math.pow(10, l0));
                    if (!Double.isFinite(loV) || !(v[i] + sd[i] > 0)) {
                        continue;
                    }
                    double x = left + (double) pw * s.steps()[i] / maxStep;
                    double y = top + ph * (l1 - Math.min(l1, Math.max(l0, Math.log10(loV)))) / (l1 - l0);
                    band.lineTo(x, y);
                }
                if (started) {
                    band.closePath();
                    g.fill(band);
                }
            }
        }
        g.setClip(clip);
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            Color c = COLORS[k % COLORS.length];
            g.setColor(c);
            for (int pass = 0; pass < 2; pass++) {
                double[] v = pass == 0 ? s.train() : s.validation();
                g.setStroke(pass == 0 ? solid : dashed);
                int px = -1, py = -1;
                for (int i = 0; i < s.steps().length; i++) {
                    if (!(v[i] > 0) || !Double.isFinite(v[i])) {
                        px = -1;
                        continue;
                    }
                    int x = left + (int) Math.round((double) pw * s.steps()[i] / maxStep);
                    double lv = Math.min(l1, Math.max(l0, Math.log10(v[i])));
                    int y = top + (int) Math.round(ph * (l1 - lv) / (l1 - l0));
                    if (px >= 0) {
                        g.drawLine(px, py, x, y);
                    }
                    px = x;
                    py = y;
                }
            }
            int ly = top + 20 + k * 22;
            g.setStroke(solid);
            g.drawLine(left + pw + 15, ly, left + pw + 40, ly);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), left + pw + 48, ly + 4);
        }
        int ly = top + 30 + series.size() * 22;
        g.setColor(Color.DARK_GRAY);
        g.setStroke(solid);
        g.drawLine(left + pw + 15, ly, left + pw + 40, ly);
        g.drawString("train", left + pw + 48, ly + 4);
        g.setStroke(dashed);
        g.drawLine(left + pw + 15, ly + 20, left + pw + 40, ly + 20);
        g.drawString("validation", left + pw + 48, ly + 24);
        g.dispose();
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer available");
        }
    }
}
