#!/usr/bin/env python3
"""latest-json.py RESULTS_DIR OUT_JSON — summarises a .gpu/run.sh results folder (JUnit console launcher XML
report, nvidia-smi output, commit, kernels hash) into tests-gpu/results/latest.json:
{device, driver, date, commit, kernels_sha256, tests, failures, errors}."""
import glob, json, os, sys, xml.etree.ElementTree as ET
res, out = sys.argv[1], sys.argv[2]
def read(name, default=""):
    p = os.path.join(res, name)
    return open(p).read().strip() if os.path.exists(p) else default
tests = failures = errors = skipped = 0
for f in glob.glob(os.path.join(res, "junit", "*.xml")):
    root = ET.parse(f).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for s in suites:
        tests += int(s.get("tests", 0)); failures += int(s.get("failures", 0))
        errors += int(s.get("errors", 0)); skipped += int(s.get("skipped", 0))
device = driver = "unknown"
lines = read("nvidia-smi.txt").splitlines()
for i, l in enumerate(lines):
    if l.startswith("name, driver_version") and i + 1 < len(lines):
        parts = [p.strip() for p in lines[i + 1].split(",")]
        device = parts[0] + (" (cc " + parts[2] + ")" if len(parts) > 2 else "")
        driver = parts[1] if len(parts) > 1 else driver
summary = {"device": device, "driver": driver, "date": os.path.basename(res.rstrip("/")),
           "commit": read("commit.txt").splitlines()[0] if read("commit.txt") else "unknown",
           "kernels_sha256": read("kernels_sha256.txt", "unknown"),
           "tests": tests, "failures": failures, "errors": errors, "skipped": skipped}
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as fh:
    json.dump(summary, fh, indent=2); fh.write("\n")
print(json.dumps(summary))
