#!/usr/bin/env bash
# .gpu/run.sh — on the GPU machine, one call runs: the GPU tests (JUnit console launcher, XML report), the ceilings and
# PyTorch peer (jmh/peer/torch_peer.py), the GPU JMH benchmarks (short settings) and the report (bench/report.py), with
# the portable JRE and the CUDA 13 forwarders (docs/GPU-MACHINE.md), writing everything into one folder
# .gpu/results/<UTC time>/ (tests.txt, junit/, peer.json, jmh.json, jmh-polar.json, work.jsonl, summary.json,
# REPORT.md, plots) and tests-gpu/results/latest.json; bench/REPORT.md and bench/results/ are regenerated from it.
# Env: ORTHO4J_TESTS=all runs every test class (default: the org.ortho4j.cuda package but its Emulated* classes); ORTHO4J_SKIP_TESTS=1;
# JMH_ARGS replaces the benchmark selection and settings of the main JMH run (default: the GPU benchmarks except
# polar, short); JMH_POLAR_ARGS likewise for the polar run; ORTHO4J_SKIP_JMH=1 skips both; ORTHO4J_SKIP_PEER=1 skips
# the peer; ORTHO4J_PEER_ARGS (default --quick). The whole default run is sized for about 8 minutes on an H100.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
res=$here/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$res"
java=$here/jre/bin/java
[[ -x $java ]] || { echo "no $java: build the bundle with tests-gpu/bundle.sh" | tee "$res/error.txt"; exit 1; }
cudalib=$(dirname "$(find / \( -name 'libcublas.so.13*' -o -name 'libcusolver.so.12*' \) 2>/dev/null | head -1)" 2>/dev/null || true)
export LD_LIBRARY_PATH=$here/compat${cudalib:+:$cudalib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
cp "$here/COMMIT" "$res/commit.txt"; cp "$here/KERNELS_SHA256" "$res/kernels_sha256.txt"
{ nvidia-smi; nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv; } > "$res/nvidia-smi.txt" 2>&1
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" > "$res/env.txt"
cp="$here/ortho4j.jar:$here/test-classes:$here/lib/*:$here/tools/junit-platform-console-standalone.jar"
# the emulated-device batteries (Emulated*) run in plain `mvn test` on the CPU: not here, in the GPU's minutes
sel=(--scan-class-path "$here/test-classes" --include-package org.ortho4j.cuda --exclude-classname '.*\.Emulated[^.]*$')
[[ ${ORTHO4J_TESTS:-} == all ]] && sel=(--scan-class-path "$here/test-classes")
if [[ -z ${ORTHO4J_SKIP_TESTS:-} ]]; then
  "$java" -Djava.library.path="$here/compat" -cp "$cp" org.junit.platform.console.ConsoleLauncher execute \
      "${sel[@]}" --include-classname '.*(Test|Tests|Properties)$' --reports-dir "$res/junit" --details=tree \
      > "$res/tests.txt" 2>&1
  echo "junit exit $?" >> "$res/tests.txt"
fi
# the source tree's copies first (the device machine runs in a checkout), else the bundle's
peer_py=$root/jmh/peer/torch_peer.py; [[ -f $peer_py ]] || peer_py=$here/torch_peer.py
report_py=$root/bench/report.py; [[ -f $report_py ]] || report_py=$here/report.py
if [[ -z ${ORTHO4J_SKIP_PEER:-} ]]; then
  timeout 240 python3 "$peer_py" --out "$res/peer.json" ${ORTHO4J_PEER_ARGS:---quick} > "$res/peer.txt" 2>&1
  echo "peer exit $?" >> "$res/peer.txt"
fi
if [[ -z ${ORTHO4J_SKIP_JMH:-} ]]; then
  # each benchmark's @Setup appends its work (flop, bytes, rel_err) here; JMH's forks inherit the variable
  export ORTHO4J_BENCH_WORK=$res/work.jsonl
  jmh=("$java" -Djava.library.path="$here/compat" -cp "$cp" org.openjdk.jmh.Main)
  timeout 330 "${jmh[@]}" ${JMH_ARGS:-'Gpu(NewtonSchulz|SoftThreshold|Gauge)Bench' -f 1 -wi 1 -i 3 -w 300ms -r 500ms} \
      -jvmArgsAppend "-Djava.library.path=$here/compat" -rf json -rff "$res/jmh.json" > "$res/jmh.txt" 2>&1
  echo "jmh exit $?" >> "$res/jmh.txt"
  timeout 150 "${jmh[@]}" ${JMH_POLAR_ARGS:-'GpuPolarBench' -f 1 -wi 1 -i 2 -w 200ms -r 300ms -p shape=1024x128x128,1x1024x1024,1x2048x2048} \
      -jvmArgsAppend "-Djava.library.path=$here/compat" -rf json -rff "$res/jmh-polar.json" > "$res/jmh-polar.txt" 2>&1
  echo "jmh exit $?" >> "$res/jmh-polar.txt"
fi
python3 "$here/latest-json.py" "$res" "$root/tests-gpu/results/latest.json"
cp "$root/tests-gpu/results/latest.json" "$res/latest.json"
jmh_in=(); for f in "$res/jmh.json" "$res/jmh-polar.json"; do [[ -s $f ]] && jmh_in+=(--jmh "$f"); done
peer_in=(); [[ -s $res/peer.json ]] && peer_in=(--peer "$res/peer.json")
if (( ${#jmh_in[@]} + ${#peer_in[@]} > 0 )); then
  # the report of this run, in the results folder, then the project's copy (bench/REPORT.md, bench/results/)
  python3 "$report_py" "${jmh_in[@]}" "${peer_in[@]}" --work "$res/work.jsonl" --meta "$res/latest.json" \
      --out-dir "$res" --report "$res/REPORT.md" > "$res/report.txt" 2>&1
  echo "report exit $?" >> "$res/report.txt"
  if [[ -d $root/bench ]]; then
    mkdir -p "$root/bench/results"
    for f in jmh.json jmh-polar.json peer.json work.jsonl latest.json; do [[ -f $res/$f ]] && cp "$res/$f" "$root/bench/results/"; done
    j=(); for f in jmh.json jmh-polar.json; do [[ -s $root/bench/results/$f ]] && j+=(--jmh "$root/bench/results/$f"); done
    p=(); [[ -s $root/bench/results/peer.json ]] && p=(--peer "$root/bench/results/peer.json")
    python3 "$report_py" "${j[@]}" "${p[@]}" --work "$root/bench/results/work.jsonl" \
        --meta "$root/bench/results/latest.json" >> "$res/report.txt" 2>&1
  fi
  tail -3 "$res/report.txt"
fi
echo "results: $res"; tail -15 "$res/tests.txt"
