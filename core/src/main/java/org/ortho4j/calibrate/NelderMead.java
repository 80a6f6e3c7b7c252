package org.ortho4j.calibrate;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;

/**
 * Nelder–Mead simplex minimisation (standard coefficients: reflection 1, expansion 2, contraction ½, shrink ½),
 * deterministic: the initial simplex is {@code x0 + step_i e_i}.
 */
final class NelderMead {
    private NelderMead() {
    }

    /** Minimises {@code f} from {@code x0} with per-coordinate initial steps; returns the best point. */
    static double[] minimise(ToDoubleFunction<double[]> f, double[] x0, double[] step, int maxEvals, double tol) {
        int n = x0.length;
        double[][] p = new double[n + 1][];
        double[] fv = new double[n + 1];
        p[0] = x0.clone();
        fv[0] = f.applyAsDouble(p[0]);
        for (int i = 0; i < n; i++) {
            p[i + 1] = x0.clone();
            p[i + 1][i] += step[i];
            fv[i + 1] = f.applyAsDouble(p[i + 1]);
        }
        int evals = n + 1;
        Integer[] idx = new Integer[n + 1];
        double[] c = new double[n];
        while (evals < maxEvals) {
            for (int i = 0; i <= n; i++) {
                idx[i] = i;
            }
            final double[] fvv = fv;
            Arrays.sort(idx, (u, v) -> Double.compare(fvv[u], fvv[v]));
            double[][] q = new double[n + 1][];
            double[] fq = new double[n + 1];
            for (int i = 0; i <= n; i++) {
                q[i] = p[idx[i]];
                fq[i] = fv[idx[i]];
            }
            p = q;
            fv = fq;
            if (Math.abs(fv[n] - fv[0]) <= tol * (Math.abs(fv[0]) + 1e-12)) {
                break;
            }
            Arrays.fill(c, 0);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    c[j] += p[i][j] / n;
                }
            }
            double[] xr = lerp(c, p[n], -1);
            double fr = f.applyAsDouble(xr);
            evals++;
            if (fr < fv[0]) {
                double[] xe = lerp(c, p[n], -2);
                double fe = f.applyAsDouble(xe);
                evals++;
                if (fe < fr) {
                    p[n] = xe;
                    fv[n] = fe;
                } else {
                    p[n] = xr;
                    fv[n] = fr;
                }
            } else if (fr < fv[n - 1]) {
                p[n] = xr;
                fv[n] = fr;
            } else {
                boolean outside = fr < fv[n];
                double[] xc = outside ? lerp(c, p[n], -0.5) : lerp(c, p[n], 0.5);
                double fc = f.applyAsDouble(xc);
                evals++;
                if (fc < Math.min(fr, fv[n])) {
                    p[n] = xc;
                    fv[n] = fc;
                } else {
                    for (int i = 1; i <= n; i++) {
                        p[i] = lerp(p[0], p[i], 0.5);
                        fv[i] = f.applyAsDouble(p[i]);
                    }
                    evals += n;
                }
            }
        }
        int best = 0;
        for (int i = 1; i <= n; i++) {
            if (fv[i] < fv[best]) {
                best = i;
            }
        }
        return p[best];
    }

    /** {@code c + t (x − c)}. */
    private static double[] lerp(double[] c, double[] x, double t) {
        double[] r = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            r[i] = c[i] + t * (x[i] - c[i]);
        }
        return r;
    }
}
