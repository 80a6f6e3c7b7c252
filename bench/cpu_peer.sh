#!/usr/bin/env bash
# bench/cpu_peer.sh [--quick] — ortho4j's CPU paths beside numpy, in one go, on this machine:
#   1. jmh/peer/numpy_peer.py   numpy NS, numpy float32-SVD polar, a numpy Muon step, the sgemm ceiling
#   2. JMH: CpuPeerBench (NS fp32), CpuPolarPeerBench (exact polar), CpuOptimizerStepBench (a Muon step over a
#      GPT-2-small-like model), each on path=native (ortho4j-cpu-native: OpenBLAS/LAPACK) and path=java (pure Java)
#   3. bench/cpu_peer_table.py  the side-by-side table (ratios, GFLOP/s, % of the measured sgemm rate) into
#      bench/results/cpu-peer/table.md and the README's "CPU: ortho4j beside numpy" section.
# Threads: -Dortho4j.threads / OPENBLAS_NUM_THREADS both default to the processors; set ORTHO4J_THREADS to change
# both sides. Needs python3 with numpy, Maven (offline once the dependencies are in ~/.m2). ~10 minutes in full.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""
[[ ${1:-} == --quick ]] && quick=--quick
out=bench/results/cpu-peer
mkdir -p "$out"
threads=${ORTHO4J_THREADS:-$(nproc)}
export OPENBLAS_NUM_THREADS=$threads

load=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN{exit !($load > 0.5)}"; then
    echo "warning: load average $load before the run; other jobs will slow both sides unevenly" >&2
fi
echo "== numpy peer ($threads threads)"
python3 jmh/peer/numpy_peer.py --out "$out/numpy.json" $quick

echo "== build: core (the benchmarks compile with its tests) and cpu-native, and their class paths"
mvn -q -B -o -pl core,cpu-native -am -DskipTests -Dmaven.javadoc.skip package dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="core/target/test-classes:core/target/classes:cpu-native/target/classes"
cp="$cp:$(cat core/target/bench.classpath):$(cat cpu-native/target/bench.classpath)"

if [[ -n $quick ]]; then
    jmh=(-f 1 -wi 1 -i 2 -w 1s -r 1s)
    ns=(-p shape=1x512x512,256x64x64)
    polar=(-p shape=1x512x512)
else
    jmh=(-f 1 -wi 2 -i 5 -w 2s -r 2s)
    ns=()
    polar=()
fi
echo "== JMH (load before: $(cut -d' ' -f1 /proc/loadavg))"
java -Dortho4j.threads="$threads" -cp "$cp" org.openjdk.jmh.Main CpuPeerBench "${jmh[@]}" "${ns[@]}" \
    -rf json -rff "$out/jmh.json"
java -Dortho4j.threads="$threads" -cp "$cp" org.openjdk.jmh.Main CpuPolarPeerBench "${jmh[@]}" "${polar[@]}" \
    -rf json -rff "$out/jmh-polar.json"
if [[ -z $quick ]]; then
    java -Dortho4j.threads="$threads" -Xmx12g -cp "$cp" org.openjdk.jmh.Main CpuOptimizerStepBench \
        -f 1 -wi 1 -i 3 -w 1ms -r 1ms -rf json -rff "$out/jmh-step.json"
fi

echo "== numpy peer again, after the JMH runs (the table keeps numpy's faster run per shape)"
python3 jmh/peer/numpy_peer.py --out "$out/numpy-after.json" $quick

echo "== table"
python3 bench/cpu_peer_table.py --numpy "$out/numpy.json" --numpy "$out/numpy-after.json" --jmh "$out/jmh.json" --jmh "$out/jmh-polar.json" \
    $( [[ -f $out/jmh-step.json && -z $quick ]] && echo --jmh "$out/jmh-step.json" ) \
    --out "$out/table.md" $( [[ -z $quick ]] && echo --readme README.md )
cat "$out/table.md"
