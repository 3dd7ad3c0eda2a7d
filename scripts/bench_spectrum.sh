#!/usr/bin/env bash
# Spectrum accumulation speed at 96×96: Spectrum.Add (one image at a time)
# and Spectrum.AddBatch (all cores) beside numpy doing what a user would
# write instead (np.fft.fft2 of a batch of 64 images, orthonormal, then
# accumulating Σ|Z|² over the batch), in the same run, in images per second.
# Our Add does more than the numpy loop: it validates every pixel (NaN/Inf)
# and keeps Welford means and variances of both the pixels and the
# transform.
#
# These machines are shared and noisy, so each side runs $COUNT short
# trials (default 6) interleaved with the other's, and the best rate of each
# is printed (the best trial is the one least disturbed by other load), with
# the ratio. Repeat the script to see the spread. Needs /usr/bin/python3
# with numpy (Debian python3-numpy); without it only the Go numbers are
# printed.
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
count=${COUNT:-6}
echo "cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -c -o /tmp/bench_spectrum.test . >/dev/null
have_numpy=0
if $py -c 'import numpy' 2>/dev/null; then have_numpy=1; fi
numpy_trial() {
  $py - <<'PY'
import time
import numpy as np

rng = np.random.default_rng(1)
batch = rng.standard_normal((64, 96, 96)) + 0.5
acc = np.zeros((96, 96))
z = np.fft.fft2(batch, norm="ortho")  # warm up
n = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < 0.5:
    z = np.fft.fft2(batch, norm="ortho")
    acc += (z.real ** 2 + z.imag ** 2).sum(axis=0)
    n += len(batch)
print(n / (time.perf_counter() - t0))
PY
}
best_single=0 best_batch=0 best_numpy=0
for trial in $(seq "$count"); do
  out=$(/tmp/bench_spectrum.test -test.run '^$' -test.bench 'BenchmarkSpectrumAdd' -test.benchtime 0.5s)
  s=$(echo "$out" | awk '/single/ {for (i=1;i<=NF;i++) if ($(i+1)=="images/s") print $i}')
  b=$(echo "$out" | awk '/batch/ {for (i=1;i<=NF;i++) if ($(i+1)=="images/s") print $i}')
  best_single=$(echo "$s $best_single" | awk '{print ($1>$2)?$1:$2}')
  best_batch=$(echo "$b $best_batch" | awk '{print ($1>$2)?$1:$2}')
  if [ $have_numpy = 1 ]; then
    n=$(numpy_trial)
    best_numpy=$(echo "$n $best_numpy" | awk '{print ($1>$2)?$1:$2}')
  fi
  echo "trial $trial: Add $s, AddBatch $b, numpy ${n:-n/a} images/s"
done
echo "best of $count:"
printf "  Spectrum.Add       %8.0f images/s\n" "$best_single"
printf "  Spectrum.AddBatch  %8.0f images/s\n" "$best_batch"
if [ $have_numpy = 1 ]; then
  printf "  numpy fft2+Σ|Z|²   %8.0f images/s (numpy %s)\n" "$best_numpy" "$($py -c 'import numpy; print(numpy.__version__)')"
  echo "$best_batch $best_numpy" | awk '{printf "  AddBatch / numpy   %8.2f×\n", $1/$2}'
else
  echo "numpy unavailable at $py: apt-get install python3-numpy"
fi
rm -f /tmp/bench_spectrum.test
