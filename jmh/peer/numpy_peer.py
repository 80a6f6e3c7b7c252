#!/usr/bin/env python3
"""numpy_peer.py --out FILE.json [--quick] — the numpy (OpenBLAS) peer of ortho4j's CPU benchmarks.

Times, on the shapes of the JMH CPU peer benchmarks (BATCHxROWSxCOLS), medians after warm-up:
  * Newton–Schulz fp32, Polar Express's 5 per-step triples (core/src/main/resources/org/ortho4j/schedules/
    polar-express.tsv), X / (1.02 ||X||_F + 1e-6), on the wide orientation, written as users write it:
    A = X @ X.T; B = b*A + c*(A @ A); X = a*X + B @ X  (numpy runs X @ X.T as ssyrk; stacked 3-D matmul for
    batches)                                                          -> family newton_schulz, variant numpy_ns
  * the exact polar factor by float32 SVD: U, S, Vt = np.linalg.svd(G, full_matrices=False); U @ Vt
                                                                      -> family polar, variant numpy_svd32_polar
  * a Muon step (fp32 NS with Muon's triple, momentum 0.95, Nesterov, lr 0.02, Keller's scale) over every 2-D
    weight of a GPT-2-small-like model, as CpuOptimizerStepBench  -> family optimizer_step, variant numpy_muon_step
and the ceiling: sgemm at 2048^3 (GFLOP/s = 2 n^3 / time), in the same process.
Newton–Schulz flops use the symmetric count of the Java benchmarks (per step 3 m^2 n + m^3, m = min side,
n = max side), the same for every variant, so GFLOP/s compare work done, not work spent. The OpenBLAS build, the
core it dispatched to and its thread count are read from the library numpy loaded (ctypes) and printed.
Output JSON: {tool, numpy, openblas: {config, corename, threads}, load_before, ceilings: {sgemm_gflops},
results: [{family, variant, shape, batch, rows, cols, median_ms, samples, flop}]}.
"""
import argparse
import ctypes
import datetime
import json
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PE_TSV = os.path.join(HERE, "..", "..", "core", "src", "main", "resources", "org", "ortho4j", "schedules",
                      "polar-express.tsv")
NS_SHAPES = ["1x256x256", "1x512x512", "1x1024x1024", "1x768x3072", "1x1024x4096", "256x64x64", "32x128x128",
             "4096x64x64"]
POLAR_SHAPES = ["1x512x512", "1x1024x1024"]
STEP_SHAPES = ["12x768x768", "12x768x2304", "12x768x3072", "12x3072x768", "144x64x64"]
QUICK_NS = ["1x512x512", "256x64x64"]
MUON_ABC = (3.4445, -4.7750, 2.0315)


def polar_express():
    """(triples, scale, eps) of polar-express.tsv."""
    rows, scale, eps = [], 1.02, 1e-6
    with open(PE_TSV) as fh:
        for line in fh:
            f = line.split()
            if not f or f[0].startswith("#"):
                continue
            if f[0] == "@scale":
                scale = float(f[1])
            elif f[0] == "@eps":
                eps = float(f[1])
            elif not f[0].startswith("@"):
                rows.append((int(f[2]), float(f[3]), float(f[4]), float(f[5])))
    return [r[1:] for r in sorted(rows)], scale, eps


def openblas_info():
    """config, core and thread count of the OpenBLAS numpy loaded (symbol names of scipy-openblas or plain)."""
    path = None
    with open("/proc/self/maps") as fh:
        for line in fh:
            if "openblas" in line.lower() and ".so" in line:
                path = line.split()[-1]
                break
    info = {"library": path}
    if not path:
        return info
    lib = ctypes.CDLL(path)
    for suffix in ("64_", "", "_"):
        for prefix in ("scipy_openblas_", "openblas_"):
            try:
                cfg = getattr(lib, prefix + "get_config" + suffix)
                core = getattr(lib, prefix + "get_corename" + suffix)
                thr = getattr(lib, prefix + "get_num_threads" + suffix)
            except AttributeError:
                continue
            cfg.restype = ctypes.c_char_p
            core.restype = ctypes.c_char_p
            info.update(config=cfg().decode().strip(), corename=core().decode().strip(), threads=thr())
            return info
    return info


def timed(fn, warmup, reps, budget_s):
    for _ in range(warmup):
        fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < reps or (time.perf_counter() - start < budget_s and len(samples) < 50):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1e3)
    return statistics.median(samples), len(samples)


def ns(g, triples, scale, eps):
    """The iteration on a (rows, cols) or (batch, rows, cols) float32 array; returns X in g's orientation."""
    x = g
    tall = g.shape[-2] > g.shape[-1]
    if tall:
        x = np.swapaxes(x, -1, -2)
    x = x / (scale * np.linalg.norm(x, axis=(-2, -1), keepdims=True) + eps)
    x = x.astype(np.float32)
    for a, b, c in triples:
        if x.ndim == 2:
            A = x @ x.T
        else:
            A = x @ np.swapaxes(x, -1, -2)
        B = np.float32(b) * A + np.float32(c) * (A @ A)
        x = np.float32(a) * x + B @ x
    return np.swapaxes(x, -1, -2) if tall else x


def svd_polar(g):
    u, _, vt = np.linalg.svd(g, full_matrices=False)
    return u @ vt


def ns_flop(batch, rows, cols, steps):
    m, n = min(rows, cols), max(rows, cols)
    return batch * steps * (3.0 * m * m * n + m ** 3)


def parse(shape):
    b, r, c = (int(v) for v in shape.split("x"))
    return b, r, c


def muon_step_fn(rng):
    """A closure running one Muon step (fp32) over the GPT-2-small-like weights, as CpuOptimizerStepBench."""
    ws, gs, bufs = [], [], []
    for sh in STEP_SHAPES:
        b, r, c = parse(sh)
        ws.append((0.02 * rng.standard_normal((b, r, c))).astype(np.float32))
        gs.append(rng.standard_normal((b, r, c)).astype(np.float32))
        bufs.append(np.zeros((b, r, c), np.float32))
    triples = [MUON_ABC] * 5
    beta, lr = np.float32(0.95), np.float32(0.02)

    def step():
        for w, g, buf in zip(ws, gs, bufs):
            buf *= beta
            buf += (1 - beta) * g                       # momentum.lerp_(grad, 1 - beta)
            u = (1 - beta) * g + beta * buf             # Nesterov: grad.lerp_(momentum, beta)
            r, c = w.shape[-2:]
            if w.shape[0] >= 64:                        # the per-head blocks: one stacked call
                x = ns(u, triples, 1.0, 1e-7)
            else:                                       # a loop over the layers, as a per-parameter optimizer does
                x = np.stack([ns(u[i], triples, 1.0, 1e-7) for i in range(w.shape[0])])
            w -= lr * np.float32(max(1.0, r / c) ** 0.5) * x
    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true", help="two NS shapes, one polar shape, no optimizer step")
    a = ap.parse_args()
    triples, scale, eps = polar_express()
    info = openblas_info()
    print(f"numpy {np.__version__}; OpenBLAS {info.get('config')} core {info.get('corename')} "
          f"threads {info.get('threads')}", flush=True)
    rng = np.random.default_rng(42)
    results = []
    reps, budget = (3, 1.0) if a.quick else (7, 4.0)

    n = 2048
    x = rng.standard_normal((n, n)).astype(np.float32)
    y = rng.standard_normal((n, n)).astype(np.float32)
    ms, k = timed(lambda: x @ y, 2, reps, budget)
    sgemm = 2.0 * n ** 3 / (ms * 1e-3) / 1e9
    print(f"sgemm {n}^3: {ms:.2f} ms = {sgemm:.1f} GFLOP/s", flush=True)

    for sh in (QUICK_NS if a.quick else NS_SHAPES):
        b, r, c = parse(sh)
        g = rng.standard_normal((b, r, c)).astype(np.float32)
        gg = g[0] if b == 1 else g
        ms, k = timed(lambda: ns(gg, triples, scale, eps), 2, reps, budget)
        flop = ns_flop(b, r, c, len(triples))
        results.append(dict(family="newton_schulz", variant="numpy_ns", shape=sh, batch=b, rows=r, cols=c,
                            median_ms=ms, samples=k, flop=flop))
        print(f"ns {sh}: {ms:.2f} ms ({flop / ms / 1e6:.1f} GFLOP/s)", flush=True)
    for sh in (POLAR_SHAPES[:1] if a.quick else POLAR_SHAPES):
        b, r, c = parse(sh)
        g = rng.standard_normal((r, c)).astype(np.float32)
        q = svd_polar(g)
        q64 = svd_polar(g.astype(np.float64))
        err = float(np.linalg.norm(q - q64) / np.linalg.norm(q64))
        ms, k = timed(lambda: svd_polar(g), 1, reps, budget)
        results.append(dict(family="polar", variant="numpy_svd32_polar", shape=sh, batch=b, rows=r, cols=c,
                            median_ms=ms, samples=k, flop=None, rel_err=err))
        print(f"svd polar {sh}: {ms:.2f} ms (rel err vs float64 {err:.1e})", flush=True)
    if not a.quick:
        step = muon_step_fn(rng)
        ms, k = timed(step, 1, 3, 1.0)
        results.append(dict(family="optimizer_step", variant="numpy_muon_step", shape="gpt2-small", batch=None,
                            rows=None, cols=None, median_ms=ms, samples=k, flop=None))
        print(f"muon step gpt2-small: {ms:.1f} ms", flush=True)
    out = dict(tool="jmh/peer/numpy_peer.py", numpy=np.__version__, python=sys.version.split()[0], openblas=info,
               date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               load_before=os.getloadavg()[0], quick=a.quick, ceilings=dict(sgemm_gflops=sgemm), results=results)
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
