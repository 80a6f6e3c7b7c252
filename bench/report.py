#!/usr/bin/env python3
"""bench/report.py — turns benchmark JSON into bench/results/summary.json, bench/REPORT.md and PNG plots.

  python3 bench/report.py --jmh bench/results/jmh.json [--jmh more.json] [--work bench/results/work.jsonl]
                          [--peer bench/results/peer.json] [--meta latest.json] [--out-dir bench/results]
                          [--report bench/REPORT.md]

Inputs: JMH's `-rf json` output (AverageTime, ms/op); the work sidecar the benchmarks append to when
ORTHO4J_BENCH_WORK is set (flop, bytes, rel_err per benchmark method and params; default: work.jsonl beside the
first --jmh file); jmh/peer/torch_peer.py's JSON (the PyTorch peer and the ceilings: D2D copy GB/s, bf16/tf32
GEMM TFLOP/s); optionally tests-gpu/latest-json.py's summary for device, driver, date and commit.
summary.json: {device, driver, date, commit, ceilings, sources, records: [{family, shape, batch, variant, source,
median_ms, tflops, gbps, fraction_of_ceiling, ceiling, ratio_vs_cublas, ratio_vs_cusolver, ratio_vs_peer,
rel_err}]}. Ratios are the baseline's median time over this record's (> 1: this record is faster).
Standard library only; plots need matplotlib and are skipped (the report says so) when it is absent.
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_json(path):
    with open(path) as fh:
        return json.load(fh)


def family_of(bench_class):
    c = bench_class.lower()
    for key, fam in (("newtonschulz", "newton_schulz"), ("polar", "polar"), ("softthreshold", "soft_threshold"),
                     ("gauge", "gauge")):
        if key in c:
            return fam
    return c


def device_of(bench_class):
    return "gpu" if bench_class.startswith("Gpu") else "cpu"


def precision_of(variant):
    v = variant.lower()
    if "tf32" in v:
        return "tf32"
    if "bf16" in v:
        return "bf16"
    return "fp32"


def median_ms(entry):
    pm = entry["primaryMetric"]
    raw = [x for fork in pm.get("rawData", []) for x in fork]
    unit = pm.get("scoreUnit", "ms/op")
    scale = {"ms/op": 1.0, "us/op": 1e-3, "s/op": 1e3, "ns/op": 1e-6}.get(unit)
    if scale is None:
        raise SystemExit(f"report.py: unsupported JMH unit {unit} (run the benchmarks in AverageTime mode)")
    vals = raw if raw else [pm["score"]]
    return statistics.median(vals) * scale


def work_key(benchmark, params):
    return benchmark + "|" + json.dumps(params or {}, sort_keys=True)


def read_work(paths):
    work = {}
    for p in paths:
        if not os.path.exists(p):
            continue
        with open(p) as fh:
            for line in fh:
                line = line.strip()
                if line:
                    w = json.loads(line)
                    work[work_key(w["benchmark"], w.get("params"))] = w
    return work


def jmh_records(jmh_files, work):
    recs, failed = [], []
    for path in jmh_files:
        for e in load_json(path):
            full = e["benchmark"]
            cls, method = full.split(".")[-2], full.split(".")[-1]
            params = e.get("params") or {}
            w = work.get(work_key(full, params))
            if w is not None:
                batch, rows, cols = w["batch"], w["rows"], w["cols"]
            elif "shape" in params:
                batch, rows, cols = (int(x) for x in params["shape"].split("x"))
            else:
                batch = rows = cols = None
            shape = f"{rows}x{cols}" if rows is not None else "?"
            variant = ("cpu:" if device_of(cls) == "cpu" else "") + method
            extra = {k: v for k, v in params.items() if k not in ("shape",)}
            if "schedule" in extra and extra["schedule"] == "polar-express":
                extra.pop("schedule")
            if "gauge" in extra:
                shape = f"{extra.pop('gauge')} {shape}"
            if extra:
                variant += "[" + ",".join(f"{k}={v}" for k, v in sorted(extra.items())) + "]"
            recs.append({"family": family_of(cls), "shape": shape, "batch": batch, "variant": variant,
                         "source": "jmh:" + cls, "device_kind": device_of(cls), "median_ms": median_ms(e),
                         "flop": w.get("flop") if w else None, "bytes": w.get("bytes") if w else None,
                         "rel_err": w.get("rel_err") if w else None})
        # benchmarks that JMH started but that failed in @Setup leave no entry; the caller lists them from the log
    return recs, failed


def peer_records(peer):
    recs = []
    for r in peer.get("results", []):
        recs.append({"family": r["family"], "shape": r["shape"], "batch": r["batch"], "variant": r["variant"],
                     "source": "peer:" + peer.get("tool", "torch_peer.py"), "device_kind": "gpu",
                     "median_ms": r.get("median_ms"), "flop": r.get("flop"), "bytes": r.get("bytes"),
                     "rel_err": r.get("rel_err"), "error": r.get("error")})
    return recs


def enrich(recs, ceilings):
    """tflops / gbps, fraction of the matching ceiling, ratios to cuBLAS, cuSOLVER and the PyTorch peer."""
    by = {}
    for r in recs:
        by.setdefault((r["family"], r["shape"], r["batch"]), []).append(r)

    def best(group, pred):
        ts = [g["median_ms"] for g in group if g.get("median_ms") and pred(g["variant"])]
        return min(ts) if ts else None

    for r in recs:
        ms = r.get("median_ms")
        r["tflops"] = r["gbps"] = r["fraction_of_ceiling"] = r["ceiling"] = None
        r["ratio_vs_cublas"] = r["ratio_vs_cusolver"] = r["ratio_vs_peer"] = None
        if not ms:
            continue
        if r.get("flop"):
            r["tflops"] = r["flop"] / (ms * 1e9)
        elif r.get("bytes") and r["family"] in ("soft_threshold", "gauge", "polar"):
            r["gbps"] = r["bytes"] / (ms * 1e6)
        if r["device_kind"] == "gpu":
            if r["tflops"] is not None:
                name = "tf32_gemm_tflops" if precision_of(r["variant"]) == "tf32" else "bf16_gemm_tflops"
                if ceilings.get(name):
                    r["fraction_of_ceiling"], r["ceiling"] = r["tflops"] / ceilings[name], name
            elif r["gbps"] is not None and r["family"] in ("soft_threshold", "gauge") and ceilings.get("d2d_copy_gbps"):
                r["fraction_of_ceiling"], r["ceiling"] = r["gbps"] / ceilings["d2d_copy_gbps"], "d2d_copy_gbps"
        key = (r["family"], r["shape"], r["batch"])
        group = by[key]
        prec = precision_of(r["variant"])
        cub = best(group, lambda v: v.startswith("cublas") and precision_of(v) == prec)
        if cub is None:
            cub = best(group, lambda v: v.startswith("cublas"))
        if cub:
            r["ratio_vs_cublas"] = cub / ms
        # cuSOLVER: the fastest SVD polar of the same shape (polar family), also for Newton–Schulz records
        solver_group = by.get(("polar", r["shape"], r["batch"]), [])
        cus = best(solver_group, lambda v: v.startswith("cusolver"))
        if cus:
            r["ratio_vs_cusolver"] = cus / ms
        if r["family"] == "newton_schulz":
            peer = best(group, lambda v: v == "torch_muon_bf16_compiled") or best(group, lambda v: v == "torch_muon_bf16")
        elif r["family"] == "polar":
            peer = best(solver_group, lambda v: v == "torch_svd_polar")
        else:
            peer = None
        if peer:
            r["ratio_vs_peer"] = peer / ms
    return recs


def targets(recs):
    """The issue's targets, each: (text, records considered, pass/fail/no data)."""
    def gpu(fam, pred):
        return [r for r in recs if r["family"] == fam and r["device_kind"] == "gpu" and r.get("median_ms")
                and pred(r)]

    def side(r):
        try:
            return max(int(x) for x in r["shape"].split()[-1].split("x"))
        except ValueError:
            return 0

    out = []
    large = gpu("newton_schulz", lambda r: r["variant"] == "oursBf16" and side(r) > 128)
    out.append(("large NS (bf16) >= 1.3x the cuBLAS iteration", large, "ratio_vs_cublas", 1.3))
    out.append(("large NS (bf16) >= 1.3x PyTorch Muon (compiled)", large, "ratio_vs_peer", 1.3))
    out.append(("large NS (bf16) >= 50% of the bf16 GEMM ceiling (symmetric flops)", large, "fraction_of_ceiling", 0.5))
    small = gpu("newton_schulz", lambda r: r["variant"] == "oursBf16" and r["shape"] == "64x64" and r["batch"] == 4096)
    out.append(("small NS 4096x64x64 >= 5x the cuBLAS batched iteration", small, "ratio_vs_cublas", 5.0))
    exact = gpu("polar", lambda r: r["variant"] == "oursPolar" and side(r) <= 128)
    out.append(("exact polar <= 128 >= 2x cuSOLVER", exact, "ratio_vs_cusolver", 2.0))
    nsvs = gpu("polar", lambda r: r["variant"] == "oursNsBf16" and side(r) >= 1024)
    out.append(("NS vs cuSOLVER SVD >= 50x at 1024^2 and above", nsvs, "ratio_vs_cusolver", 50.0))
    bw = gpu("soft_threshold", lambda r: True) + gpu("gauge", lambda r: True)
    out.append(("soft-threshold and gauge >= 70% of copy bandwidth", bw, "fraction_of_ceiling", 0.7))
    rows = []
    for text, rs, field, bound in out:
        vals = [(r, r.get(field)) for r in rs if r.get(field) is not None]
        if not vals:
            rows.append((text, "no data", "-"))
            continue
        ok = sum(1 for _, v in vals if v >= bound)
        worst = min(vals, key=lambda t: t[1])
        rows.append((text, f"{ok}/{len(vals)} meet it",
                     f"worst {worst[1]:.3g} ({worst[0]['variant']} {worst[0]['batch']}x{worst[0]['shape']})"))
    return rows


def fmt(v, spec=".3g"):
    return "-" if v is None else format(v, spec)


def plots(recs, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is not installed here: no plots were drawn (the tables hold the same numbers)"
    made = []
    for fam in ("newton_schulz", "polar", "soft_threshold", "gauge"):
        rs = [r for r in recs if r["family"] == fam and r.get("median_ms")]
        if not rs:
            continue
        fig, ax = plt.subplots(figsize=(8, 5))
        for v in sorted({r["variant"] for r in rs}):
            pts = []
            for r in rs:
                if r["variant"] != v:
                    continue
                size = (r.get("flop") or r.get("bytes") or 0)
                if size:
                    pts.append((size, r["median_ms"]))
            if pts:
                pts.sort()
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=v)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("work per call (symmetric flop)" if fam == "newton_schulz" else "work per call (flop or bytes)")
        ax.set_ylabel("median time (ms)")
        ax.set_title(f"{fam}: time vs size")
        ax.legend(fontsize=7)
        name = f"time_vs_size_{fam}.png"
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, name), dpi=110)
        plt.close(fig)
        made.append(name)
    acc = [r for r in recs if r.get("rel_err") is not None and r.get("median_ms")]
    if acc:
        fig, ax = plt.subplots(figsize=(8, 5))
        for v in sorted({r["variant"] for r in acc}):
            pts = [(r["median_ms"], max(r["rel_err"], 1e-16), f"{r['batch']}x{r['shape']}") for r in acc if r["variant"] == v]
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], label=v, s=18)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("median time (ms)")
        ax.set_ylabel("relative error vs exact polar (matrix 0)")
        ax.set_title("accuracy vs time per schedule / method")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "accuracy_vs_time.png"), dpi=110)
        plt.close(fig)
        made.append("accuracy_vs_time.png")
    return made, None


def git_commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description="ortho4j benchmark report")
    ap.add_argument("--jmh", action="append", default=[], help="JMH -rf json output (repeatable)")
    ap.add_argument("--work", action="append", default=[], help="work sidecar (JSON lines; repeatable)")
    ap.add_argument("--peer", help="jmh/peer/torch_peer.py output")
    ap.add_argument("--meta", help="tests-gpu/latest-json.py summary (device, driver, date, commit)")
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--report", default=os.path.join(ROOT, "bench", "REPORT.md"))
    ap.add_argument("--title", default="ortho4j benchmarks")
    args = ap.parse_args()
    if not args.jmh and not args.peer:
        ap.error("give at least one --jmh or --peer file")
    work_files = args.work or [os.path.join(os.path.dirname(os.path.abspath(p)), "work.jsonl") for p in args.jmh[:1]]
    work = read_work(work_files)
    recs, _ = jmh_records(args.jmh, work)
    peer = load_json(args.peer) if args.peer else {}
    recs += peer_records(peer)
    ceilings = peer.get("ceilings", {})
    enrich(recs, ceilings)
    meta = load_json(args.meta) if args.meta and os.path.exists(args.meta) else {}
    summary = {
        "device": meta.get("device") or peer.get("device") or "cpu only (no GPU results in the inputs)",
        "driver": meta.get("driver") or peer.get("driver") or "n/a",
        "date": meta.get("date") or peer.get("date") or "unknown",
        "commit": meta.get("commit") or git_commit(),
        "ceilings": ceilings,
        "sources": {"jmh": args.jmh, "work": [w for w in work_files if os.path.exists(w)], "peer": args.peer},
        "records": [{k: r.get(k) for k in ("family", "shape", "batch", "variant", "source", "median_ms", "tflops",
                                           "gbps", "fraction_of_ceiling", "ceiling", "ratio_vs_cublas",
                                           "ratio_vs_cusolver", "ratio_vs_peer", "rel_err", "error")}
                    for r in sorted(recs, key=lambda r: (r["family"], str(r["shape"]), r["batch"] or 0, r["variant"]))],
    }
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
        fh.write("\n")
    made, why_not = plots(recs, args.out_dir)

    rel = os.path.relpath(args.out_dir, os.path.dirname(os.path.abspath(args.report)))
    lines = [f"# {args.title}", "",
             "Generated by `bench/report.py` from the JSON in `" + os.path.relpath(args.out_dir, ROOT)
             + "`; do not edit by hand.", "",
             f"- device: {summary['device']}", f"- driver: {summary['driver']}", f"- date: {summary['date']}",
             f"- commit: {summary['commit']}"]
    if ceilings:
        lines.append("- ceilings (same session, torch_peer.py): " + ", ".join(f"{k} = {v:.1f}" for k, v in ceilings.items()))
    else:
        lines.append("- ceilings: none in the inputs (no peer JSON from a GPU run), so no fraction_of_ceiling")
    lines += ["", "Times are medians of the measured iterations (JMH AverageTime, ms/op; the peer: CUDA events). "
              "TFLOP/s count symmetric Newton–Schulz flops (per step 3m²n + m³); GB/s count the minimum traffic "
              "(inputs read once, outputs written once). Ratios: baseline time / this time (> 1 = faster than "
              "the baseline).", "", "## Targets", "", "| target | result | detail |", "|---|---|---|"]
    for t in targets(recs):
        lines.append(f"| {t[0]} | {t[1]} | {t[2]} |")
    for fam in ("newton_schulz", "polar", "soft_threshold", "gauge"):
        rs = [r for r in summary["records"] if r["family"] == fam]
        if not rs:
            continue
        lines += ["", f"## {fam}", "", "| batch × shape | variant | median ms | TFLOP/s | GB/s | of ceiling | "
                  "vs cuBLAS | vs cuSOLVER | vs peer | rel err |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rs:
            lines.append(f"| {r['batch']}×{r['shape']} | {r['variant']} | {fmt(r['median_ms'], '.4g')} | "
                         f"{fmt(r['tflops'])} | {fmt(r['gbps'])} | {fmt(r['fraction_of_ceiling'], '.1%')} | "
                         f"{fmt(r['ratio_vs_cublas'])} | {fmt(r['ratio_vs_cusolver'])} | {fmt(r['ratio_vs_peer'])} | "
                         f"{fmt(r['rel_err'], '.2e')}" + (f" (error: {r['error']})" if r.get("error") else "") + " |")
    lines += ["", "## Plots", ""]
    if why_not:
        lines.append(why_not + ".")
    for m in made:
        lines.append(f"![{m}]({rel}/{m})")
    with open(args.report, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"report.py: {len(recs)} records -> {os.path.join(args.out_dir, 'summary.json')}, {args.report}"
          + (f", plots: {', '.join(made)}" if made else f" ({why_not})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
