#!/usr/bin/env bash
# tests-gpu/bundle.sh — builds everything the GPU machine needs (it has no JDK, no Maven, no network) into .gpu/:
#   ortho4j.jar and test-classes/ (tests, GPU tests and JMH benchmarks), lib/ (every dependency jar, JCuda with its
#   linux-x86_64 natives, jqwik, JMH), tools/junit-platform-console-standalone.jar, jre/ (portable JDK 17 runtime),
#   compat/ (JCublas/JCusolver forwarders to CUDA 13), COMMIT, KERNELS_SHA256, run.sh, latest-json.py, torch_peer.py
#   and report.py.
# Then, on the GPU machine: .gpu/run.sh   (results land in .gpu/results/<UTC time>/ and tests-gpu/results/latest.json)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${ORTHO4J_SHARED:-$root/../shared}
[[ -d $shared ]] || shared=/work/shared
out=$root/.gpu
junit_console=1.10.3
MVN_OFFLINE=${MVN_OFFLINE--o}
rm -rf "$out/lib" "$out/tools" "$out/test-classes" "$out"/*.jar "$out/results"
mkdir -p "$out/lib" "$out/tools"

mvn -q -B $MVN_OFFLINE -Pgpu -DskipTests package
cp core/target/ortho4j.jar "$out/ortho4j.jar"
cp -r core/target/test-classes "$out/test-classes"   # the console launcher scans directories, not jars
mvn -q -B $MVN_OFFLINE -pl core dependency:copy-dependencies -DincludeScope=test -DexcludeGroupIds=org.junit.jupiter,org.junit.platform \
    -DoutputDirectory="$out/lib"
mvn -q -B $MVN_OFFLINE dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit_console \
    -DoutputDirectory="$out/tools" -Dmdep.stripVersion=true
[[ -x $out/jre/bin/java ]] || "$shared/tools/portable-jre" "$out/jre"
[[ -f $out/compat/libJCusolver-12.6.0-linux-x86_64.so ]] || "$shared/tools/jcuda-cuda13/build" "$out/compat" >/dev/null
git rev-parse HEAD > "$out/COMMIT"
git diff --quiet HEAD -- . ':!.gpu' || echo "dirty" >> "$out/COMMIT"
git ls-files kernels | sort | xargs cat | sha256sum | cut -d' ' -f1 > "$out/KERNELS_SHA256"
cp tests-gpu/run.sh tests-gpu/latest-json.py jmh/peer/torch_peer.py bench/report.py "$out/"
chmod +x "$out/run.sh"
echo "bundle: $(du -sh "$out" | cut -f1) in $out; on the GPU machine run .gpu/run.sh"
# ORTHO4J_PACK=1: also one xz archive, .gpu-pack/gpu.tar.xz (about 40 MB instead of 62), for transports with a size
# cap; on the GPU machine: tar -xJf .gpu-pack/gpu.tar.xz && .gpu/run.sh
if [[ -n ${ORTHO4J_PACK:-} ]]; then
  mkdir -p "$root/.gpu-pack"
  tar -C "$root" -cJf "$root/.gpu-pack/gpu.tar.xz" .gpu
  echo "bundle: packed $(du -sh "$root/.gpu-pack/gpu.tar.xz" | cut -f1) in .gpu-pack/gpu.tar.xz"
fi
