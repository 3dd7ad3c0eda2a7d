#!/usr/bin/env bash
# Matrix products of one UNet training step on ONE core: internal/gemm's
# BenchmarkUNetStep (every product of the default UNet's convolutions at batch
# 32: forward W·col, weight gradient dOut·colᵀ, input gradient Wᵀ·dOut; 29
# GFLOP) with Gemm and with gonum, beside the same products with torch.mm (the
# PyTorch anchor, Debian's python3 with torch; OpenBLAS), in float64 and
# float32, in interleaved rounds (REPS, default 3). Times are process CPU time
# (GOMAXPROCS=1, one torch thread), steadier than wall time on a shared
# machine; ratios are per round, then the median. The load average is printed
# beside each round. Without torch only the Go numbers are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
reps=${REPS:-3}
echo "cores: $(nproc); one core used; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
have_torch=0
if $py -c 'import torch' 2>/dev/null; then have_torch=1; fi
go test -c -o /tmp/gemm_bench.$$ ./internal/gemm
trap 'rm -f /tmp/gemm_bench.$$' EXIT
results=""
for rep in $(seq "$reps"); do
  load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
  gout=$(GOMAXPROCS=1 /tmp/gemm_bench.$$ -test.run '^$' -test.bench 'UNetStep/float(64|32)/(gemm|gonum)$' -test.benchtime 2x)
  line="round $rep (load $load):"
  for prec in float64 float32; do
    for impl in gemm gonum; do
      ms=$(echo "$gout" | awk -v n="BenchmarkUNetStep/$prec/$impl" '$1 ~ "^"n"(-[0-9]+)?$" {for (i=2;i<=NF;i++) if ($i=="cpu-ms/op") print $(i-1)}')
      line="$line go-$impl-$prec=$ms"
    done
  done
  if [ "$have_torch" = 1 ]; then
    tout=$($py - <<'PY'
import os, time
os.environ["OMP_NUM_THREADS"] = "1"; os.environ["OPENBLAS_NUM_THREADS"] = "1"
import torch
torch.set_num_threads(1)
# The products of internal/gemm's unetStep: (out channels, fan-in, pixels, uses).
convs = [(32, 9, 1024, 1), (32, 288, 1024, 3), (32, 288, 256, 1), (64, 288, 256, 1),
         (64, 576, 256, 2), (64, 32, 256, 1), (64, 576, 64, 6), (64, 1152, 64, 1),
         (64, 128, 64, 1), (256, 256, 81, 1), (64, 1152, 256, 1), (64, 128, 256, 1),
         (256, 256, 289, 1), (32, 864, 1024, 1), (32, 96, 1024, 1), (1, 288, 1024, 1)]
prods = []
for i, (oc, fan, pix, n) in enumerate(convs):
    prods.append((False, False, oc, pix, fan, 32 * n))
    prods.append((False, True, oc, fan, pix, 32 * n))
    if i > 0:  # the input convolution needs no input gradient
        prods.append((True, False, fan, pix, oc, 32 * n))
for dt, name in ((torch.float64, "float64"), (torch.float32, "float32")):
    g = torch.Generator().manual_seed(1)
    ops = []
    for tA, tB, m, n, k, cnt in prods:
        A = torch.rand((k, m) if tA else (m, k), generator=g, dtype=dt)
        B = torch.rand((n, k) if tB else (k, n), generator=g, dtype=dt)
        ops.append((A.t() if tA else A, B.t() if tB else B, torch.empty((m, n), dtype=dt), cnt))
    def step():
        for A, B, C, cnt in ops:
            for _ in range(cnt):
                torch.mm(A, B, out=C)
    step()
    best = 1e9
    for _ in range(2):
        t = time.process_time(); step(); best = min(best, time.process_time() - t)
    print("torch-%s=%.1f" % (name, best * 1e3))
PY
)
    line="$line $(echo $tout)"
  fi
  echo "$line"
  results="$results$line"$'\n'
done
echo "kernels: $(GOMAXPROCS=1 /tmp/gemm_bench.$$ -test.run "^$" -test.bench "UNetStep/float64/gemm$" -test.benchtime 1x -test.v 2>/dev/null | grep -o "kernel .*" | head -1)"
# Medians over rounds of each time and of the per-round ratios.
echo "$results" | awk '
function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
NF > 0 { r++; for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) v[kv[1], r] = kv[2] }
END {
  split("go-gemm-float64 go-gonum-float64 torch-float64 go-gemm-float32 go-gonum-float32 torch-float32", names, " ")
  for (k = 1; k <= 6; k++) { n = 0; for (i = 1; i <= r; i++) if ((names[k], i) in v) x[++n] = v[names[k], i]
    if (n) printf "median %-17s %8.1f ms per step (%.1f GFLOP/s)\n", names[k], med(x, n), 29.06e3 / med(x, n) }
  split("float64 float32", ps, " ")
  for (q = 1; q <= 2; q++) { p = ps[q]
    n = 0; for (i = 1; i <= r; i++) if (("torch-" p, i) in v) x[++n] = v["go-gemm-" p, i] / v["torch-" p, i]
    if (n) printf "median ratio Gemm/torch.mm %s: %.2f\n", p, med(x, n)
    n = 0; for (i = 1; i <= r; i++) x[++n] = v["go-gonum-" p, i] / v["go-gemm-" p, i]
    printf "median speed-up of Gemm over gonum %s: %.2f\n", p, med(x, n) }
  n = 0; for (i = 1; i <= r; i++) if (("torch-float32", i) in v) x[++n] = v["go-gemm-float64", i] / v["torch-float32", i]
  if (n) printf "median ratio Gemm float64 / torch.mm float32: %.2f\n", med(x, n)
}'
