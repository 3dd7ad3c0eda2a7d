package noise

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// spectrumFuzzState returns the encoding of s, the state that
// UnmarshalBinary and Merge may change.
func spectrumFuzzState(t *testing.T, s *Spectrum) []byte {
	t.Helper()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// spectrumFuzzViews checks that every view of s is an error or finite.
func spectrumFuzzViews(t *testing.T, s *Spectrum, what string) {
	t.Helper()
	for name, view := range map[string]func() (*mat.Dense, error){"Mean": s.Mean, "Std": s.Std, "Power": s.Power} {
		m, err := view()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "noise: ") {
				t.Fatalf("%s: %s error without the package prefix: %v", what, name, err)
			}
			continue
		}
		for _, v := range m.RawMatrix().Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: %s holds %v", what, name, v)
			}
		}
	}
	// Power is normalised by the mean variance: its mean over k is 1.
	if p, err := s.Power(); err == nil {
		mean := mat.Sum(p) / float64(len(p.RawMatrix().Data))
		if math.Abs(mean-1) > 1e-9 {
			t.Fatalf("%s: Power has mean %v, want 1", what, mean)
		}
	}
	if v, err := s.MeanVariance(); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		t.Fatalf("%s: MeanVariance %v", what, v)
	}
}

// spectrumFuzzBase returns a 3×4 accumulator of 2 images, the receiver
// UnmarshalBinary must leave unchanged when it fails.
func spectrumFuzzBase(t *testing.T) *Spectrum {
	s := NewSpectrum(3, 4)
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 2 {
		x := mat.NewDense(3, 4, nil)
		for i := range 12 {
			x.RawMatrix().Data[i] = rnd.NormFloat64()
		}
		if err := s.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// FuzzSpectrumUnmarshalMerge decodes two byte strings with
// Spectrum.UnmarshalBinary and merges the results. Properties: a failed
// decode returns a "noise: " error and leaves the receiver unchanged; a
// successful one re-encodes (MarshalBinary) to exactly the input (the
// format is canonical) and allocates at most twice the input's length
// plus 64 KiB (the state, and the inverse scale of a standardised
// accumulator); every view (Mean, Std, Power, MeanVariance) of a decoded
// or merged accumulator is an error or finite; a failed Merge leaves the
// receiver unchanged, a successful one adds the counts and re-encodes to
// an encoding that decodes. The seed corpus
// (testdata/fuzz/FuzzSpectrumUnmarshalMerge) holds pairs of encodings of
// accumulators of 1×1 to 5×3 images, empty, windowed (Hann) and
// standardised, of matching and mismatched sizes and options, and
// truncated, foreign and oversized-header encodings.
func FuzzSpectrumUnmarshalMerge(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var decoded [2]*Spectrum
		for k, data := range [][]byte{a, b} {
			s := spectrumFuzzBase(t)
			before := spectrumFuzzState(t, s)
			var err error
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			err = s.UnmarshalBinary(data)
			runtime.ReadMemStats(&m1)
			if alloc, bound := m1.TotalAlloc-m0.TotalAlloc, 64<<10+2*uint64(len(data)); alloc > bound {
				t.Fatalf("UnmarshalBinary of %d bytes allocated %d, bound %d", len(data), alloc, bound)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "noise: ") {
					t.Fatalf("error without the package prefix: %v", err)
				}
				if !bytes.Equal(spectrumFuzzState(t, s), before) {
					t.Fatalf("failed UnmarshalBinary (%v) changed the receiver", err)
				}
				continue
			}
			if !bytes.Equal(spectrumFuzzState(t, s), data) {
				t.Fatal("MarshalBinary of a decoded spectrum differs from its encoding")
			}
			spectrumFuzzViews(t, s, "decoded")
			decoded[k] = s
		}
		s, o := decoded[0], decoded[1]
		if s == nil || o == nil {
			return
		}
		for _, pair := range [][2]*Spectrum{{s, o}, {o, o}} {
			dst, src := pair[0], pair[1]
			before := spectrumFuzzState(t, dst)
			n, m := dst.Count(), src.Count()
			if err := dst.Merge(src); err != nil {
				if !strings.HasPrefix(err.Error(), "noise: ") {
					t.Fatalf("error without the package prefix: %v", err)
				}
				if !bytes.Equal(spectrumFuzzState(t, dst), before) {
					t.Fatalf("failed Merge (%v) changed the receiver", err)
				}
				continue
			}
			if dst.Count() != n+m {
				t.Fatalf("merged count %d, want %d + %d", dst.Count(), n, m)
			}
			if err := new(Spectrum).UnmarshalBinary(spectrumFuzzState(t, dst)); err != nil {
				t.Fatalf("the encoding of a merged spectrum does not decode: %v", err)
			}
			spectrumFuzzViews(t, dst, "merged")
		}
	})
}

// TestSpectrumExtremeStates pins the defects FuzzSpectrumUnmarshalMerge
// found in decoded accumulators: Power of subnormal variances was +Inf
// (the normalisation 1/total overflowed; crasher 51789d2540a79f63 in the
// corpus), Power of variances whose sum overflows was 0 or NaN, Merge let
// means and sums of squares overflow to ±Inf, and merged counts above
// 2^31−1 made encodings UnmarshalBinary refuses.
func TestSpectrumExtremeStates(t *testing.T) {
	// withState returns the 3×4 accumulator of count images whose means
	// are all mean and sums of squares all m2.
	withState := func(mean, m2 float64, count uint64) *Spectrum {
		s := spectrumFuzzBase(t)
		data := spectrumFuzzState(t, s)
		binary.LittleEndian.PutUint64(data[14:], count)
		for k := range 4 * 12 {
			v := mean
			if (k/12)%2 == 1 { // mean, m2, fmean, fm2
				v = m2
			}
			binary.LittleEndian.PutUint64(data[spectrumHeader+8*k:], math.Float64bits(v))
		}
		if err := s.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Subnormal variances: Power is 1 everywhere (all equal).
	p, err := withState(0, 5e-324, 2).Power()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.RawMatrix().Data {
		if v != 1 {
			t.Fatalf("Power of equal subnormal variances: %v, want 1", v)
		}
	}
	// Variances summing beyond float64: an error, not zeros.
	huge := withState(0, math.MaxFloat64/4, 2)
	if _, err := huge.Power(); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("Power of overflowing variances: error %v", err)
	}
	if _, err := huge.MeanVariance(); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("MeanVariance of overflowing variances: error %v", err)
	}
	// Merging means of opposite signs near the largest float64: refused,
	// receiver unchanged.
	a, b := withState(math.MaxFloat64/2, 1, 2), withState(-math.MaxFloat64/2, 1, 2)
	before := spectrumFuzzState(t, a)
	if err := a.Merge(b); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("Merge overflowing: error %v", err)
	}
	if !bytes.Equal(spectrumFuzzState(t, a), before) {
		t.Error("failed Merge changed the receiver")
	}
	// Counts: 2^31−1 plus 1 is refused.
	c, d := withState(0, 1, spectrumMaxCount), withState(0, 1, 1)
	if err := c.Merge(d); err == nil {
		t.Error("Merge beyond 2^31−1 images: no error")
	}
	if c.Count() != spectrumMaxCount {
		t.Errorf("count %d after a failed Merge", c.Count())
	}
}
