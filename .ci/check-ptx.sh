#!/usr/bin/env bash
# .ci/check-ptx.sh — when nvcc is present: rebuild every kernel into a temp dir, fail if it differs from the committed
# core/src/main/resources/org/ortho4j/cuda/<name>.{ptx,fatbin} (regenerate with `mvn -Pptx generate-resources` and
# commit), and run `ptxas -v` for sm_80 and sm_90 on every PTX. Without nvcc it says so and passes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
res=$root/core/src/main/resources/org/ortho4j/cuda
if ! command -v nvcc >/dev/null 2>&1; then
  echo "check-ptx: nvcc not found, skipped"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$root/kernels/build.sh" "$tmp" >/dev/null
status=0
for cu in "$root"/kernels/*.cu; do
  name=$(basename "$cu" .cu)
  for ext in ptx fatbin; do
    if [[ ! -f $res/$name.$ext ]]; then
      echo "check-ptx: $name.$ext is not committed"; status=1
    elif ! cmp -s "$tmp/$name.$ext" "$res/$name.$ext"; then
      echo "check-ptx: $name.$ext differs from kernels/$name.cu (run mvn -Pptx generate-resources and commit)"; status=1
    fi
  done
  for sm in sm_80 sm_90; do
    ptxas -arch=$sm -v "$tmp/$name.ptx" -o "$tmp/$name.$sm.cubin" 2>>"$tmp/$name.ptxas" || { cat "$tmp/$name.ptxas"; status=1; }
  done
  if grep -E '[1-9][0-9]* bytes spill' "$tmp/$name.ptxas"; then echo "check-ptx: $name spills registers"; fi
done
[[ $status == 0 ]] && echo "check-ptx: ok ($(ls "$root"/kernels/*.cu | wc -l) kernel files)"
exit $status
