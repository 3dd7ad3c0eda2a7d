package noise

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// concurrencyJob is one worker's share of TestConcurrentPathsSameBits: its
// own Sampler, Spectrum and RealFFT plan, SampleBatch and AddBatch on the
// shared worker pool (internal/parallel), and Sample, Forward and Inverse
// on its own buffers. It returns every number it computed, as bits.
func concurrencyJob(t *testing.T, w, batch int) []uint64 {
	shapes := [][2]int{{8, 8}, {9, 6}, {16, 12}, {5, 7}, {12, 16}, {7, 7}}
	r, c := shapes[w%len(shapes)][0], shapes[w%len(shapes)][1]
	spec := Spec{Rows: r, Cols: c, Delta: 1 + 0.125*float64(w%5)}
	if w%3 == 2 {
		spec = Spec{Rows: r, Cols: c, Density: WhiteDensity()}
	}
	s, err := NewSampler(spec, rand.NewPCG(uint64(w), 17))
	if err != nil {
		t.Error(err)
		return nil
	}
	fields := s.SampleBatch(make([]*mat.Dense, batch))
	fields = append(fields, s.Sample(nil), s.Sample(nil))
	plan, err := NewRealFFT(r, c)
	if err != nil {
		t.Error(err)
		return nil
	}
	var out []uint64
	bits := func(m *mat.Dense) {
		for _, v := range m.RawMatrix().Data {
			out = append(out, math.Float64bits(v))
		}
	}
	for _, f := range fields {
		bits(f)
		X := plan.Forward(nil, f)
		bits(X)
		bits(plan.Inverse(nil, X))
	}
	acc := NewSpectrum(r, c)
	if err := acc.AddBatch(fields[:batch]); err != nil {
		t.Error(err)
		return nil
	}
	for _, f := range fields[batch:] {
		if err := acc.Add(f); err != nil {
			t.Error(err)
			return nil
		}
	}
	enc, err := acc.MarshalBinary()
	if err != nil {
		t.Error(err)
		return nil
	}
	for i := 0; i+8 <= len(enc); i += 8 {
		out = append(out, uint64(enc[i])|uint64(enc[i+1])<<8|uint64(enc[i+2])<<16|uint64(enc[i+3])<<24|
			uint64(enc[i+4])<<32|uint64(enc[i+5])<<40|uint64(enc[i+6])<<48|uint64(enc[i+7])<<56)
	}
	return out
}

// mergeTree merges leaves pairwise, level by level ((0,1), (2,3), … then
// the results), the merges of one level in parallel when concurrent, and
// returns the encoding of the root. The tree, and so the rounding, is the
// same either way.
func mergeTree(t *testing.T, leaves []*Spectrum, concurrent bool) []byte {
	level := leaves
	for len(level) > 1 {
		next := make([]*Spectrum, (len(level)+1)/2)
		var wg sync.WaitGroup
		for i := range next {
			merge := func() {
				a := level[2*i]
				if 2*i+1 < len(level) {
					if err := a.Merge(level[2*i+1]); err != nil {
						t.Error(err)
					}
				}
				next[i] = a
			}
			if concurrent {
				wg.Go(merge)
			} else {
				merge()
			}
		}
		wg.Wait()
		level = next
	}
	enc, err := level[0].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// mergeLeaves returns n accumulators of 12×10 images, shard k of the
// fields drawn from PCG(k, 5), each built with AddBatch, concurrently
// when asked.
func mergeLeaves(t *testing.T, n, per int, concurrent bool) []*Spectrum {
	leaves := make([]*Spectrum, n)
	var wg sync.WaitGroup
	for k := range leaves {
		build := func() {
			s, err := NewSampler(Spec{Rows: 12, Cols: 10, Delta: 1.5}, rand.NewPCG(uint64(k), 5))
			if err != nil {
				t.Error(err)
				return
			}
			acc := NewSpectrum(12, 10)
			if err := acc.AddBatch(s.SampleBatch(make([]*mat.Dense, per))); err != nil {
				t.Error(err)
			}
			leaves[k] = acc
		}
		if concurrent {
			wg.Go(build)
		} else {
			build()
		}
	}
	wg.Wait()
	return leaves
}

// TestConcurrentPathsSameBits (issue 17 item 4) runs many goroutines at
// once, each with its own Sampler, Spectrum and RealFFT plan, calling
// SampleBatch and AddBatch on the shared worker pool, and builds and merges
// a tree of partial spectra with the merges of each level in parallel. Run
// with -race (CI runs the short tests with it), it proves the paths free of
// data races; in any mode, every number must be bit for bit the one of the
// same work done sequentially.
func TestConcurrentPathsSameBits(t *testing.T) {
	workers, batch, rounds, leaves := 24, 6, 3, 16
	if testing.Short() {
		workers, rounds, leaves = 8, 2, 8
	}
	want := make([][]uint64, workers)
	for w := range want {
		want[w] = concurrencyJob(t, w, batch)
	}
	wantTree := mergeTree(t, mergeLeaves(t, leaves, batch, false), false)
	for round := range rounds {
		got := make([][]uint64, workers)
		var wg sync.WaitGroup
		for w := range got {
			wg.Go(func() { got[w] = concurrencyJob(t, w, batch) })
		}
		var gotTree []byte
		wg.Go(func() { gotTree = mergeTree(t, mergeLeaves(t, leaves, batch, true), true) })
		wg.Wait()
		for w := range got {
			if len(got[w]) != len(want[w]) {
				t.Fatalf("round %d worker %d: %d numbers, sequential %d", round, w, len(got[w]), len(want[w]))
			}
			for i := range got[w] {
				if got[w][i] != want[w][i] {
					t.Fatalf("round %d worker %d: number %d differs from the sequential run (%s)", round, w, i,
						fmt.Sprintf("%#x vs %#x", got[w][i], want[w][i]))
				}
			}
		}
		if !bytes.Equal(gotTree, wantTree) {
			t.Fatalf("round %d: the concurrent merge tree differs from the sequential one", round)
		}
	}
}
