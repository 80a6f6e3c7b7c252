#!/usr/bin/env bash
# bench/cpu_peer.sh [--quick] [--rounds N] — ortho4j's CPU paths beside numpy, in one go, on this machine:
#   1. jmh/peer/numpy_peer.py   numpy NS, numpy float32-SVD polar, a numpy Muon step, the sgemm ceiling
#   2. JMH: CpuPeerBench (NS fp32), CpuPolarPeerBench (exact polar), CpuOptimizerStepBench (a Muon step over a
#      GPT-2-small-like model), each on path=native (ortho4j-cpu-native: OpenBLAS/LAPACK) and path=java (pure Java)
#   3. bench/cpu_peer_table.py  the side-by-side table (ratios, GFLOP/s, % of the measured sgemm rate) into
#      bench/results/cpu-peer/table.md and the README's "CPU: ortho4j beside numpy" section.
# Threads: -Dortho4j.threads / OPENBLAS_NUM_THREADS both default to the processors; set ORTHO4J_THREADS to change
# both sides. Rounds (default 2): numpy and the JMH benchmarks alternate N times and the table keeps each side's
# faster run, because this kind of machine drifts by 10-20% from minute to minute. Needs python3 with numpy, Maven
# (offline once the dependencies are in ~/.m2). ~12 minutes per round in full, ~2 with --quick.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""
rounds=2
while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) quick=--quick ;;
        --rounds) rounds=$2; shift ;;
        *) echo "usage: bench/cpu_peer.sh [--quick] [--rounds N]" >&2; exit 2 ;;
    esac
    shift
done
out=bench/results/cpu-peer
mkdir -p "$out"
threads=${ORTHO4J_THREADS:-$(nproc)}
export OPENBLAS_NUM_THREADS=$threads

load=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN{exit !($load > 0.5)}"; then
    echo "warning: load average $load before the run; other jobs will slow both sides unevenly" >&2
fi
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
rm -f "$out"/numpy*.json "$out"/jmh*.json
for r in $(seq 1 "$rounds"); do
    echo "== round $r/$rounds: numpy peer ($threads threads)"
    python3 jmh/peer/numpy_peer.py --out "$out/numpy-$r.json" $quick
    echo "== round $r/$rounds: JMH (load before: $(cut -d' ' -f1 /proc/loadavg))"
    java -Dortho4j.threads="$threads" -cp "$cp" org.openjdk.jmh.Main CpuPeerBench "${jmh[@]}" "${ns[@]}" \
        -rf json -rff "$out/jmh-$r.json"
    java -Dortho4j.threads="$threads" -cp "$cp" org.openjdk.jmh.Main CpuPolarPeerBench "${jmh[@]}" "${polar[@]}" \
        -rf json -rff "$out/jmh-polar-$r.json"
    if [[ -z $quick ]]; then
        java -Dortho4j.threads="$threads" -Xmx12g -cp "$cp" org.openjdk.jmh.Main CpuOptimizerStepBench \
            -f 1 -wi 1 -i 3 -w 1ms -r 1ms -rf json -rff "$out/jmh-step-$r.json"
    fi
done

echo "== table"
args=()
for r in $(seq 1 "$rounds"); do
    args+=(--numpy "$out/numpy-$r.json" --jmh "$out/jmh-$r.json" --jmh "$out/jmh-polar-$r.json")
    [[ -f $out/jmh-step-$r.json && -z $quick ]] && args+=(--jmh "$out/jmh-step-$r.json")
done
python3 bench/cpu_peer_table.py "${args[@]}" --out "$out/table.md" $( [[ -z $quick ]] && echo --readme README.md )
cat "$out/table.md"
