package org.ortho4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.testing.BackendContract;
import org.ortho4j.testing.TestMatrices;

/**
 * Each optimizer against its public reference code. The reference's update rule is written out below, independently
 * of the classes under test (none of their helpers, schedules or LMOs is called: constants are the references'
 * literals), each rule citing the file and commit it transcribes:
 * <ul>
 * <li>{@value #MUON_REF} ({@code muon_update}, {@code zeropower_via_newtonschulz5}, {@code adam_update},
 *     {@code SingleDeviceMuonWithAuxAdam.step});</li>
 * <li>{@value #SCION_REF} ({@code Scion.step}, {@code Spectral}, {@code ColNorm}, {@code RowNorm}, {@code Sign},
 *     {@code BiasRMS}, {@code zeropower_via_newtonschulz5}, {@code zeroth_power_via_svd}); Pethick et al. 2025,
 *     arXiv 2502.07529;</li>
 * <li>{@value #ROOT_REF} ({@code ROOT.step}, {@code root5}, {@code simple_quantile}); He et al. 2025,
 *     arXiv 2511.20626;</li>
 * <li>{@value #TORCH_ADAMW_REF} (the algorithm of its docstring; Loshchilov &amp; Hutter, arXiv 1711.05101).</li>
 * </ul>
 * Each test runs {@link #STEPS} steps on seeded Gaussian gradients over parameters of awkward shapes (wide 12×40,
 * tall 40×12, square 17×17, a batch of three 9×14, a 1×23 bias, and per optimizer heads, embeddings and their
 * biases) and compares the whole trajectory: after every step, for every parameter,
 * {@code ‖W_t − R_t‖_F / ‖R_t − R_{t−1}‖_F}, the distance from the reference's parameters in units of the reference's
 * own update of that step. The reference runs in float64 and stores its parameters in float32 after each step, as
 * torch does with fp32 parameters; so does the optimizer, which puts a floor of about {@code 2⁻²⁴·|W|/|ΔW|} under
 * the comparison: the weights are initialised small enough (≈ 0.01–0.02) that each step moves them by several
 * percent and the floor stays near 1e-6.
 *
 * <p>Every run must agree to {@link #TOL} = 1e-5 of the update. fp32 runs are compared with the reference in
 * float64. bf16 runs are compared with the reference whose Newton–Schulz is ortho4j's bf16 emulation (the CPU
 * backend's {@link Precision#BF16}): the operands {@code CpuNewtonSchulz} documents rounded to bf16, and the products
 * summed in float32 in the documented order ({@link #zeropowerBf16}, which says why float64 sums cannot be used).
 * For the same reason the bf16 runs feed NS bit-identical inputs: the momentum that would otherwise differ by a
 * float32 ulp between the two sides is switched off (Muon's β = 0, SCION's momentum 1.0 — the reference's default —,
 * ROOT's μ = 0); the momentum rules themselves are pinned by the fp32 runs, which share every line of the
 * optimizers' code but the precision. Each bf16 test also checks that the default-momentum bf16 run is at least
 * {@link #BF16_VS_FP32_MIN} of the update away from the fp32 reference, so a run that ignored the precision fails.
 */
public abstract class ReferenceConformanceContract extends BackendContract {

    static final String MUON_REF = "KellerJordan/Muon muon.py @ 00ba60d3a0d188993831f86e4d62597bb0e9b21c";
    static final String SCION_REF = "LIONS-EPFL/scion scion.py @ a86f93e67d052068cc83f769ad0b833c867280fc";
    static final String ROOT_REF = "huawei-noah/noah-research ROOT/examples/example_train.py @ aea3c60d37f8c578f3b5e2594b3bd0cfb8755578";
    static final String TORCH_ADAMW_REF = "pytorch/pytorch torch/optim/adamw.py @ 002d2f0bb40cf08beb74bce80f52ce4f2eda46a0";

    /** Steps per trajectory. */
    static final int STEPS = 4;
    /** The trajectory within this fraction of each step's update (fp32, and bf16 against the bf16 emulation). */
    static final double TOL = 1e-5;
    /** What a bf16 run must differ from the fp32 reference by at least (it did use bf16): measured 5–8e-2. */
    static final double BF16_VS_FP32_MIN = 5e-3;

    // ================================================================ the references' update rules

    /** Muon's quintic coefficients and normalisation, {@code zeropower_via_newtonschulz5} ({@value #MUON_REF}). */
    static final double[] MUON_ABC = {3.4445, -4.7750, 2.0315};

    /** ROOT's {@code COEFF_MAP_CANONICAL} in {@code root5} ({@value #ROOT_REF}), keyed (min(m,n), max(m,n)). */
    static final Map<String, double[]> ROOT_COEFF = Map.of(
            "2048x2048", new double[]{3.4916, -4.8224, 2.1095},
            "2048x16384", new double[]{3.1943, -3.8221, 1.5322},
            "2048x3072", new double[]{3.4509, -4.5790, 1.9325},
            "2048x8192", new double[]{2.9794, -3.6674, 1.6207});

    /**
     * {@code zeropower_via_newtonschulz5} ({@value #MUON_REF}; {@code root5} of {@value #ROOT_REF} is the same with
     * its coefficients) of the {@code rows × cols} matrix at {@code g[off..]}:
     * <pre>
     * X = G;  if rows > cols: X = Xᵀ
     * X = X / (‖X‖_F + 1e-7)
     * 5 times:  A = X @ X.T;  B = b·A + c·A @ A;  X = a·X + B @ X
     * if rows > cols: X = Xᵀ
     * </pre>
     * in float64, or with {@code bf16} the same iteration as ortho4j's bf16 emulation computes it
     * ({@link #zeropowerBf16}).
     */
    static double[] zeropower(double[] g, int off, int rows, int cols, double[] abc, boolean bf16) {
        if (bf16) {
            return zeropowerBf16(g, off, rows, cols, abc);
        }
        boolean tall = rows > cols;
        int m = Math.min(rows, cols);
        int n = Math.max(rows, cols);
        double[][] x = new double[m][n];
        double ss = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = g[off + i * cols + j];
                ss += v * v;
                if (tall) {
                    x[j][i] = v;
                } else {
                    x[i][j] = v;
                }
            }
        }
        double den = Math.sqrt(ss) + 1e-7;                            // X.norm() + 1e-7
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] /= den;
            }
        }
        double a = abc[0], b = abc[1], c = abc[2];
        for (int step = 0; step < 5; step++) {
            double[][] am = new double[m][m];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        s += x[i][j] * x[k][j];
                    }
                    am[i][k] = s;                                     // A = X @ X.T
                }
            }
            double[][] bm = new double[m][m];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    double s = 0;
                    for (int p = 0; p < m; p++) {
                        s += am[i][p] * am[p][k];
                    }
                    bm[i][k] = b * am[i][k] + c * s;                  // B = b * A + c * A @ A
                }
            }
            double[][] xn = new double[m][n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < m; p++) {
                        s += bm[i][p] * x[p][j];
                    }
                    xn[i][j] = a * x[i][j] + s;                       // X = a * X + B @ X
                }
            }
            x = xn;
        }
        return unorient(x, rows, cols);
    }

    /**
     * The same iteration as ortho4j's bf16 emulation computes it, written from its documentation (the class comments
     * of {@code CpuNewtonSchulz} and {@code CpuMatmul}), in float32: {@code X = (float)(1/(‖G‖_F + 1e-7))·G}
     * ({@code ‖G‖_F} in float64); the coefficients cast to float; per step, with {@code ρ} rounding to bf16 (8
     * significant bits, half to even):
     * <pre>
     * Xr = ρ(X);  A[i][k] = Σ_p Xr[i][p]·Xr[k][p]                     (k ≥ i, mirrored)
     * Ar = ρ(A);  B[i][k] = b·A[i][k] + Σ_p (c·Ar[i][p])·Ar[p][k]      (k ≥ i, mirrored)
     * Br = ρ(B);  X[i][j] = a·X[i][j] + Σ_p Br[i][p]·Xr[p][j]
     * </pre>
     * each sum started from its first term's prologue ({@code 0}, {@code b·A}, {@code a·X}) and accumulated with p
     * increasing as {@code CpuMatmul} does: one {@code fma} per term where the JVM uses FMA, else in groups of four,
     * {@code s + (((t₀ + t₁) + t₂) + t₃)}, then single terms.
     *
     * <p>Why not float64 sums, as the fp32 reference: bf16 rounding makes the iteration discontinuous in its operands.
     * An entry of A within float32 summation error of a bf16 rounding boundary rounds one way here and the other way
     * there, the operand moves by a bf16 ulp, and the following steps amplify it: a float64-summing bf16 reference
     * lands 1–2% away from the emulation at 64×64 (as far as bf16 is from fp32), which says nothing about the
     * optimizer. With the same sums and the same input the two agree to float32 rounding of the update.
     */
    static double[] zeropowerBf16(double[] g, int off, int rows, int cols, double[] abc) {
        boolean tall = rows > cols;
        int m = Math.min(rows, cols);
        int n = Math.max(rows, cols);
        double ss = 0;
        for (int i = 0; i < rows * cols; i++) {
            float v = (float) g[off + i];
            ss += (double) v * v;
        }
        float inv = (float) (1.0 / (Math.sqrt(ss) + 1e-7));
        float[][] x = new float[m][n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float v = inv * (float) g[off + i * cols + j];
                if (tall) {
                    x[j][i] = v;
                } else {
                    x[i][j] = v;
                }
            }
        }
        float a = (float) abc[0], b = (float) abc[1], c = (float) abc[2];
        float[] left = new float[Math.max(m, n)];
        float[] right = new float[Math.max(m, n)];
        for (int step = 0; step < 5; step++) {
            float[][] xr = bf16(x);
            float[][] am = new float[m][m];
            for (int i = 0; i < m; i++) {
                for (int k = i; k < m; k++) {
                    for (int p = 0; p < n; p++) {
                        left[p] = xr[i][p];
                        right[p] = xr[k][p];
                    }
                    am[i][k] = am[k][i] = sum(0f, 1f, left, right, n);    // A = Xr·Xrᵀ
                }
            }
            float[][] ar = bf16(am);
            float[][] bm = new float[m][m];
            for (int i = 0; i < m; i++) {
                for (int k = i; k < m; k++) {
                    for (int p = 0; p < m; p++) {
                        left[p] = ar[i][p];
                        right[p] = ar[p][k];
                    }
                    bm[i][k] = bm[k][i] = sum(b * am[i][k], c, left, right, m);   // B = b·A + c·Ar·Ar
                }
            }
            float[][] br = bf16(bm);
            float[][] xn = new float[m][n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    for (int p = 0; p < m; p++) {
                        left[p] = br[i][p];
                        right[p] = xr[p][j];
                    }
                    xn[i][j] = sum(a * x[i][j], 1f, left, right, m);       // X = a·X + Br·Xr
                }
            }
            x = xn;
        }
        double[][] xd = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                xd[i][j] = x[i][j];
            }
        }
        return unorient(xd, rows, cols);
    }

    /** Whether the CPU backend's products use {@code fma} ({@code CpuMatmul}: HotSpot's UseFMA, or -Dortho4j.fma). */
    static final boolean FMA = detectFma();

    private static boolean detectFma() {
        String forced = System.getProperty("ortho4j.fma");
        if (forced != null) {
            return Boolean.parseBoolean(forced);
        }
        try {
            com.sun.management.HotSpotDiagnosticMXBean bean = java.lang.management.ManagementFactory
                    .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean != null && Boolean.parseBoolean(bean.getVMOption("UseFMA").getValue());
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** {@code s₀ + Σ_{p<k} (alpha·left[p])·right[p]} in float32, accumulated as described at {@link #zeropowerBf16}. */
    static float sum(float s0, float alpha, float[] left, float[] right, int k) {
        float s = s0;
        int p = 0;
        if (FMA) {
            for (; p < k; p++) {
                s = Math.fma(alpha * left[p], right[p], s);
            }
            return s;
        }
        for (; p + 3 < k; p += 4) {
            s += (alpha * left[p]) * right[p] + (alpha * left[p + 1]) * right[p + 1]
                    + (alpha * left[p + 2]) * right[p + 2] + (alpha * left[p + 3]) * right[p + 3];
        }
        for (; p < k; p++) {
            s += (alpha * left[p]) * right[p];
        }
        return s;
    }

    /** Each entry rounded to bf16 (8 significant bits), half to even. */
    static float[][] bf16(float[][] a) {
        float[][] r = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            r[i] = new float[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                double v = a[i][j];
                if (v != 0) {
                    int e = Math.getExponent(v);
                    v = Math.scalb(Math.rint(Math.scalb(v, 7 - e)), e - 7);
                }
                r[i][j] = (float) v;
            }
        }
        return r;
    }

    /** The {@code m × n} wide iterate back in the input's orientation, row-major {@code rows × cols}. */
    static double[] unorient(double[][] x, int rows, int cols) {
        boolean tall = rows > cols;
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = tall ? x[j][i] : x[i][j];
            }
        }
        return out;
    }

    /** {@code zeroth_power_via_svd} ({@value #SCION_REF}): {@code U Vᵀ} of the thin SVD, in float64 (EJML). */
    static double[] polar(double[] g, int off, int rows, int cols) {
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        System.arraycopy(g, off, a.data, 0, rows * cols);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, cols, true, true, true);
        assertTrue(svd.decompose(a), "SVD failed");
        DMatrixRMaj q = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.multTransB(svd.getU(null, false), svd.getV(null, false), q);
        return q.data;
    }

    /** One parameter as the reference holds it: float32 values (as torch's fp32 parameters), state in float64. */
    static final class P {
        final int batch;
        final int rows;
        final int cols;
        final double[] w;
        final Map<String, double[]> state = new HashMap<>();
        int step;

        P(float[] w0, int batch, int rows, int cols) {
            this.batch = batch;
            this.rows = rows;
            this.cols = cols;
            this.w = new double[w0.length];
            for (int i = 0; i < w0.length; i++) {
                w[i] = w0[i];
            }
        }

        double[] state(String k) {
            return state.computeIfAbsent(k, x -> new double[w.length]);
        }

        int size() {
            return rows * cols;
        }

        /** {@code p.data = new}: stored as float32. */
        void set(int i, double v) {
            w[i] = (float) v;
        }
    }

    /**
     * Muon's matrix step ({@value #MUON_REF}): {@code muon_update(grad, momentum_buffer, beta)} then
     * {@code p.mul_(1 − lr·weight_decay); p.add_(update, alpha=−lr)}:
     * <pre>
     * momentum.lerp_(grad, 1 − beta)
     * update = grad.lerp_(momentum, beta) if nesterov else momentum
     * update = zeropower_via_newtonschulz5(update, steps=5)      # bf16 in the reference
     * update *= max(1, grad.size(−2) / grad.size(−1)) ** 0.5
     * </pre>
     */
    static void muonStep(P p, float[] g, double lr, double beta, boolean nesterov, double wd, boolean bf16) {
        double[] buf = p.state("momentum_buffer");
        double[] u = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            buf[i] += (1 - beta) * (g[i] - buf[i]);                   // momentum.lerp_(grad, 1 − beta)
            u[i] = nesterov ? g[i] + beta * (buf[i] - g[i]) : buf[i]; // grad.lerp_(momentum, beta)
        }
        double scale = Math.sqrt(Math.max(1, (double) p.rows / p.cols));
        for (int k = 0; k < p.batch; k++) {
            int off = k * p.size();
            double[] x = zeropower(u, off, p.rows, p.cols, MUON_ABC, bf16);
            for (int i = 0; i < p.size(); i++) {
                p.set(off + i, p.w[off + i] * (1 - lr * wd) - lr * scale * x[i]);
            }
        }
    }

    /**
     * Adam as Muon's {@code adam_update} and the {@code use_muon=False} step ({@value #MUON_REF}) and
     * torch.optim.AdamW's algorithm ({@value #TORCH_ADAMW_REF}) both write it, eps added to the bias-corrected
     * {@code √v̂}:
     * <pre>
     * θ ← θ − lr·wd·θ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ)
     * θ ← θ − lr·m̂/(√v̂ + eps)
     * </pre>
     */
    static void adamStep(P p, float[] g, double lr, double beta1, double beta2, double eps, double wd) {
        p.step++;
        double[] m = p.state("exp_avg");
        double[] v = p.state("exp_avg_sq");
        double bc1 = 1 - Math.pow(beta1, p.step);
        double bc2 = 1 - Math.pow(beta2, p.step);
        for (int i = 0; i < g.length; i++) {
            m[i] += (1 - beta1) * (g[i] - m[i]);                       // buf1.lerp_(grad, 1 − β₁)
            v[i] += (1 - beta2) * ((double) g[i] * g[i] - v[i]);       // buf2.lerp_(grad.square(), 1 − β₂)
            double u = (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + eps);   // buf1c / (buf2c.sqrt() + eps)
            p.set(i, p.w[i] * (1 - lr * wd) - lr * u);
        }
    }

    /**
     * ROOT's matrix step ({@value #ROOT_REF}, {@code ROOT.step}):
     * <pre>
     * buf.mul_(momentum).add_(g);  g = g.add(buf, alpha=momentum) if nesterov else buf
     * epsilon = simple_quantile(g.abs(), 0.9) + 1e-9         # kthvalue at floor/ceil of 0.9·(n−1), lerp
     * o = sign(g)·relu(|g| − epsilon);  b = g − o;  u = root5(b, steps=5)
     * p.mul_(1 − lr·wd);  p.add_(u, alpha=−lr·0.2·√max(A, B))
     * </pre>
     */
    static void rootStep(P p, float[] g, double lr, double mu, boolean nesterov, double wd, boolean bf16) {
        double[] buf = p.state("momentum_buffer");
        double[] mm = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            buf[i] = buf[i] * mu + g[i];
            mm[i] = nesterov ? g[i] + mu * buf[i] : buf[i];
        }
        double adjusted = lr * 0.2 * Math.sqrt(Math.max(p.rows, p.cols));
        double[] abc = ROOT_COEFF.getOrDefault(Math.min(p.rows, p.cols) + "x" + Math.max(p.rows, p.cols), MUON_ABC);
        for (int k = 0; k < p.batch; k++) {
            int off = k * p.size();
            double[] abs = new double[p.size()];
            for (int i = 0; i < abs.length; i++) {
                abs[i] = Math.abs(mm[off + i]);
            }
            Arrays.sort(abs);
            double index = 0.9 * (abs.length - 1);
            int lo = (int) Math.floor(index);
            int hi = (int) Math.ceil(index);
            // simple_quantile(g.abs().float(), 0.9) + 1e-9, a float32 tensor
            double eps = (float) (abs[lo] + (index - lo) * (abs[hi] - abs[lo]) + 1e-9);
            double[] b = new double[p.size()];
            for (int i = 0; i < b.length; i++) {
                double x = mm[off + i];
                double o = Math.signum(x) * Math.max(Math.abs(x) - eps, 0);      // sign(g)·relu(|g| − ε)
                b[i] = x - o;
            }
            double[] u = zeropower(b, 0, p.rows, p.cols, abc, bf16);
            for (int i = 0; i < p.size(); i++) {
                p.set(off + i, p.w[off + i] * (1 - lr * wd) - adjusted * u[i]);
            }
        }
    }

    /**
     * ROOT's AdamW backup ({@value #ROOT_REF}, {@code ROOT.step}), eps added to {@code √v} before the bias
     * correction:
     * <pre>
     * buf1.lerp_(g, 1 − β₁);  buf2.lerp_(g.square(), 1 − β₂);  g = buf1 / (eps + buf2.sqrt())
     * scale = (1 − β₁ᵗ) / (1 − β₂ᵗ)^0.5;  p.mul_(1 − lr·wd);  p.add_(g, alpha=−lr/scale)
     * </pre>
     */
    static void rootAdamStep(P p, float[] g, double lr, double beta1, double beta2, double eps, double wd) {
        p.step++;
        double[] m = p.state("moment1");
        double[] v = p.state("moment2");
        double scale = (1 - Math.pow(beta1, p.step)) / Math.sqrt(1 - Math.pow(beta2, p.step));
        for (int i = 0; i < g.length; i++) {
            m[i] += (1 - beta1) * (g[i] - m[i]);
            v[i] += (1 - beta2) * ((double) g[i] * g[i] - v[i]);
            double u = m[i] / (eps + Math.sqrt(v[i]));
            p.set(i, p.w[i] * (1 - lr * wd) - lr / scale * u);
        }
    }

    /** A norm of {@value #SCION_REF}: its {@code lmo} of one {@code rows × cols} matrix. */
    interface Norm {
        double[] lmo(double[] g, int off, int rows, int cols);
    }

    /**
     * {@code Spectral(max, normalized=True)}: {@code NS(g)} (or the exact {@code U Vᵀ}) times
     * {@code (d_out/d_in)^0.5}, {@code max(1, ·)} when {@code max}.
     */
    static Norm spectral(boolean max, boolean exact, boolean bf16) {
        return (g, off, rows, cols) -> {
            double[] x = exact ? polar(g, off, rows, cols) : zeropower(g, off, rows, cols, MUON_ABC, bf16);
            double scale = Math.sqrt((double) rows / cols);
            if (max) {
                scale = Math.max(1, scale);
            }
            for (int i = 0; i < x.length; i++) {
                x[i] *= scale;
            }
            return x;
        };
    }

    /**
     * {@code ColNorm(normalized, transpose)}: with {@code transpose} work on {@code gᵀ}; then
     * {@code rms = 1/√size(0)·‖column‖₂}, times {@code size(1)} when normalized; {@code g/(rms + 1e-8)}.
     */
    static Norm colNorm(boolean normalized, boolean transpose) {
        return (g, off, rows, cols) -> {
            double[][] a = matrix(g, off, rows, cols, transpose);
            int r = a.length, c = a[0].length;
            for (int j = 0; j < c; j++) {
                double ss = 0;
                for (double[] row : a) {
                    ss += row[j] * row[j];
                }
                double rms = 1 / Math.sqrt(r) * Math.sqrt(ss);
                if (normalized) {
                    rms *= c;
                }
                for (double[] row : a) {
                    row[j] /= rms + 1e-8;
                }
            }
            return flat(a, transpose);
        };
    }

    /**
     * {@code RowNorm(normalized, transpose)}: with {@code transpose} work on {@code gᵀ}; then
     * {@code rms = ‖row‖₂}, times {@code √size(−1)} when normalized; {@code g/(rms + 1e-8)}.
     */
    static Norm rowNorm(boolean normalized, boolean transpose) {
        return (g, off, rows, cols) -> {
            double[][] a = matrix(g, off, rows, cols, transpose);
            for (double[] row : a) {
                double ss = 0;
                for (double v : row) {
                    ss += v * v;
                }
                double rms = Math.sqrt(ss);
                if (normalized) {
                    rms *= Math.sqrt(row.length);
                }
                for (int j = 0; j < row.length; j++) {
                    row[j] /= rms + 1e-8;
                }
            }
            return flat(a, transpose);
        };
    }

    /** {@code Sign(normalized)}: {@code (1/d_in)·sign(g)}, or {@code sign(g)}. */
    static Norm sign(boolean normalized) {
        return (g, off, rows, cols) -> {
            double[] x = new double[rows * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (normalized ? 1.0 / cols : 1.0) * Math.signum(g[off + i]);
            }
            return x;
        };
    }

    /** {@code BiasRMS} of a bias (a 1-D tensor; ortho4j stores it 1 × n): {@code g/(√mean(g²) + 1e-8)}. */
    static Norm biasRms() {
        return (g, off, rows, cols) -> {
            int n = rows * cols;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += g[off + i] * g[off + i];
            }
            double rms = Math.sqrt(ss / n);
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = g[off + i] / (rms + 1e-8);
            }
            return x;
        };
    }

    static double[][] matrix(double[] g, int off, int rows, int cols, boolean transpose) {
        double[][] a = transpose ? new double[cols][rows] : new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (transpose) {
                    a[j][i] = g[off + i * cols + j];
                } else {
                    a[i][j] = g[off + i * cols + j];
                }
            }
        }
        return a;
    }

    static double[] flat(double[][] a, boolean transpose) {
        int r = a.length, c = a[0].length;
        double[] x = new double[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                if (transpose) {
                    x[j * r + i] = a[i][j];
                } else {
                    x[i * c + j] = a[i][j];
                }
            }
        }
        return x;
    }

    /**
     * SCION's step ({@value #SCION_REF}, {@code Scion.step}):
     * <pre>
     * if momentum != 1:  buf.mul_(1 − momentum).add_(g, alpha=momentum);  g = buf
     * update = scale · norm.lmo(g)
     * if not unconstrained:  p.mul_(1 − lr)
     * p.add_(update, alpha=−lr)
     * </pre>
     */
    static void scionStep(P p, float[] g, double lr, double momentum, double scale, boolean unconstrained, Norm norm) {
        double[] d = new double[g.length];
        if (momentum != 1) {
            double[] buf = p.state("momentum_buffer");
            for (int i = 0; i < g.length; i++) {
                buf[i] = buf[i] * (1 - momentum) + momentum * g[i];
                d[i] = buf[i];
            }
        } else {
            for (int i = 0; i < g.length; i++) {
                d[i] = g[i];
            }
        }
        for (int k = 0; k < p.batch; k++) {
            int off = k * p.size();
            double[] l = norm.lmo(d, off, p.rows, p.cols);
            for (int i = 0; i < p.size(); i++) {
                double w = p.w[off + i];
                if (!unconstrained) {
                    w *= 1 - lr;
                }
                p.set(off + i, w - lr * scale * l[i]);
            }
        }
    }

    // ================================================================ the harness

    /** The reference's step {@code t} (1-based) of every parameter from the gradients. */
    interface Reference {
        void step(List<P> ps, List<float[]> grads);
    }

    /** Parameters of one test: initial values and shapes, in the optimizer's {@link Optimizer#parameters()} order. */
    final class Model {
        final List<MatrixBatch> params = new ArrayList<>();
        final List<P> ref = new ArrayList<>();
        final List<Double> gradScale = new ArrayList<>();
        final Random r;

        Model(long seed) {
            r = new Random(TestMatrices.SEED + seed);
        }

        /** A parameter of {@code batch × rows × cols}, entries N(0, 1)·{@code init}, gradients N(0, 1)·{@code grad}. */
        MatrixBatch add(int batch, int rows, int cols, double init, double grad) {
            float[] w = new float[batch * rows * cols];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (r.nextGaussian() * init);
            }
            MatrixBatch b = ctx.upload(w, batch, rows, cols);
            params.add(b);
            ref.add(new P(w, batch, rows, cols));
            gradScale.add(grad);
            return b;
        }

        /** Wide, tall, square and a batch: the hidden matrices every test uses. */
        MatrixBatch[] hidden() {
            return new MatrixBatch[]{add(1, 12, 40, 0.02, 1), add(1, 40, 12, 0.02, 1), add(1, 17, 17, 0.02, 1),
                    add(3, 9, 14, 0.02, 1)};
        }

        /**
         * Runs {@link #STEPS} steps of {@code opt} and of {@code reference} on the same gradients.
         *
         * @return the largest {@code ‖W_t − R_t‖_F / ‖R_t − R_{t−1}‖_F} over the steps and parameters
         */
        double run(String what, Optimizer opt, Reference reference) {
            assertEquals(params, opt.parameters(), "test setup: parameters in optimizer order");
            double worst = 0;
            String where = "";
            for (int t = 1; t <= STEPS; t++) {
                List<float[]> gs = new ArrayList<>();
                List<MatrixBatch> gb = new ArrayList<>();
                for (int i = 0; i < params.size(); i++) {
                    MatrixBatch p = params.get(i);
                    float[] g = new float[p.batch() * p.rows() * p.cols()];
                    for (int j = 0; j < g.length; j++) {
                        g[j] = (float) (r.nextGaussian() * gradScale.get(i));
                    }
                    gs.add(g);
                    gb.add(ctx.upload(g, p.batch(), p.rows(), p.cols()));
                }
                List<double[]> before = new ArrayList<>();
                for (P p : ref) {
                    before.add(p.w.clone());
                }
                opt.step(gb);
                reference.step(ref, gs);
                for (MatrixBatch g : gb) {
                    g.close();
                }
                for (int i = 0; i < params.size(); i++) {
                    float[] w = params.get(i).toArray();
                    double[] rw = ref.get(i).w;
                    double[] rb = before.get(i);
                    double num = 0;
                    double den = 0;
                    for (int j = 0; j < w.length; j++) {
                        num += (w[j] - rw[j]) * (w[j] - rw[j]);
                        den += (rw[j] - rb[j]) * (rw[j] - rb[j]);
                    }
                    assertTrue(den > 0, what + ": the reference did not move parameter " + i);
                    double rel = Math.sqrt(num / den);
                    if (!(rel <= worst)) {
                        worst = rel;
                        where = "step " + t + ", parameter " + i + " " + params.get(i).shape();
                    }
                }
            }
            System.out.printf("conformance %-40s max ‖W − R‖/‖ΔR‖ = %.3g (%s)%n", what, worst, where);
            return worst;
        }

        void close() {
            for (MatrixBatch p : params) {
                p.close();
            }
        }
    }

    static void within(String what, double got, double tol) {
        assertTrue(got <= tol, what + ": trajectory " + got + " of the update from the reference (allowed " + tol + ")");
    }

    // ================================================================ Muon

    /**
     * Muon's groups: hidden matrices (Muon), a bias, an embedding, and (not for DDC, where the head's logit-shift gauge
     * has no reference) an output head with its bias (Adam). The biases' gradients are small (1e-4), as biases'
     * are, so that Adam's eps shows.
     */
    Optimizer muonLike(Model m, Muon.Options o, boolean ddc) {
        List<ParamGroup> gs = new ArrayList<>(List.of(
                ParamGroup.hidden("hidden", m.hidden()),
                ParamGroup.biasGain("bias", m.add(1, 1, 23, 0.02, 1e-4)),
                ParamGroup.embedding("embedding", m.add(1, 30, 12, 0.02, 1))));
        if (!ddc) {
            gs.add(ParamGroup.output("head", m.add(1, 10, 12, 0.02, 1), m.add(1, 1, 10, 0.02, 1e-4)));
        }
        return ddc ? new DdcMuon(ctx, gs, o) : new Muon(ctx, gs, o);
    }

    /** Muon with its matrices, and {@code SingleDeviceMuonWithAuxAdam}'s Adam on the rest (parameters 4–8). */
    static Reference muonReference(double lr, double beta, boolean nesterov, double wd, boolean bf16,
                                   double adamLr, double b1, double b2, double eps, double adamWd) {
        return (ps, gs) -> {
            for (int i = 0; i < ps.size(); i++) {
                if (i < 4) {
                    muonStep(ps.get(i), gs.get(i), lr, beta, nesterov, wd, bf16);
                } else {
                    adamStep(ps.get(i), gs.get(i), adamLr, b1, b2, eps, adamWd);
                }
            }
        };
    }

    @Test
    void muonFp32FollowsTheReference() {
        for (boolean nesterov : new boolean[]{true, false}) {
            Model m = new Model(1);
            Muon.Options o = new Muon.Options();
            o.precision = Precision.FP32;
            o.nesterov = nesterov;
            o.weightDecay = 0.1;
            o.adamLr = 1e-3;
            o.adamWeightDecay = 0.05;
            try (Optimizer opt = muonLike(m, o, false)) {
                // the reference's defaults (SingleDeviceMuonWithAuxAdam): lr 0.02, momentum 0.95, betas (0.9, 0.95), eps 1e-10
                double e = m.run("muon fp32 nesterov=" + nesterov, opt,
                        muonReference(0.02, 0.95, nesterov, 0.1, false, 1e-3, 0.9, 0.95, 1e-10, 0.05));
                within("Muon fp32", e, TOL);
            } finally {
                m.close();
            }
        }
    }

    @Test
    void muonBf16ByDefaultFollowsTheReferenceIteration() {
        // the defaults but β = 0, so that NS sees the same float32 input on both sides (see the class comment)
        Model m = new Model(2);
        Muon.Options o = new Muon.Options();
        o.momentum = 0;
        try (Optimizer opt = muonLike(m, o, false)) {
            assertEquals(Precision.BF16, ((Muon) opt).precision(), "Muon's default precision is the reference's bf16");
            double e = m.run("muon bf16 (defaults, β = 0)", opt, muonReference(0.02, 0, true, 0, true, 3e-4, 0.9, 0.95, 1e-10, 0));
            within("Muon bf16", e, TOL);
        } finally {
            m.close();
        }
        Model m2 = new Model(2);
        try (Optimizer opt = muonLike(m2, new Muon.Options(), false)) {
            double e = m2.run("muon bf16 (defaults) vs fp32 reference", opt,
                    muonReference(0.02, 0.95, true, 0, false, 3e-4, 0.9, 0.95, 1e-10, 0));
            assertTrue(e >= BF16_VS_FP32_MIN, "a bf16 run must differ from fp32 (did it use bf16?): " + e);
        } finally {
            m2.close();
        }
    }

    @Test
    void ddcMuonWithoutGaugesIsMuon() {
        // DDC has no public reference code: on groups that declare no gauge DDCMuon must be Muon exactly, in its
        // default fp32 (with momentum) and in bf16 (β = 0, as above)
        for (Precision pr : new Precision[]{null, Precision.BF16}) {
            boolean bf16 = pr == Precision.BF16;
            Model m = new Model(3);
            Muon.Options o = new Muon.Options();
            o.precision = pr;
            o.weightDecay = 0.1;
            o.momentum = bf16 ? 0 : 0.95;
            try (Optimizer opt = muonLike(m, o, true)) {
                assertEquals(bf16 ? Precision.BF16 : Precision.FP32, ((Muon) opt).precision());
                double e = m.run("ddcmuon " + (bf16 ? "bf16 (β = 0)" : "fp32 (default)"), opt,
                        muonReference(0.02, o.momentum, true, 0.1, bf16, 3e-4, 0.9, 0.95, 1e-10, 0));
                within("DDCMuon", e, TOL);
            } finally {
                m.close();
            }
        }
    }

    // ================================================================ SCION

    /** One group per role and norm, with the reference norm each must use (parameters in order). */
    List<ParamGroup> scionGroups(Model m, List<Norm> norms, boolean exact, boolean bf16) {
        List<ParamGroup> gs = new ArrayList<>();
        gs.add(ParamGroup.hidden("hidden", m.hidden()).radius(3));
        for (int i = 0; i < 4; i++) {
            norms.add(spectral(false, exact, bf16));                             // Spectral()
        }
        gs.add(ParamGroup.hidden("input-tall", m.add(1, 12, 7, 0.02, 1)).layer(Lmo.Layer.INPUT).radius(2));
        norms.add(spectral(true, exact, bf16));                                  // Spectral(max=True)
        gs.add(ParamGroup.hidden("input-wide", m.add(2, 5, 9, 0.02, 1)).layer(Lmo.Layer.INPUT).radius(2));
        norms.add(spectral(true, exact, bf16));
        gs.add(ParamGroup.embedding("embedding", m.add(2, 30, 12, 0.02, 1)).radius(0.5));
        norms.add(colNorm(false, true));                                         // ColNorm(transpose=True)
        gs.add(ParamGroup.output("head", m.add(1, 10, 12, 0.02, 1), m.add(1, 1, 10, 0.02, 1e-2)).radius(4));
        norms.add(sign(true));                                                   // Sign()
        norms.add(biasRms());                                                    // BiasRMS()
        gs.add(ParamGroup.biasGain("bias", m.add(1, 1, 23, 0.02, 1e-2)).radius(0.5));
        norms.add(biasRms());
        gs.add(ParamGroup.hidden("colnorm", m.add(1, 8, 13, 0.02, 1)).lmo(Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.HIDDEN)).radius(50));
        norms.add(colNorm(true, false));                                         // ColNorm(normalized=True)
        gs.add(ParamGroup.hidden("colnorm-in", m.add(1, 13, 8, 0.02, 1)).lmo(Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.INPUT)).radius(0.5));
        norms.add(colNorm(false, false));                                        // ColNorm()
        gs.add(ParamGroup.hidden("rownorm", m.add(1, 13, 8, 0.02, 1)).lmo(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.HIDDEN)).radius(10));
        norms.add(rowNorm(true, false));                                         // RowNorm()
        gs.add(ParamGroup.hidden("rownorm-in", m.add(1, 6, 11, 0.02, 1)).lmo(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.INPUT)).radius(2));
        norms.add(rowNorm(false, false));                                        // RowNorm(normalized=False)
        gs.add(ParamGroup.embedding("embedding-rownorm", m.add(1, 20, 6, 0.02, 1)).lmo(Lmo.of(Lmo.Norm.ROWNORM, Lmo.Layer.INPUT)).radius(2));
        norms.add(rowNorm(false, true));                                         // RowNorm(normalized=False, transpose=True)
        gs.add(ParamGroup.hidden("sign-in", m.add(1, 7, 5, 0.02, 1)).lmo(Lmo.of(Lmo.Norm.SIGN, Lmo.Layer.INPUT)).radius(0.05));
        norms.add(sign(false));                                                  // Sign(normalized=False)
        return gs;
    }

    /** The reference's step on every parameter, with the group's radius as {@code scale}. */
    static Reference scionReference(List<ParamGroup> gs, List<Norm> norms, double lr, double momentum, boolean unconstrained) {
        List<Double> scales = new ArrayList<>();
        for (ParamGroup g : gs) {
            for (int i = 0; i < g.params().size(); i++) {
                scales.add(g.radiusOr(1.0));
            }
        }
        return (ps, grads) -> {
            for (int i = 0; i < ps.size(); i++) {
                scionStep(ps.get(i), grads.get(i), lr, momentum, scales.get(i), unconstrained, norms.get(i));
            }
        };
    }

    double scionRun(String what, long seed, Scion.Options o, boolean exact, boolean bf16, double momentum) {
        Model m = new Model(seed);
        List<Norm> norms = new ArrayList<>();
        List<ParamGroup> gs = scionGroups(m, norms, exact, bf16);
        try (Scion opt = new Scion(ctx, gs, o)) {
            return m.run(what, opt, scionReference(gs, norms, o.lr, momentum, o.unconstrained));
        } finally {
            m.close();
        }
    }

    @Test
    void scionExactPolarFollowsTheReference() {
        // every role and norm, SCG and uSCG, with the reference's zeroth_power_via_svd as the spectral LMO
        for (boolean unconstrained : new boolean[]{false, true}) {
            Scion.Options o = new Scion.Options();
            o.lr = 0.05;
            o.alpha = unconstrained ? 0.5 : 0.1;
            o.unconstrained = unconstrained;
            within("SCION exact", scionRun("scion exact " + (unconstrained ? "uSCG α=0.5" : "SCG α=0.1"), 4, o, true, false, o.alpha), TOL);
        }
    }

    @Test
    void scionNewtonSchulzFp32FollowsTheReference() {
        Scion.Options o = new Scion.Options();
        o.lr = 0.05;
        o.schedule = Schedule.muon();
        o.precision = Precision.FP32;
        within("SCION NS fp32", scionRun("scion NS fp32 uSCG α=0.1", 5, o, false, false, 0.1), TOL);
    }

    @Test
    void scionWithTheReferenceDefaultsFollowsTheReferenceIterationInBf16() {
        // the reference's defaults: SCG, momentum 1.0 (no averaging, so NS sees the gradient itself on both sides),
        // Muon's NS in bf16; lr raised so that the steps are visible
        Scion.Options o = new Scion.Options();
        o.lr = 0.05;
        o.alpha = 1.0;
        o.unconstrained = false;
        o.schedule = Schedule.muon();
        assertEquals(Precision.BF16, o.precision, "SCION's default NS precision is the reference's bf16");
        within("SCION NS bf16", scionRun("scion NS bf16 SCG momentum=1", 6, o, false, true, 1.0), TOL);
        double vsFp32 = scionRun("scion NS bf16 vs fp32 reference", 6, o, false, false, 1.0);
        assertTrue(vsFp32 >= BF16_VS_FP32_MIN, "a bf16 run must differ from fp32 (did it use bf16?): " + vsFp32);
    }

    // ================================================================ ROOT

    Optimizer rootLike(Model m, Root.Options o) {
        return new Root(ctx, List.of(
                ParamGroup.hidden("hidden", m.hidden()),
                ParamGroup.biasGain("bias", m.add(1, 1, 23, 0.02, 1e-4)),
                ParamGroup.output("head", m.add(1, 10, 12, 0.02, 1e-3), m.add(1, 1, 10, 0.02, 1e-4))), o);
    }

    /** ROOT's matrices and its AdamW backup (parameters 4–6). */
    static Reference rootReference(double lr, double mu, boolean nesterov, double wd, boolean bf16, double b1, double b2, double eps) {
        return (ps, gs) -> {
            for (int i = 0; i < ps.size(); i++) {
                if (i < 4) {
                    rootStep(ps.get(i), gs.get(i), lr, mu, nesterov, wd, bf16);
                } else {
                    rootAdamStep(ps.get(i), gs.get(i), lr, b1, b2, eps, wd);
                }
            }
        };
    }

    @Test
    void rootFollowsTheReference() {
        // the reference's defaults (lr 1e-3, wd 0.1, momentum 0.95, betas (0.9, 0.95), eps 1e-8 added before the bias
        // correction), lr raised to 0.01 so that each step moves the small weights by several percent. The Adam
        // parameters' gradients are small (1e-4), as biases' are, so that the eps form shows.
        for (boolean nesterov : new boolean[]{true, false}) {
            Model m = new Model(7);
            Root.Options o = new Root.Options();
            o.lr = 0.01;
            o.nesterov = nesterov;
            try (Optimizer opt = rootLike(m, o)) {
                double e = m.run("root fp32 nesterov=" + nesterov, opt, rootReference(0.01, 0.95, nesterov, 0.1, false, 0.9, 0.95, 1e-8));
                within("ROOT fp32", e, TOL);
            } finally {
                m.close();
            }
        }
    }

    @Test
    void rootBf16FollowsTheReferenceIteration() {
        // the option (the reference runs fp32): μ = 0 so that NS sees the same float32 input on both sides
        Model m = new Model(8);
        Root.Options o = new Root.Options();
        o.lr = 0.01;
        o.momentum = 0;
        o.precision = Precision.BF16;
        try (Optimizer opt = rootLike(m, o)) {
            within("ROOT bf16", m.run("root bf16 (μ = 0)", opt, rootReference(0.01, 0, true, 0.1, true, 0.9, 0.95, 1e-8)), TOL);
        } finally {
            m.close();
        }
        Model m2 = new Model(8);
        Root.Options o2 = new Root.Options();
        o2.lr = 0.01;
        o2.precision = Precision.BF16;
        try (Optimizer opt = rootLike(m2, o2)) {
            double e = m2.run("root bf16 vs fp32 reference", opt, rootReference(0.01, 0.95, true, 0.1, false, 0.9, 0.95, 1e-8));
            assertTrue(e >= BF16_VS_FP32_MIN, "a bf16 run must differ from fp32 (did it use bf16?): " + e);
        } finally {
            m2.close();
        }
    }

    @Test
    void rootTorchEpsFormIsTorchAdam() {
        // the option that keeps torch's eps: the Adam parameters follow adamStep, not the reference's backup
        Model m = new Model(9);
        Root.Options o = new Root.Options();
        o.lr = 0.01;
        o.adamEpsForm = Root.AdamEps.TORCH;
        try (Optimizer opt = rootLike(m, o)) {
            Reference ref = (ps, gs) -> {
                for (int i = 0; i < ps.size(); i++) {
                    if (i < 4) {
                        rootStep(ps.get(i), gs.get(i), 0.01, 0.95, true, 0.1, false);
                    } else {
                        adamStep(ps.get(i), gs.get(i), 0.01, 0.9, 0.95, 1e-8, 0.1);
                    }
                }
            };
            within("ROOT torch eps", m.run("root fp32 torch eps", opt, ref), TOL);
        } finally {
            m.close();
        }
    }

    @Test
    void rootPerShapeCoefficientsAreTheReferenceTable() {
        // the trajectories above run shapes the table does not hold (Muon's fallback); the table itself, both orientations
        for (Map.Entry<String, double[]> e : ROOT_COEFF.entrySet()) {
            String[] mn = e.getKey().split("x");
            int a = Integer.parseInt(mn[0]), b = Integer.parseInt(mn[1]);
            for (int[] s : new int[][]{{a, b}, {b, a}}) {
                Schedule.Coefficients c = Schedule.root().resolve(s[0], s[1]);
                assertEquals(5, c.steps(), e.getKey());
                for (int t = 0; t < 5; t++) {
                    assertArrayEquals(e.getValue(), new double[]{c.a(t), c.b(t), c.c(t)}, 0, e.getKey() + " step " + t);
                }
                assertEquals(1.0, c.scale(), 0);
                assertEquals(1e-7, c.eps(), 0);
            }
        }
        Schedule.Coefficients f = Schedule.root().resolve(40, 12);
        assertArrayEquals(MUON_ABC, new double[]{f.a(0), f.b(0), f.c(0)}, 0, "fallback: Muon's triple");
    }

    // ================================================================ AdamW, DDCAdam

    Optimizer adamLike(Model m, AdamW.Options o, boolean ddc) {
        List<ParamGroup> gs = List.of(
                ParamGroup.hidden("hidden", m.hidden()),
                ParamGroup.biasGain("bias", m.add(1, 1, 23, 0.02, 1e-4)),
                ParamGroup.embedding("embedding", m.add(1, 30, 12, 0.02, 1)));
        return ddc ? new DdcAdam(ctx, gs, o) : new AdamW(ctx, gs, o);
    }

    @Test
    void adamWFollowsTorch() {
        // torch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2), lr raised to 3e-3
        Model m = new Model(10);
        AdamW.Options o = new AdamW.Options();
        o.lr = 3e-3;
        o.weightDecay = 1e-2;
        try (Optimizer opt = adamLike(m, o, false)) {
            Reference ref = (ps, gs) -> {
                for (int i = 0; i < ps.size(); i++) {
                    adamStep(ps.get(i), gs.get(i), 3e-3, 0.9, 0.999, 1e-8, 1e-2);
                }
            };
            within("AdamW", m.run("adamw", opt, ref), TOL);
        } finally {
            m.close();
        }
    }

    @Test
    void ddcAdamWithoutGaugesIsAdamW() {
        Model m = new Model(11);
        AdamW.Options o = new AdamW.Options();
        o.lr = 3e-3;
        o.weightDecay = 0.1;
        try (Optimizer opt = adamLike(m, o, true)) {
            Reference ref = (ps, gs) -> {
                for (int i = 0; i < ps.size(); i++) {
                    adamStep(ps.get(i), gs.get(i), 3e-3, 0.9, 0.999, 1e-8, 0.1);
                }
            };
            within("DDCAdam", m.run("ddcadam (no gauges)", opt, ref), TOL);
        } finally {
            m.close();
        }
    }
}
