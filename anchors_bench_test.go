package noise

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkAnchorJobs times the jobs of ../shared/anchors/bench_best.py in
// the way that script times its Python anchors, for scripts/bench_fft.sh:
// each sub-benchmark reports best-ms, the fastest of its b.N calls (the
// script's best() takes the fastest of 15), per image or field.
//
//   - realfft<N>: RealFFT.Forward of one N×N image into a reused matrix;
//   - spectrum96: Spectrum.AddBatch of 256 images of 96×96, per image;
//   - cloud<N>: Sampler.SampleBatch of 16 N×N cloud fields (Δ = 1.5, the
//     paper's construction), per field.
//
// The plans and samplers are made before the clock starts, as the anchors'
// FFTW plans are.
func BenchmarkAnchorJobs(b *testing.B) {
	best := func(b *testing.B, per int, f func()) {
		f()
		m := time.Duration(1 << 62)
		for b.Loop() {
			t := time.Now()
			f()
			m = min(m, time.Since(t))
		}
		b.ReportMetric(m.Seconds()*1e3/float64(per), "best-ms")
	}
	for _, n := range []int{96, 256} {
		b.Run("realfft"+strconv.Itoa(n), func(b *testing.B) {
			p, err := NewRealFFT(n, n)
			if err != nil {
				b.Fatal(err)
			}
			x := rfftRandom(rand.New(rand.NewPCG(1, 1)), n, n)
			X := mat.NewDense(n, n, nil)
			best(b, 1, func() { p.Forward(X, x) })
		})
	}
	b.Run("spectrum96", func(b *testing.B) {
		rnd := rand.New(rand.NewPCG(2, 2))
		xs := make([]*mat.Dense, 256)
		for i := range xs {
			xs[i] = mat.NewDense(96, 96, nil)
			for j := range xs[i].RawMatrix().Data {
				xs[i].RawMatrix().Data[j] = rnd.Float64()
			}
		}
		s := NewSpectrum(96, 96)
		best(b, len(xs), func() {
			if err := s.AddBatch(xs); err != nil {
				b.Fatal(err)
			}
		})
	})
	for _, n := range []int{96, 256} {
		b.Run("cloud"+strconv.Itoa(n), func(b *testing.B) {
			s, err := NewSampler(Spec{Rows: n, Cols: n, Delta: CloudDelta}, rand.NewPCG(3, 3))
			if err != nil {
				b.Fatal(err)
			}
			out := make([]*mat.Dense, 16)
			for i := range out {
				out[i] = mat.NewDense(n, n, nil)
			}
			best(b, len(out), func() { s.SampleBatch(out) })
		})
	}
}
