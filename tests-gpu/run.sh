#!/usr/bin/env bash
# .gpu/run.sh — runs the GPU tests (JUnit console launcher, XML report) and the JMH benchmarks on the GPU machine
# with the portable JRE and the CUDA 13 forwarders (docs/GPU-MACHINE.md), writing everything into one folder
# .gpu/results/<UTC time>/ and tests-gpu/results/latest.json.
# Env: ORTHO4J_TESTS=all runs every test class (default: the org.ortho4j.cuda package); JMH_ARGS (default a short run);
# ORTHO4J_SKIP_JMH=1 skips the benchmarks.
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
sel=(--scan-class-path "$here/test-classes" --include-package org.ortho4j.cuda)
[[ ${ORTHO4J_TESTS:-} == all ]] && sel=(--scan-class-path "$here/test-classes")
"$java" -Djava.library.path="$here/compat" -cp "$cp" org.junit.platform.console.ConsoleLauncher execute \
    "${sel[@]}" --include-classname '.*(Test|Tests|Properties)$' --reports-dir "$res/junit" --details=tree \
    > "$res/tests.txt" 2>&1
echo "junit exit $?" >> "$res/tests.txt"
if [[ -z ${ORTHO4J_SKIP_JMH:-} ]]; then
  "$java" -Djava.library.path="$here/compat" -cp "$cp" org.openjdk.jmh.Main ${JMH_ARGS:--f 1 -wi 3 -i 5 -w 1s -r 1s} \
      -rf json -rff "$res/jmh.json" > "$res/jmh.txt" 2>&1
  echo "jmh exit $?" >> "$res/jmh.txt"
fi
python3 "$here/latest-json.py" "$res" "$root/tests-gpu/results/latest.json"
cp "$root/tests-gpu/results/latest.json" "$res/latest.json"
echo "results: $res"; tail -15 "$res/tests.txt"
