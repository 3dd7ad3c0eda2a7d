#!/usr/bin/env bash
# UNet training speed: the Go benchmarks BenchmarkTrainStep and BenchmarkForward
# (./diffusion: default config, batch 32, 1-channel 32×32; one step = forward,
# MSE-on-ε gradient, backward, AdamW), in float64 and in float32 precision
# (each in its own process, so that its peak memory is its own), beside the
# PyTorch twin ../shared/anchors/torch_unet.py (same architecture, 694561
# parameters, float32) in one run, on $THREADS cores (default 2), with the
# ratio Go/PyTorch per step and per forward pass and the peak memory of all. The twin needs Debian's python3
# with torch (apt-get install python3-torch); without it only the Go numbers
# are printed. BENCHTIME (default 3x) sets the Go iterations; REPS (default 1)
# repeats the pair. The load average is printed because the machine may be
# shared: compare the Go cpu-ms/op column (CPU time) when it is high.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-2}
anchors=${ANCHORS:-../shared/anchors}
[ -f "$anchors/torch_unet.py" ] || anchors=/work/shared/anchors
py=/usr/bin/python3
echo "cores: $(nproc), threads: $threads"
for rep in $(seq "${REPS:-1}"); do
  echo "== run $rep, load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  go test -c -o /tmp/bench_unet_diffusion.$$ ./diffusion
  gout=""
  for prec in float64 float32; do
    o=$(GOMAXPROCS=$threads /tmp/bench_unet_diffusion.$$ -test.run '^$' -test.bench "(TrainStep|Forward)/$prec\$" -test.benchtime "${BENCHTIME:-3x}")
    gout="$gout"$'\n'"$o"
  done
  rm -f /tmp/bench_unet_diffusion.$$
  echo "$gout" | grep -E '^Benchmark'
  if [ -f "$anchors/torch_unet.py" ] && $py -c 'import torch' 2>/dev/null; then
    tout=$($py -c '
import resource, subprocess, sys
r = subprocess.run([sys.executable, sys.argv[1], sys.argv[2]], capture_output=True, text=True)
sys.stdout.write(r.stdout); sys.stderr.write(r.stderr)
print("torch peak RSS MiB %.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
sys.exit(r.returncode)' "$anchors/torch_unet.py" "$threads")
    echo "$tout"
    t_step=$(echo "$tout" | awk '/train step/ {for (i=1;i<=NF;i++) if ($i=="median") print $(i+1)}')
    t_min=$(echo "$tout" | awk '/train step/ {for (i=1;i<=NF;i++) if ($i=="min") print $(i+1)}')
    t_fwd=$(echo "$tout" | awk '/forward ms/ {for (i=1;i<=NF;i++) if ($i=="min") print $(i+1)}')
    # CPU time per step of the same twin (its classes, exec'd from the anchor),
    # steadier than wall time on a loaded machine; includes OpenMP spinning.
    tcpu=$($py - "$anchors/torch_unet.py" "$threads" <<'PY'
import sys, time
src = open(sys.argv[1]).read()
src = src[:src.index("m = UNet()")]
sys.argv = [sys.argv[1], sys.argv[2]]
exec(src)
m = UNet(); opt = torch.optim.AdamW(m.parameters(), 1e-3)
x = torch.randn(32, 1, 32, 32); t = torch.rand(32); eps = torch.randn_like(x)
def step():
    opt.zero_grad(); loss = F.mse_loss(m(x, t), eps); loss.backward(); opt.step()
for _ in range(3): step()
cs = []
for _ in range(7):
    a = time.process_time(); step(); cs.append(time.process_time() - a)
fs = []
with torch.no_grad():
    for _ in range(7):
        a = time.process_time(); m(x, t); fs.append(time.process_time() - a)
print("%.1f %.1f" % (sorted(cs)[3] * 1e3, sorted(fs)[3] * 1e3))
PY
)
    t_cpu_step=${tcpu% *}
    t_cpu_fwd=${tcpu#* }
    for prec in float64 float32; do
      val() { echo "$gout" | awk -v n="$1/$prec" -v u="$2" '$1 ~ "^"n"(-[0-9]+)?$" {if (u == "ns/op") print $3/1e6; else for (i=2;i<=NF;i++) if ($i==u) print $(i-1)}'; }
      awk -v p="$prec" -v gs="$(val BenchmarkTrainStep cpu-ms/op)" -v gf="$(val BenchmarkForward cpu-ms/op)" -v ts="$t_cpu_step" -v tf="$t_cpu_fwd" 'BEGIN {
        printf "CPU time, go %s: train step %.0f ms, torch %.0f ms: ratio %.2f; forward go %.0f ms, torch %.0f ms: ratio %.2f\n", p, gs, ts, gs/ts, gf, tf, gf/tf }'
      awk -v p="$prec" -v gs="$(val BenchmarkTrainStep ns/op)" -v gf="$(val BenchmarkForward ns/op)" -v ts="$t_step" -v tm="$t_min" -v tf="$t_fwd" -v gr="$(val BenchmarkTrainStep peakRSS-MiB)" 'BEGIN {
        printf "wall time, go %s: train step %.1f ms, torch median %.1f ms (min %.1f): ratio %.2f (vs min %.2f)\n", p, gs, ts, tm, gs/ts, gs/tm
        printf "wall time, go %s: forward %.1f ms, torch min %.1f ms: ratio %.2f\n", p, gf, tf, gf/tf
        printf "go %s peak RSS %s MiB (train step process)\n", p, gr }'
    done
  else
    echo "torch twin unavailable: install python3-torch (anchors looked up in $anchors)"
  fi
done
