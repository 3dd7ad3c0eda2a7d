package noise

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkSample times one n×n cloud-noise field (Δ = 1.5, the paper's
// construction) drawn into a reused matrix, one at a time and in batches of
// 16 on all cores; ms/sample is reported for scripts/bench_sampler.sh.
func BenchmarkSample(b *testing.B) {
	for _, n := range []int{32, 96, 256} {
		s, err := NewSampler(Spec{Rows: n, Cols: n, Delta: CloudDelta}, rand.NewPCG(1, 1))
		if err != nil {
			b.Fatal(err)
		}
		dst := mat.NewDense(n, n, nil)
		b.Run(fmt.Sprintf("single/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Sample(dst)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/sample")
		})
		batch := make([]*mat.Dense, 16)
		for i := range batch {
			batch[i] = mat.NewDense(n, n, nil)
		}
		b.Run(fmt.Sprintf("batch16/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.SampleBatch(batch)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(16*b.N), "ms/sample")
		})
	}
}
