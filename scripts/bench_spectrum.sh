#!/usr/bin/env bash
# Spectrum accumulation speed at 96×96: Spectrum.Add (one image at a time)
# and Spectrum.AddBatch (all cores) beside numpy doing what a user would
# write instead (np.fft.fft2 of a batch of 64 images, orthonormal, then
# accumulating Σ|Z|² over the batch), in the same run, in images per second.
# Our Add does more than the numpy loop: it validates every pixel (NaN/Inf)
# and keeps Welford means and variances of both the pixels and the
# transform. Repeats the pair of runs $REPS times (default 3); these machines
# are noisy, so read the ratio within a run. Needs /usr/bin/python3 with
# numpy (Debian python3-numpy); without it only the Go numbers are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
echo "cores: $(nproc)"
for rep in $(seq "${REPS:-3}"); do
  echo "== run $rep"
  go_out=$(go test -run '^$' -bench 'BenchmarkSpectrumAdd' -benchtime 2s .)
  echo "$go_out" | awk '/images\/s/ {for (i=1;i<=NF;i++) if ($(i+1)=="images/s") printf "go %-28s %10.0f images/s\n", $1, $i}'
  if $py -c 'import numpy' 2>/dev/null; then
    $py - <<'PY'
import time
import numpy as np

rng = np.random.default_rng(1)
batch = rng.standard_normal((64, 96, 96)) + 0.5
acc = np.zeros((96, 96))
n = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < 2.0:
    z = np.fft.fft2(batch, norm="ortho")
    acc += (z.real ** 2 + z.imag ** 2).sum(axis=0)
    n += len(batch)
dt = time.perf_counter() - t0
print(f"numpy fft2 + sum |Z|^2 (batch 64)   {n / dt:10.0f} images/s (numpy {np.__version__})")
PY
  else
    echo "numpy unavailable at $py: apt-get install python3-numpy"
  fi
done
