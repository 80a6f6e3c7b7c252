#!/usr/bin/env python3
"""torch_peer.py --out FILE.json [--quick] — the PyTorch peer and the GPU ceilings for ortho4j's benchmarks.

Times, on the shapes of the JMH GPU benchmarks (BATCHxROWSxCOLS):
  * Muon's Newton–Schulz (KellerJordan/Muon zeropower_via_newtonschulz5: bf16, (3.4445, -4.7750, 2.0315) x 5,
    X / (||X||_F + 1e-7)), eager and under torch.compile            -> variants torch_muon_bf16, torch_muon_bf16_compiled
  * Polar Express's Newton–Schulz (per-step triples of src/main/resources/org/ortho4j/schedules/polar-express.tsv,
    X / (1.02 ||X||_F + 1e-6), bf16), eager                          -> torch_polar_express_bf16
  * torch.linalg.svd (float32, economy) -> U Vh                      -> torch_svd_polar
and the ceilings of this GPU, measured in the same session:
  * device-to-device copy bandwidth: a 1 GiB tensor's copy_ (GB/s counts read + write)
  * bf16 and tf32 GEMM rate: torch.matmul at 8192^3 (TFLOP/s = 2 n^3 / time)
Timing: CUDA events around each call, warm-up first, the median over the timed calls; the inputs rotate over
enough copies to exceed the L2 (128 MiB). Newton–Schulz flops use the symmetric count of the Java benchmarks
(per step 3 m^2 n + m^3, m = min side, n = max side). rel_err: ||out - polar(G)||_F / ||polar(G)||_F on matrix 0
against float64 SVD, for sides <= 1024.
Output JSON: {tool, device, driver, torch, cuda, date, quick, ceilings: {d2d_copy_gbps, bf16_gemm_tflops,
tf32_gemm_tflops}, results: [{family, variant, shape, batch, rows, cols, median_ms, samples, flop, bytes,
rel_err, error}]}.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

NS_SHAPES = ["4096x64x64", "1024x128x128", "12x768x768", "12x768x3072", "1x2048x2048", "1x4096x4096",
             "1x4096x11008"]
SVD_SHAPES = ["4096x64x64", "1024x128x128", "12x768x768", "1x1024x1024", "1x2048x2048"]
QUICK_NS = ["4096x64x64", "12x768x3072", "1x4096x4096"]
QUICK_SVD = ["1024x128x128", "1x1024x1024"]
MUON_ABC = (3.4445, -4.7750, 2.0315)
ROTATE_BYTES = 128 << 20
HERE = os.path.dirname(os.path.abspath(__file__))
PE_TSV = os.path.join(HERE, "..", "..", "src", "main", "resources", "org", "ortho4j", "schedules",
                      "polar-express.tsv")
# Fallback when the table is not beside the script (the values of polar-express.tsv).
PE_FALLBACK = [(8.156554524902461, -22.48329292557795, 15.878769915207462),
               (4.042929935166739, -2.808917465908714, 0.5000178451051316),
               (3.8916678022926607, -2.772484153217685, 0.5060648178503393),
               (3.285753657755655, -2.3681294933425376, 0.46449024233003106),
               (2.3465413258596377, -1.7097828382687081, 0.42323551169305323)]


def polar_express_triples():
    try:
        rows = []
        with open(PE_TSV) as fh:
            for line in fh:
                line = line.strip()
                if not line or line.startswith("#") or line.startswith("@"):
                    continue
                f = line.split()
                rows.append((int(f[2]), float(f[3]), float(f[4]), float(f[5])))
        return [r[1:] for r in sorted(rows)]
    except OSError:
        return PE_FALLBACK


def parse(shape):
    b, r, c = (int(x) for x in shape.split("x"))
    return b, r, c


def ns_flops(batch, rows, cols, steps=5):
    m, n = min(rows, cols), max(rows, cols)
    return float(batch) * steps * (3 * m * m * n + m ** 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--quick", action="store_true", help="fewer shapes and timed calls (a smoke run)")
    args = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        print(f"torch_peer.py: PyTorch is not installed here ({e}); nothing measured", file=sys.stderr)
        return 2
    if not torch.cuda.is_available():
        print("torch_peer.py: torch.cuda.is_available() is False (no CUDA device or a CPU-only torch); nothing measured",
              file=sys.stderr)
        return 2
    dev = torch.device("cuda")
    warm, iters = (3, 10) if args.quick else (5, 30)

    def timed(fn, inputs, warmup=warm, n=iters):
        """Median ms over n calls (CUDA events around each), inputs rotating; after `warmup` untimed calls."""
        for i in range(warmup):
            fn(inputs[i % len(inputs)])
        torch.cuda.synchronize()
        samples = []
        for i in range(n):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn(inputs[i % len(inputs)])
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
        return statistics.median(samples), samples

    def inputs_for(batch, rows, cols, dtype=torch.float32, seed=42):
        nbytes = batch * rows * cols * 4
        copies = max(1, min(8, -(-ROTATE_BYTES // nbytes)))
        g = torch.Generator(device=dev).manual_seed(seed)
        return [torch.randn(batch, rows, cols, device=dev, dtype=dtype, generator=g) for _ in range(copies)]

    # ------------------------------------------------------------------ ceilings
    ceilings = {}
    n_copy = (1 << 30) // 4
    src = torch.empty(n_copy, device=dev, dtype=torch.float32).uniform_()
    dst = torch.empty_like(src)
    ms, _ = timed(lambda x: dst.copy_(x), [src])
    ceilings["d2d_copy_gbps"] = 2 * n_copy * 4 / (ms * 1e6)
    del src, dst
    n = 8192
    for name, dtype, tf32 in (("bf16_gemm_tflops", torch.bfloat16, False), ("tf32_gemm_tflops", torch.float32, True)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        a = torch.randn(n, n, device=dev, dtype=dtype)
        b = torch.randn(n, n, device=dev, dtype=dtype)
        ms, _ = timed(lambda x: torch.matmul(x, b), [a], warmup=3, n=10 if args.quick else 20)
        ceilings[name] = 2.0 * n ** 3 / (ms * 1e9)
        del a, b
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.cuda.empty_cache()

    # ------------------------------------------------------------------ peers
    def muon_ns(G, steps=5):
        a, b, c = MUON_ABC
        X = G.bfloat16()
        tall = G.size(-2) > G.size(-1)
        if tall:
            X = X.mT
        X = X / (X.norm(dim=(-2, -1), keepdim=True) + 1e-7)
        for _ in range(steps):
            A = X @ X.mT
            B = b * A + c * A @ A
            X = a * X + B @ X
        if tall:
            X = X.mT
        return X

    pe = polar_express_triples()

    def polar_express_ns(G):
        X = G.bfloat16()
        tall = G.size(-2) > G.size(-1)
        if tall:
            X = X.mT
        X = X / (X.norm(dim=(-2, -1), keepdim=True) * 1.02 + 1e-6)
        for a, b, c in pe:
            A = X @ X.mT
            B = b * A + c * A @ A
            X = a * X + B @ X
        if tall:
            X = X.mT
        return X

    def svd_polar(G):
        U, S, Vh = torch.linalg.svd(G, full_matrices=False)
        return U @ Vh

    try:
        muon_compiled = torch.compile(muon_ns)
        compile_error = None
    except Exception as e:  # noqa: BLE001 — recorded in the output
        muon_compiled, compile_error = None, f"torch.compile: {e!r}"

    def exact_first(G):
        g = G[0].double()
        U, S, Vh = torch.linalg.svd(g, full_matrices=False)
        return U @ Vh

    def rel_err(out, exact):
        if exact is None:
            return None
        d = out[0].double() - exact
        return float(d.norm() / exact.norm())

    results = []

    def run(family, variant, shape, fn, flop, error=None):
        batch, rows, cols = parse(shape)
        rec = {"family": family, "variant": variant, "shape": f"{rows}x{cols}", "batch": batch, "rows": rows,
               "cols": cols, "median_ms": None, "samples": None, "flop": flop,
               "bytes": 8.0 * batch * rows * cols, "rel_err": None, "error": error}
        if error is None:
            try:
                xs = inputs_for(batch, rows, cols)
                exact = exact_first(xs[0]) if max(rows, cols) <= 1024 else None
                rec["rel_err"] = rel_err(fn(xs[0]), exact)
                heavy = family == "polar" and batch * min(rows, cols) ** 2 * max(rows, cols) > 2e9
                ms, samples = timed(fn, xs, warmup=1 if heavy else warm, n=3 if heavy else iters)
                rec["median_ms"], rec["samples"] = ms, samples
                del xs
            except Exception as e:  # noqa: BLE001 — a failing peer is reported, not fatal
                rec["error"] = f"{type(e).__name__}: {e}"
            torch.cuda.empty_cache()
        results.append(rec)
        print(f"{family:14s} {variant:28s} {shape:14s} "
              + (f"{rec['median_ms']:.4f} ms" if rec["median_ms"] is not None else f"ERROR {rec['error']}"),
              flush=True)

    for shape in (QUICK_NS if args.quick else NS_SHAPES):
        b, r, c = parse(shape)
        fl = ns_flops(b, r, c)
        run("newton_schulz", "torch_muon_bf16", shape, muon_ns, fl)
        run("newton_schulz", "torch_muon_bf16_compiled", shape, muon_compiled, fl, compile_error)
        run("newton_schulz", "torch_polar_express_bf16", shape, polar_express_ns, fl)
    for shape in (QUICK_SVD if args.quick else SVD_SHAPES):
        run("polar", "torch_svd_polar", shape, svd_polar, None)

    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30).stdout.strip().splitlines()
        driver = smi[0] if smi else "unknown"
    except (OSError, subprocess.SubprocessError):
        driver = "unknown"
    out = {"tool": "jmh/peer/torch_peer.py", "device": torch.cuda.get_device_name(0), "driver": driver,
           "torch": torch.__version__, "cuda": torch.version.cuda,
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "quick": args.quick, "ceilings": ceilings, "results": results}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(json.dumps(ceilings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
