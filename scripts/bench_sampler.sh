#!/usr/bin/env bash
# Cloud-noise sampling speed: the Go sampler beside the anchors (numpy, torch,
# pyfftw: ../shared/anchors/bench_anchor.py) in one run, ms per n×n sample,
# Δ = 1.5, paper construction. Repeats the pair of runs $REPS times (default 3)
# so the median ratio can be read off. Needs Debian's python3 with numpy,
# torch and pyfftw (see ../shared/anchors/README.md); without them only the Go
# numbers are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
anchors=${ANCHORS:-../shared/anchors}
py=/usr/bin/python3
echo "cores: $(nproc)"
for rep in $(seq "${REPS:-3}"); do
  echo "== run $rep"
  go test -run '^$' -bench 'BenchmarkSample$' -benchtime 40x . | awk '/ms\/sample/ {for (i=1;i<=NF;i++) if ($(i+1)=="ms/sample") print $1, $i, "ms/sample"}'
  if [ -f "$anchors/bench_anchor.py" ] && $py -c 'import numpy, torch, pyfftw' 2>/dev/null; then
    (cd "$anchors" && $py bench_anchor.py 32 96 256)
  else
    echo "anchors unavailable: install python3-numpy python3-torch python3-pyfftw (see $anchors/README.md)"
  fi
done
