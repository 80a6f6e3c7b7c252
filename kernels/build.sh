#!/usr/bin/env bash
# kernels/build.sh OUTDIR — compiles every kernels/*.cu to OUTDIR/<name>.ptx (compute_80 PTX, JIT-compiled by the
# driver on sm_80 and newer) and OUTDIR/<name>.fatbin (SASS for sm_80 and sm_90 plus compute_90 PTX).
# Used by `mvn -Pptx generate-resources` (OUTDIR = src/main/resources/org/ortho4j/cuda) and .ci/check-ptx.sh.
# The outputs are committed; nvcc 13.0 output is deterministic (same bytes on every run, no paths or timestamps).
set -euo pipefail
out=${1:?usage: kernels/build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
NVCC=${NVCC:-nvcc}
mkdir -p "$out"
out=$(cd "$out" && pwd)   # absolute: the loop runs inside kernels/
cd "$here"
for cu in *.cu; do
  name=${cu%.cu}
  "$NVCC" -ptx -arch=compute_80 -O3 -std=c++17 -o "$out/$name.ptx" "$cu"
  "$NVCC" -fatbin -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
          -gencode arch=compute_90,code=compute_90 -O3 -std=c++17 -o "$out/$name.fatbin" "$cu"
  echo "kernels/build.sh: $cu -> $out/$name.{ptx,fatbin}"
done
