package diffusion

import (
	"bufio"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/cloud-diffusion/noise/internal/nn"
)

// The benchmarks time the default configuration (the PyTorch twin's) at the
// twin's batch of 32 one-channel 32×32 images, in float64 and float32
// precision (sub-benchmarks named after UNetConfig.Precision);
// scripts/bench_unet.sh runs them beside shared/anchors/torch_unet.py, each
// precision in its own process so that peakRSS-MiB is its own.

const benchBatch = 32

var benchPrecisions = []Precision{PrecisionFloat64, PrecisionFloat32}

func benchSetup(b *testing.B, prec Precision) (u *UNet, x, ts, eps, out []float64) {
	cfg := DefaultUNetConfig()
	cfg.Precision = prec
	u, err := NewUNet(cfg, rand.NewPCG(1, 2))
	if err != nil {
		b.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	n := benchBatch * 32 * 32
	x, eps, out = make([]float64, n), make([]float64, n), make([]float64, n)
	ts = make([]float64, benchBatch)
	for i := range x {
		x[i] = rnd.NormFloat64()
		eps[i] = rnd.NormFloat64()
	}
	for i := range ts {
		ts[i] = rnd.Float64()
	}
	return u, x, ts, eps, out
}

// BenchmarkTrainStep times one training step: forward, the gradient of the
// mean squared error against ε, backward and an AdamW update.
func BenchmarkTrainStep(b *testing.B) {
	for _, prec := range benchPrecisions {
		b.Run(prec.String(), func(b *testing.B) { benchTrainStep(b, prec) })
	}
}

func benchTrainStep(b *testing.B, prec Precision) {
	u, x, ts, eps, out := benchSetup(b, prec)
	m := make([]float64, u.NumParams())
	v := make([]float64, u.NumParams())
	dOut := make([]float64, len(out))
	opt := nn.DefaultAdamW()
	step := func(k int) {
		u.ZeroGrad()
		u.Forward(out, x, ts, benchBatch)
		// L = mean((out − ε)²), ∂L/∂out = 2(out − ε)/n.
		s := 2 / float64(len(out))
		for i := range out {
			dOut[i] = s * (out[i] - eps[i])
		}
		u.Backward(nil, dOut)
		opt.Step(u.Params(), u.Grads(), m, v, k)
	}
	step(1) // allocate buffers
	b.ReportAllocs()
	cpu0 := benchCPUTime()
	k := 2
	for b.Loop() {
		step(k)
		k++
	}
	b.StopTimer()
	benchReportCPU(b, cpu0)
	benchReportMemory(b, u)
}

// BenchmarkForward times one forward pass (inference).
func BenchmarkForward(b *testing.B) {
	for _, prec := range benchPrecisions {
		b.Run(prec.String(), func(b *testing.B) { benchForward(b, prec) })
	}
}

func benchForward(b *testing.B, prec Precision) {
	u, x, ts, _, out := benchSetup(b, prec)
	u.Forward(out, x, ts, benchBatch)
	b.ReportAllocs()
	cpu0 := benchCPUTime()
	for b.Loop() {
		u.Forward(out, x, ts, benchBatch)
	}
	b.StopTimer()
	benchReportCPU(b, cpu0)
	benchReportMemory(b, u)
}

// benchCPUTime returns the user+system CPU time of the process so far, in
// seconds (0 where unavailable).
func benchCPUTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// benchReportCPU reports the CPU time per operation since cpu0 in
// milliseconds: on a loaded machine it is steadier than wall time, and the
// ratio cpu-ms/op ÷ ns/op shows how many cores were kept busy.
func benchReportCPU(b *testing.B, cpu0 float64) {
	if cpu0 == 0 {
		return
	}
	b.ReportMetric((benchCPUTime()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
}

// benchReportMemory reports the activation buffers and, on Linux, the peak
// resident set size of the process so far (VmHWM).
func benchReportMemory(b *testing.B, u *UNet) {
	b.ReportMetric(float64(u.ActivationBytes())/(1<<20), "act-MiB")
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fs := strings.Fields(rest)
			if kb, err := strconv.ParseFloat(fs[0], 64); err == nil && len(fs) == 2 && fs[1] == "kB" {
				b.ReportMetric(kb/1024, "peakRSS-MiB")
			}
		}
	}
}
