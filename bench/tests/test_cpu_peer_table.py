#!/usr/bin/env python3
"""Checks bench/cpu_peer_table.py on hand-made inputs (not measurements): numpy's faster run per shape is kept, the
sgemm ceiling is the higher one, ortho4j's faster JMH run is kept too, ratios and goal verdicts follow, and the README block is replaced in place.
Run: python3 bench/tests/test_cpu_peer_table.py"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLE = os.path.join(ROOT, "bench", "cpu_peer_table.py")


def numpy_run(ns512, sgemm, load):
    return {"numpy": "0.0-FIXTURE", "date": "FIXTURE", "load_before": load,
            "openblas": {"config": "FIXTURE", "corename": "FIXTURE", "threads": 2},
            "ceilings": {"sgemm_gflops": sgemm},
            "results": [{"family": "newton_schulz", "shape": "1x512x512", "median_ms": ns512},
                        {"family": "polar", "shape": "1x512x512", "median_ms": 100.0, "rel_err": 3e-7}]}


def jmh(cls, method, shape, path, ms):
    params = {"path": path}
    if shape:
        params["shape"] = shape
    return {"benchmark": f"org.ortho4j.bench.{cls}.{method}", "params": params,
            "primaryMetric": {"score": ms, "scorePercentiles": {"50.0": ms}}}


class CpuPeerTableTest(unittest.TestCase):
    def test_merge_ratios_goals_and_readme(self):
        tmp = tempfile.mkdtemp()
        paths = []
        for i, run in enumerate([numpy_run(30.0, 150.0, 1.5), numpy_run(20.0, 180.0, 0.1)]):
            paths.append(os.path.join(tmp, f"numpy{i}.json"))
            with open(paths[-1], "w") as fh:
                json.dump(run, fh)
        jm = os.path.join(tmp, "jmh.json")
        with open(jm, "w") as fh:
            json.dump([jmh("CpuPeerBench", "newtonSchulz", "1x512x512", "native", 17.0),
                       jmh("CpuPeerBench", "newtonSchulz", "1x512x512", "java", 50.0),
                       jmh("CpuPolarPeerBench", "polar", "1x512x512", "native", 125.0)], fh)
        jm2 = os.path.join(tmp, "jmh-2.json")                 # a slower second round of ortho4j: not used
        with open(jm2, "w") as fh:
            json.dump([jmh("CpuPeerBench", "newtonSchulz", "1x512x512", "native", 25.0)], fh)
        readme = os.path.join(tmp, "README.md")
        with open(readme, "w") as fh:
            fh.write("before\n<!-- cpu-peer:begin -->\nold\n<!-- cpu-peer:end -->\nafter\n")
        out = os.path.join(tmp, "table.md")
        p = subprocess.run([sys.executable, TABLE, "--numpy", paths[0], "--numpy", paths[1], "--jmh", jm, "--jmh", jm2,
                            "--out", out, "--readme", readme], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as fh:
            md = fh.read()
        # numpy's faster run (20 ms, not 30), ortho4j's faster run (17, not 25) and the higher ceiling (180) are used
        self.assertIn("| 1x512x512 | 20.0 | 17.0 | 50.0 | 0.85 | 2.50 |", md)
        self.assertIn("sgemm ceiling 180 GFLOP/s", md)
        self.assertIn("not met (≤ 0.8)", md)
        self.assertIn("| 1x512x512 | 100.0 | 125.0 | – | 1.25 | – | 3.0e-07 | not met (≤ 1.2) |", md)
        self.assertIn("faster of its 2 run(s)", md)
        with open(readme) as fh:
            text = fh.read()
        self.assertTrue(text.startswith("before\n<!-- cpu-peer:begin -->\n"))
        self.assertTrue(text.endswith("<!-- cpu-peer:end -->\nafter\n"))
        self.assertNotIn("old", text)
        self.assertIn(md, text)


if __name__ == "__main__":
    unittest.main()
