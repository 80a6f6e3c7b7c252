#!/usr/bin/env python3
"""Checks bench/report.py on the CPU smoke run (bench/results/cpu-smoke: a real short JMH run on the build
machine) and a hand-made peer FIXTURE (bench/tests/fixtures/peer-FIXTURE.json, not a measurement), writing into a
temporary directory. Run: python3 bench/tests/test_report.py"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SMOKE = os.path.join(ROOT, "bench", "results", "cpu-smoke")
FIXTURE = os.path.join(ROOT, "bench", "tests", "fixtures", "peer-FIXTURE.json")


class ReportTest(unittest.TestCase):
    def run_report(self, *extra):
        tmp = tempfile.mkdtemp()
        report = os.path.join(tmp, "REPORT.md")
        cmd = [sys.executable, os.path.join(ROOT, "bench", "report.py"), "--jmh", os.path.join(SMOKE, "jmh.json"),
               "--out-dir", tmp, "--report", report, *extra]
        p = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(tmp, "summary.json")) as fh:
            summary = json.load(fh)
        with open(report) as fh:
            md = fh.read()
        return summary, md

    def test_cpu_only(self):
        s, md = self.run_report()
        jmh = json.load(open(os.path.join(SMOKE, "jmh.json")))
        self.assertEqual(len(s["records"]), len(jmh))
        for k in ("device", "driver", "date", "commit"):
            self.assertIn(k, s)
        for r in s["records"]:
            for k in ("family", "shape", "batch", "variant", "median_ms", "tflops", "gbps", "fraction_of_ceiling",
                      "ratio_vs_cublas", "ratio_vs_cusolver", "ratio_vs_peer"):
                self.assertIn(k, r)
            self.assertGreater(r["median_ms"], 0)
            self.assertTrue(r["variant"].startswith("cpu:"))
            self.assertIsNone(r["fraction_of_ceiling"])       # no ceilings without a peer file
        st = [r for r in s["records"] if r["family"] == "soft_threshold" and r["variant"] == "cpu:split"
              and r["shape"] == "768x768"]
        self.assertEqual(len(st), 1)
        # 12 bytes per element over 12·768·768 elements
        self.assertAlmostEqual(st[0]["gbps"], 12 * 12 * 768 * 768 / (st[0]["median_ms"] * 1e6), delta=1e-3 * st[0]["gbps"])
        gauge = {r["shape"] for r in s["records"] if r["family"] == "gauge"}
        self.assertIn("rotationQK 768x768", gauge)
        self.assertIn("## Targets", md)
        self.assertIn("no data", md)                                # no GPU records: every target says so

    def test_with_peer_fixture(self):
        s, md = self.run_report("--peer", FIXTURE)
        self.assertEqual(s["ceilings"]["bf16_gemm_tflops"], 100.0)
        self.assertTrue(s["device"].startswith("FIXTURE"))
        peer = [r for r in s["records"] if r["variant"] == "torch_muon_bf16_compiled"]
        self.assertEqual(len(peer), 1)
        self.assertAlmostEqual(peer[0]["tflops"], 1.08716e+11 / (2.0 * 1e9), places=6)
        self.assertAlmostEqual(peer[0]["fraction_of_ceiling"], peer[0]["tflops"] / 100.0, places=9)
        # polar records of the same batch and shape get a ratio to the peer's SVD polar: peer time / their time
        pol = [r for r in s["records"] if r["variant"] == "cpu:oursPolar" and r["shape"] == "128x128"]
        self.assertEqual(len(pol), 1)
        self.assertAlmostEqual(pol[0]["ratio_vs_peer"], 10.0 / pol[0]["median_ms"], places=9)
        other = [r for r in s["records"] if r["variant"] == "cpu:oursPolar" and r["shape"] == "768x768"]
        self.assertIsNone(other[0]["ratio_vs_peer"])                # no peer of that shape in the fixture
        failed = [r for r in s["records"] if r.get("error")]
        self.assertEqual(len(failed), 1)
        self.assertIsNone(failed[0]["median_ms"])
        self.assertIn("error: fixture", md)


if __name__ == "__main__":
    unittest.main()
