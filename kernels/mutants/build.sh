#!/usr/bin/env bash
# kernels/mutants/build.sh [OUTDIR] — the broken kernel variants the emulated device must catch (kernels/NOTES.md,
# "Mutants"). Each NAME.patch is applied to a copy of kernels/, the patched module is compiled exactly as
# kernels/build.sh compiles the shipped one, and the difference between the shipped PTX and the mutant's is written
# to OUTDIR/NAME.ptx.diff (unified diff; default OUTDIR: the test resources core/src/test/resources/org/ortho4j/emu/mutants,
# committed, since CI has no nvcc). KernelMutantsTest applies each diff to the PTX the jar ships, so a diff that no
# longer applies says the kernels changed: rerun this script. Never shipped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/core/src/test/resources/org/ortho4j/emu/mutants}
NVCC=${NVCC:-nvcc}
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for p in "$here"/*.patch; do
  name=$(basename "$p" .patch)
  rm -rf "$tmp/kernels" && cp -r "$root/kernels" "$tmp/kernels"
  (cd "$tmp" && patch -s -p1 < "$p")
  cu=$(sed -n 's|^+++ b/kernels/\(.*\.cu\).*|\1|p' "$p" | head -1)
  module=${cu%.cu}
  (cd "$tmp/kernels" && "$NVCC" -ptx -arch=compute_80 -O3 -std=c++17 -o "$tmp/$name.ptx" "$cu")
  shipped=$root/core/src/main/resources/org/ortho4j/cuda/$module.ptx
  if ! cmp -s <(cd "$root/kernels" && "$NVCC" -ptx -arch=compute_80 -O3 -std=c++17 -o - "$cu") "$shipped"; then
    echo "kernels/mutants/build.sh: $module.ptx is stale (run kernels/build.sh first)" >&2; exit 1
  fi
  diff -u --label "a/$module.ptx" --label "b/$module.ptx" "$shipped" "$tmp/$name.ptx" > "$out/$name.ptx.diff" || true
  echo "kernels/mutants/build.sh: $name.patch ($cu) -> $out/$name.ptx.diff ($(wc -l < "$out/$name.ptx.diff") lines)"
done
