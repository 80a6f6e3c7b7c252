#!/usr/bin/env python3
"""bench/cpu_peer_table.py — the side-by-side table of ortho4j's CPU paths and numpy (bench/cpu_peer.sh runs it).

  python3 bench/cpu_peer_table.py --numpy numpy.json [--numpy numpy-after.json] --jmh jmh.json [--jmh more.json] \
      --out table.md [--readme README.md]

Inputs: jmh/peer/numpy_peer.py's JSON and JMH's `-rf json` of CpuPeerBench / CpuPolarPeerBench /
CpuOptimizerStepBench (params shape, path). Times are medians (JMH: the median iteration, ms/op). Ratios are
ortho4j's time over numpy's (< 1: ortho4j is faster). GFLOP/s use the symmetric Newton–Schulz count of both
tools (per step 3 m^2 n + m^3); "% sgemm" is that rate over the sgemm rate numpy_peer.py measured in the same
run. With several --numpy runs and several JMH files of the same benchmarks (bench/cpu_peer.sh alternates numpy and
JMH for --rounds N), each side's time is the faster of its runs and the sgemm ceiling the higher, so a disturbed
run of either side cannot decide a ratio. Each goal of the CPU issue is marked met or not with its number. With --readme, the table replaces the text
between <!-- cpu-peer:begin --> and <!-- cpu-peer:end --> in the README. Standard library only.
"""
import argparse
import json
import os

NS_GOALS = {"1x512x512": 0.8, "1x1024x1024": 0.8, "1x768x3072": 0.8, "1x1024x4096": 0.8,
            "256x64x64": 0.5, "32x128x128": 0.5, "4096x64x64": 0.5}
POLAR_GOALS = {"1x512x512": 1.2, "1x1024x1024": 1.2}
BEGIN, END = "<!-- cpu-peer:begin -->", "<!-- cpu-peer:end -->"


def jmh_records(paths):
    out = {}
    for p in paths:
        with open(p) as fh:
            for r in json.load(fh):
                bench = r["benchmark"].rsplit(".", 2)
                cls, method = bench[-2], bench[-1]
                params = r.get("params", {})
                pm = r["primaryMetric"]
                med = pm.get("scorePercentiles", {}).get("50.0", pm["score"])
                key = (cls, method, params.get("shape"), params.get("path"))
                out[key] = min(med, out.get(key, med))   # several rounds: each side's faster run
    return out


def ns_flop(shape, steps=5):
    b, r, c = (int(v) for v in shape.split("x"))
    m, n = min(r, c), max(r, c)
    return b * steps * (3.0 * m * m * n + m ** 3)


def fmt(x, spec=".1f"):
    return "–" if x is None else format(x, spec)


def verdict(ratio, goal):
    if goal is None:
        return "(no goal)"
    if ratio is None:
        return "not measured"
    return f"{'met' if ratio <= goal else 'not met'} (≤ {goal})"


def merge(runs):
    """numpy runs merged: per (family, shape) the faster median, the higher sgemm ceiling, every load figure."""
    out = dict(runs[0])
    best = {}
    for run in runs:
        for r in run["results"]:
            k = (r["family"], r["shape"])
            if k not in best or r["median_ms"] < best[k]["median_ms"]:
                best[k] = r
    out["results"] = list(best.values())
    out["ceilings"] = {"sgemm_gflops": max(r["ceilings"]["sgemm_gflops"] for r in runs)}
    out["loads"] = [r.get("load_before", 0) for r in runs]
    out["runs"] = len(runs)
    return out


def build(npy, jmh):
    sg = npy["ceilings"]["sgemm_gflops"]
    ob = npy.get("openblas", {})
    lines = [f"Measured {npy['date']} on this machine: numpy {npy['numpy']}, OpenBLAS `{ob.get('config', '?')}` "
             f"(core {ob.get('corename', '?')}, {ob.get('threads', '?')} threads); sgemm ceiling "
             f"{sg:.0f} GFLOP/s (2048³, numpy, same run); load average before each numpy run "
             f"{', '.join(format(x, '.2f') for x in npy.get('loads', [npy.get('load_before', 0)]))}. "
             f"Medians; each side: the faster of its {npy.get('runs', 1)} run(s), numpy and JMH alternating; ratio = ortho4j / numpy (< 1: faster); GFLOP/s on the symmetric NS count "
             "(3m²n + m³ per step) for every column.", "",
             "**Newton–Schulz fp32** (Polar Express, 5 steps)", "",
             "| shape | numpy ms | native ms | java ms | native/numpy | java/numpy | native GFLOP/s (% sgemm) "
             "| numpy GFLOP/s (% sgemm) | goal |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    res = {(r["family"], r["shape"]): r for r in npy["results"]}
    for (fam, shape), r in res.items():
        if fam != "newton_schulz":
            continue
        nat = jmh.get(("CpuPeerBench", "newtonSchulz", shape, "native"))
        jav = jmh.get(("CpuPeerBench", "newtonSchulz", shape, "java"))
        f = ns_flop(shape)
        rn = nat / r["median_ms"] if nat else None
        rj = jav / r["median_ms"] if jav else None
        gn = f / nat / 1e6 if nat else None
        gp = f / r["median_ms"] / 1e6
        lines.append(f"| {shape} | {r['median_ms']:.1f} | {fmt(nat)} | {fmt(jav)} | {fmt(rn, '.2f')} | "
                     f"{fmt(rj, '.2f')} | {fmt(gn)} ({fmt(gn and 100 * gn / sg, '.0f')}%) | {gp:.1f} "
                     f"({100 * gp / sg:.0f}%) | {verdict(rn, NS_GOALS.get(shape))} |")
    lines += ["", "**Exact polar factor** (ortho4j: float64 SVD; numpy: float32 `svd` + `U @ Vt`)", "",
              "| shape | numpy ms | native ms | java ms | native/numpy | java/numpy | numpy rel. err vs float64 | goal |",
              "|---|---:|---:|---:|---:|---:|---:|---|"]
    for (fam, shape), r in res.items():
        if fam != "polar":
            continue
        nat = jmh.get(("CpuPolarPeerBench", "polar", shape, "native"))
        jav = jmh.get(("CpuPolarPeerBench", "polar", shape, "java"))
        rn = nat / r["median_ms"] if nat else None
        rj = jav / r["median_ms"] if jav else None
        lines.append(f"| {shape} | {r['median_ms']:.1f} | {fmt(nat)} | {fmt(jav)} | {fmt(rn, '.2f')} | "
                     f"{fmt(rj, '.2f')} | {r.get('rel_err', 0):.1e} | {verdict(rn, POLAR_GOALS.get(shape))} |")
    step = res.get(("optimizer_step", "gpt2-small"))
    if step:
        nat = jmh.get(("CpuOptimizerStepBench", "step", None, "native"))
        jav = jmh.get(("CpuOptimizerStepBench", "step", None, "java"))
        lines += ["", "**A Muon step** (fp32 NS) over every 2-D weight of a GPT-2-small-like model (12 × 768², "
                  "768×2304, 768×3072, 3072×768; 144 × 64²)", "",
                  "| numpy ms | native ms | java ms | native/numpy | java/numpy |", "|---:|---:|---:|---:|---:|",
                  f"| {step['median_ms']:.0f} | {fmt(nat, '.0f')} | {fmt(jav, '.0f')} | "
                  f"{fmt(nat and nat / step['median_ms'], '.2f')} | {fmt(jav and jav / step['median_ms'], '.2f')} |"]
    return "\n".join(lines) + "\n"


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--numpy", action="append", required=True)
    ap.add_argument("--jmh", action="append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--readme")
    a = ap.parse_args()
    runs = []
    for p in a.numpy:
        with open(p) as fh:
            runs.append(json.load(fh))
    table = build(merge(runs), jmh_records(a.jmh))
    write_atomically(a.out, table)
    if a.readme:
        with open(a.readme) as fh:
            text = fh.read()
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            write_atomically(a.readme, head + BEGIN + "\n" + table + END + tail)


if __name__ == "__main__":
    main()
