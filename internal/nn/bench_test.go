package nn

import (
	"math/rand/v2"
	"syscall"
	"testing"
)

// nnCPUTime returns the process's user+system CPU time in seconds.
func nnCPUTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// BenchmarkConv2d times the forward and backward passes of the UNet's most
// expensive convolution shapes at batch 32, reporting GFLOP/s of CPU time
// (steadier than wall time on a shared machine).
func BenchmarkConv2d(b *testing.B) {
	for _, tc := range []struct {
		name                string
		inC, outC, size, st int
	}{
		{"96to32x32", 96, 32, 32, 1},
		{"64to64x32", 64, 64, 32, 1},
		{"128to64x16", 128, 64, 16, 1},
		{"64to64x8", 64, 64, 8, 1},
		{"32to32s2", 32, 32, 32, 2},
	} {
		const batch = 32
		c := NewConv2d[float64](tc.inC, tc.outC, tc.size, tc.size, 3, tc.st, 1)
		rnd := rand.New(rand.NewPCG(1, 1))
		x := nnRandSlice(rnd, batch*c.InLen(), 1)
		w := nnRandSlice(rnd, c.WeightLen(), 1)
		bias := nnRandSlice(rnd, c.OutC, 1)
		out := make([]float64, batch*c.OutLen())
		dx := make([]float64, len(x))
		dw := make([]float64, len(w))
		db := make([]float64, len(bias))
		flops := 2 * float64(batch*c.OutLen()*c.FanIn())
		b.Run("fwd/"+tc.name, func(b *testing.B) {
			c.Forward(out, x, w, bias, batch)
			b.ReportAllocs()
			t0 := nnCPUTime()
			for b.Loop() {
				c.Forward(out, x, w, bias, batch)
			}
			b.ReportMetric(flops*float64(b.N)/(nnCPUTime()-t0)/1e9, "GFLOP/cpu-s")
		})
		b.Run("bwd/"+tc.name, func(b *testing.B) {
			c.Backward(dx, dw, db, out, x, w, batch)
			b.ReportAllocs()
			t0 := nnCPUTime()
			for b.Loop() {
				c.Backward(dx, dw, db, out, x, w, batch)
			}
			b.ReportMetric(2*flops*float64(b.N)/(nnCPUTime()-t0)/1e9, "GFLOP/cpu-s")
		})
	}
}

// BenchmarkUpConv2d compares the phase-decomposed upsampling convolution
// with upsampling followed by a 3×3 convolution (the UNet's us.1 shape: 64
// channels, 16×16 → 32×32, batch 32), forward and backward, in CPU time.
func BenchmarkUpConv2d(b *testing.B) {
	const batch, ch, h = 32, 64, 16
	rnd := rand.New(rand.NewPCG(1, 1))
	x := nnRandSlice(rnd, batch*ch*h*h, 1)
	w := nnRandSlice(rnd, ch*ch*9, 1)
	bias := nnRandSlice(rnd, ch, 1)
	out := make([]float64, 4*len(x))
	dx, dw, db := make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(bias))
	u := NewUpConv2d[float64](ch, ch, h, h)
	c := NewConv2d[float64](ch, ch, 2*h, 2*h, 3, 1, 1)
	up, dup := make([]float64, 4*len(x)), make([]float64, 4*len(x))
	b.Run("phases", func(b *testing.B) {
		b.ReportAllocs()
		t0 := nnCPUTime()
		for b.Loop() {
			u.Forward(out, x, w, bias, batch)
			u.Backward(dx, dw, db, out, x, w, batch)
		}
		b.ReportMetric((nnCPUTime()-t0)*1e3/float64(b.N), "cpu-ms/op")
	})
	b.Run("upsample+conv", func(b *testing.B) {
		b.ReportAllocs()
		t0 := nnCPUTime()
		for b.Loop() {
			Upsample2xForward(up, x, batch*ch, h, h)
			c.Forward(out, up, w, bias, batch)
			clear(dup)
			c.Backward(dup, dw, db, out, up, w, batch)
			Upsample2xBackward(dx, dup, batch*ch, h, h)
		}
		b.ReportMetric((nnCPUTime()-t0)*1e3/float64(b.N), "cpu-ms/op")
	})
}
