#!/usr/bin/env bash
# The 2-D real Fourier transform beside numpy.fft.fft2 (and rfft2) in one run:
# ms per transform of an n×n float64 image, orthonormal. Repeats $REPS times
# (default 3) so the median ratio can be read off. Needs Debian's python3 with
# numpy; without it only the Go numbers are printed. numpy is timed with
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset (they only slow it; FFTs do not use
# BLAS, so this changes nothing if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
echo "cores: $(nproc)"
for rep in $(seq "${REPS:-3}"); do
  echo "== run $rep"
  go test -run '^$' -bench 'BenchmarkRealFFT/' -benchtime 100x . |
    awk '/^BenchmarkRealFFT/ {split($1, a, "/"); printf "go %-8s %-9s %8.3f ms  %s allocs/op\n", a[2], a[3], $3/1e6, $7}'
  if $py -c 'import numpy' 2>/dev/null; then
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $py - <<'PY'
import time, numpy as np
def best(f, reps):
    f(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts) * 1e3
for r, c in [(32, 32), (96, 96), (256, 256), (768, 768), (200, 320)]:
    x = np.random.default_rng(0).standard_normal((r, c))
    reps = 200 if r * c < 300000 else 20
    print(f"numpy fft2  {r}x{c:<6} {best(lambda: np.fft.fft2(x, norm='ortho'), reps):8.3f} ms   "
          f"rfft2 {best(lambda: np.fft.rfft2(x, norm='ortho'), reps):8.3f} ms")
PY
  else
    echo "numpy unavailable: apt-get install -y python3-numpy"
  fi
done
