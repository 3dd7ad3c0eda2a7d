package experiment

import (
	"math/rand/v2"
	"testing"

	"github.com/cloud-diffusion/noise"
)

// BenchmarkScore times the metrics of one row of the default experiment:
// 48 samples of 32×32 against 2048 training images (the reference is
// built once, outside the timing).
func BenchmarkScore(b *testing.B) {
	dl := noise.DeadLeaves{Rows: 32, Cols: 32}
	train, err := dl.Images(2048, rand.NewPCG(1, 1))
	if err != nil {
		b.Fatal(err)
	}
	samples, err := dl.Images(48, rand.NewPCG(2, 2))
	if err != nil {
		b.Fatal(err)
	}
	ref, err := NewReference(train, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ref.Score(samples); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewReference times the statistics of 2048 training images of
// 32×32, dominated by the leave-one-out nearest-neighbour distances (one
// 2048×1024 by 1024×2048 product).
func BenchmarkNewReference(b *testing.B) {
	train, err := noise.DeadLeaves{Rows: 32, Cols: 32}.Images(2048, rand.NewPCG(1, 1))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewReference(train, 1); err != nil {
			b.Fatal(err)
		}
	}
}
