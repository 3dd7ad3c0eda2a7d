#!/usr/bin/env bash
# The FFT engine's jobs beside the strongest Python anchors, interleaved, with
# the ratio Go/anchor. The jobs are those of ../shared/anchors/bench_best.py:
#
#   realfft96, realfft256  one planned real 2-D transform of an N×N image
#   spectrum96             Spectrum.AddBatch per 96×96 image (batch of 256)
#   cloud96, cloud256      cloud noise (Δ = 1.5, paper construction) per field
#                          (batch of 16)
#
# Go runs BenchmarkAnchorJobs (anchors_bench_test.go), which reports the
# fastest call like the anchors' best-of-15. Each of $ROUNDS rounds (default
# 5) runs the Go jobs on 1 core (GOMAXPROCS=1; the real transforms are
# compared with FFTW's rfft2 on 1 thread), the Go jobs on $THREADS cores
# (default 2, the anchors' ANCHOR_THREADS), then the anchors; the medians over
# rounds are compared: Go on 1 core against fftw.rfft2-t1 for the real
# transforms, Go on $THREADS cores against the fastest anchor for every job.
# The load average is printed each round: these machines are shared.
#
# Usage: scripts/bench_fft.sh [job ...]   (default: all five)
# Needs Debian's python3 with numpy, scipy, pyfftw and torch (see
# ../shared/anchors/README.md); without them only the Go numbers are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
anchors=${ANCHORS:-../shared/anchors}
[ -f "$anchors/bench_best.py" ] || anchors=/work/shared/anchors
py=/usr/bin/python3
threads=${THREADS:-2}
rounds=${ROUNDS:-5}
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(realfft96 realfft256 spectrum96 cloud96 cloud256)
pattern="^($(IFS='|'; echo "${jobs[*]}"))\$"
have_py=0
if [ -f "$anchors/bench_best.py" ] && $py -c 'import numpy, scipy, pyfftw, torch' 2>/dev/null; then
  have_py=1
fi
out=$(mktemp)
trap 'rm -f "$out" /tmp/bench_fft.test' EXIT
go test -c -o /tmp/bench_fft.test . >/dev/null
echo "cores: $(nproc), threads: $threads, rounds: $rounds, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for r in $(seq "$rounds"); do
  echo "== round $r, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  for procs in 1 "$threads"; do
    GOMAXPROCS=$procs /tmp/bench_fft.test -test.run '^$' -test.bench "BenchmarkAnchorJobs/$pattern" -test.benchtime 30x |
      awk -v p="$procs" '$1 ~ /^BenchmarkAnchorJobs/ {split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]);
        for (i = 2; i <= NF; i++) if ($i == "best-ms") printf "go%s %s %s\n", p, a[2], $(i-1)}' | tee -a "$out"
  done
  if [ $have_py = 1 ]; then
    (cd "$anchors" && ANCHOR_THREADS=$threads $py bench_best.py "${jobs[@]}") |
      awk '$1 != "best" && $4 == "ms" {print "py", $1, $2, $3}' | tee -a "$out"
  fi
done
if [ $have_py = 0 ]; then
  echo "anchors unavailable: install python3-numpy python3-scipy python3-pyfftw python3-torch"
fi
# Medians over rounds, and the ratios.
$py - "$out" "$threads" "${jobs[@]}" <<'PY'
import sys, statistics, collections
path, threads, jobs = sys.argv[1], sys.argv[2], sys.argv[3:]
go = collections.defaultdict(list)
py = collections.defaultdict(list)
for line in open(path):
    f = line.split()
    if f[0].startswith("go"):
        go[(f[0][2:], f[1])].append(float(f[2]))
    elif f[0] == "py":
        py[(f[1], f[2])].append(float(f[3]))
med = lambda v: statistics.median(v) if v else float("nan")
print(f"\nmedians over rounds (ms per transform, image or field); ratio = Go / anchor")
print(f"{'job':12} {'Go 1 core':>10} {'Go ' + threads + ' cores':>11}  {'fastest anchor':>28}  {'ratio':>6}  {'FFTW 1 thread':>13}  {'ratio 1 core':>12}")
for job in jobs:
    g1, gt = med(go[("1", job)]), med(go[(threads, job)])
    tools = {tool: med(v) for (j, tool), v in py.items() if j == job}
    line = f"{job:12} {g1:10.4f} {gt:11.4f}"
    if tools:
        tool = min(tools, key=tools.get)
        line += f"  {tools[tool]:10.4f} {tool:>17}  {gt / tools[tool]:6.2f}"
        if "fftw.rfft2-t1" in tools:
            f1 = tools["fftw.rfft2-t1"]
            line += f"  {f1:13.4f}  {g1 / f1:12.2f}"
    print(line)
PY
