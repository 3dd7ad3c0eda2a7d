package noisebeam

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/dsp/window"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/cloud-diffusion/noise"
)

// combineTol is the relative tolerance between a merged spectrum and one
// accumulator over the same images. Welford and Chan updates differ only
// by rounding, a few ulps per merge; 1e-9 is the bound and leaves
// four orders of magnitude of margin for sets of a few dozen images.
const combineTol = 1e-9

// combineTestImages returns n rows×cols images of independent N(0, 1)
// pixels plus a per-image offset (so the mean is not zero), named im0...
func combineTestImages(rnd *rand.Rand, n, rows, cols int) []Image {
	out := make([]Image, n)
	for t := range out {
		m := mat.NewDense(rows, cols, nil)
		off := 3 * rnd.NormFloat64()
		for i := range rows {
			for j := range cols {
				m.Set(i, j, off+rnd.NormFloat64())
			}
		}
		out[t] = NewImage("im"+string(rune('0'+t%10)), m)
	}
	return out
}

// combineTestSame checks that two matrices agree elementwise within
// combineTol relative to the largest magnitude of want.
func combineTestSame(t require.TestingT, name string, got, want *mat.Dense) {
	gr, gc := got.Dims()
	wr, wc := want.Dims()
	require.Equal(t, [2]int{wr, wc}, [2]int{gr, gc}, "%s: shape", name)
	scale := mat.Norm(want, math.Inf(1)) // max row sum ≥ max |element|
	for i := range wr {
		for j := range wc {
			g, w := got.At(i, j), want.At(i, j)
			require.LessOrEqual(t, math.Abs(g-w), combineTol*scale, "%s(%d, %d): got %v want %v", name, i, j, g, w)
		}
	}
}

// combineTestCheck compares the spectrum encoded in data with ref.
func combineTestCheck(t require.TestingT, data []byte, ref *noise.Spectrum) {
	got := new(noise.Spectrum)
	require.NoError(t, got.UnmarshalBinary(data))
	require.Equal(t, ref.Count(), got.Count(), "count")
	gr, gc := got.Dims()
	rr, rc := ref.Dims()
	require.Equal(t, [2]int{rr, rc}, [2]int{gr, gc}, "dims")
	if ref.Count() == 0 {
		return
	}
	wm, _ := ref.Mean()
	gm, err := got.Mean()
	require.NoError(t, err)
	combineTestSame(t, "mean", gm, wm)
	ws, _ := ref.Std()
	gs, err := got.Std()
	require.NoError(t, err)
	combineTestSame(t, "std", gs, ws)
	wp, werr := ref.Power()
	gp, gerr := got.Power()
	if werr != nil {
		require.Error(t, gerr, "power of the merged spectrum should fail like the reference's: %v", werr)
		return
	}
	require.NoError(t, gerr)
	combineTestSame(t, "power", gp, wp)
}

// TestSpectrumFnMergeRandomSplits splits random image sets into random
// shards (some empty), accumulates each shard with AddInput, sends every
// accumulator through its Beam coder (as a runner does between workers),
// merges them in a random order and tree shape with MergeAccumulators and
// checks ExtractOutput against one noise.Spectrum over all images.
func TestSpectrumFnMergeRandomSplits(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		rows := rapid.IntRange(1, 9).Draw(rt, "rows")
		cols := rapid.IntRange(1, 9).Draw(rt, "cols")
		n := rapid.IntRange(1, 30).Draw(rt, "n")
		shards := rapid.IntRange(1, 8).Draw(rt, "shards")
		seed := rapid.Uint64().Draw(rt, "seed")
		rnd := rand.New(rand.NewPCG(seed, 7))
		images := combineTestImages(rnd, n, rows, cols)

		ref := noise.NewSpectrum(rows, cols)
		for _, im := range images {
			m, err := im.Dense()
			require.NoError(rt, err)
			require.NoError(rt, ref.Add(m))
		}

		fn := &SpectrumFn{Rows: rows, Cols: cols}
		accs := make([]Accumulator, shards)
		for s := range accs {
			a, err := fn.CreateAccumulator()
			require.NoError(rt, err)
			accs[s] = a
		}
		for _, im := range images {
			s := rnd.IntN(shards)
			var err error
			accs[s], err = fn.AddInput(accs[s], im)
			require.NoError(rt, err)
		}
		for s, a := range accs {
			data, err := encodeAccumulator(a)
			require.NoError(rt, err)
			accs[s], err = decodeAccumulator(data)
			require.NoError(rt, err)
		}
		// Merge random pairs until one accumulator is left.
		for len(accs) > 1 {
			i := rnd.IntN(len(accs))
			j := rnd.IntN(len(accs) - 1)
			if j >= i {
				j++
			}
			merged, err := fn.MergeAccumulators(accs[i], accs[j])
			require.NoError(rt, err)
			accs[i] = merged
			accs = append(accs[:j], accs[j+1:]...)
		}
		out, err := fn.ExtractOutput(accs[0])
		require.NoError(rt, err)
		combineTestCheck(rt, out, ref)
	})
}

// TestSpectrumFnMergeDoesNotAlias checks that merging into an empty
// accumulator copies the other one, so later additions to the result do
// not change it (a runner may still hold it).
func TestSpectrumFnMergeDoesNotAlias(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	images := combineTestImages(rnd, 4, 5, 6)
	fn := &SpectrumFn{Rows: 5, Cols: 6}
	b, err := fn.CreateAccumulator()
	require.NoError(t, err)
	for _, im := range images[:2] {
		b, err = fn.AddInput(b, im)
		require.NoError(t, err)
	}
	before, err := b.Spectrum.MarshalBinary()
	require.NoError(t, err)
	a, err := fn.CreateAccumulator()
	require.NoError(t, err)
	a, err = fn.MergeAccumulators(a, b)
	require.NoError(t, err)
	a, err = fn.AddInput(a, images[2])
	require.NoError(t, err)
	after, err := b.Spectrum.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, before, after, "b changed by additions to the merge result")
	require.Equal(t, 3, a.Spectrum.Count())
	require.Equal(t, 2, b.Spectrum.Count())
}

// TestSpectrumFnEmpty checks the empty accumulator: it encodes as zero
// bytes, merges as the identity and extracts an empty spectrum of the
// combiner's size.
func TestSpectrumFnEmpty(t *testing.T) {
	fn := &SpectrumFn{Rows: 3, Cols: 4}
	a, err := fn.CreateAccumulator()
	require.NoError(t, err)
	data, err := encodeAccumulator(a)
	require.NoError(t, err)
	require.Empty(t, data)
	a, err = decodeAccumulator(data)
	require.NoError(t, err)
	require.Nil(t, a.Spectrum)
	a, err = fn.MergeAccumulators(a, Accumulator{})
	require.NoError(t, err)
	require.Nil(t, a.Spectrum)
	out, err := fn.ExtractOutput(a)
	require.NoError(t, err)
	combineTestCheck(t, out, noise.NewSpectrum(3, 4))
}

// TestSpectrumFnBadInput covers the errors of the combiner: invalid sizes,
// images of the wrong shape, malformed or with NaN/Inf pixels (nothing is
// added), accumulators of another size and corrupt encodings.
func TestSpectrumFnBadInput(t *testing.T) {
	for _, fn := range []*SpectrumFn{{Rows: 0, Cols: 4}, {Rows: 4, Cols: 0}, {Rows: -1, Cols: 3}, {Rows: 1 << 20, Cols: 1 << 20}, {Rows: 4, Cols: 4, Window: "hamming"}} {
		_, err := fn.CreateAccumulator()
		require.Error(t, err, "%+v", *fn)
		require.True(t, strings.HasPrefix(err.Error(), "noise: "), err.Error())
	}

	fn := &SpectrumFn{Rows: 2, Cols: 3}
	good := Image{Name: "good", Rows: 2, Cols: 3, Pix: []float64{1, 2, 3, 4, 5, 6}}
	a, err := fn.AddInput(Accumulator{}, good)
	require.NoError(t, err)
	for _, im := range []Image{
		{Name: "wrong shape", Rows: 3, Cols: 2, Pix: []float64{1, 2, 3, 4, 5, 6}},
		{Name: "short", Rows: 2, Cols: 3, Pix: []float64{1, 2, 3}},
		{Name: "empty", Rows: 0, Cols: 3},
		{Name: "nan", Rows: 2, Cols: 3, Pix: []float64{1, math.NaN(), 3, 4, 5, 6}},
		{Name: "inf", Rows: 2, Cols: 3, Pix: []float64{1, 2, 3, 4, math.Inf(-1), 6}},
	} {
		a2, err := fn.AddInput(a, im)
		require.Error(t, err, im.Name)
		require.Contains(t, err.Error(), "noise: ", im.Name)
		require.Contains(t, err.Error(), im.Name)
		require.Equal(t, 1, a2.Spectrum.Count(), "%s: added despite the error", im.Name)
	}

	other, err := (&SpectrumFn{Rows: 3, Cols: 2}).AddInput(Accumulator{}, Image{Rows: 3, Cols: 2, Pix: []float64{1, 2, 3, 4, 5, 6}})
	require.NoError(t, err)
	_, err = fn.MergeAccumulators(a, other)
	require.ErrorContains(t, err, "noise: ")
	_, err = fn.MergeAccumulators(Accumulator{}, other)
	require.ErrorContains(t, err, "noise: ", "an empty accumulator must not take a spectrum of another size")

	data, err := encodeAccumulator(a)
	require.NoError(t, err)
	for _, bad := range [][]byte{data[:len(data)-1], data[:10], []byte("not a spectrum at all, no")} {
		_, err := decodeAccumulator(bad)
		require.ErrorContains(t, err, "noise: ")
	}
}

// TestMergeSpectraFn merges encoded partial spectra of random shards and
// compares with one Spectrum over all images; bad encodings and sizes are
// errors.
func TestMergeSpectraFn(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	images := combineTestImages(rnd, 25, 6, 5)
	ref := noise.NewSpectrum(6, 5)
	parts := make([]*noise.Spectrum, 4)
	for k := range parts {
		parts[k] = noise.NewSpectrum(6, 5)
	}
	for _, im := range images {
		m, _ := im.Dense()
		require.NoError(t, ref.Add(m))
		require.NoError(t, parts[rnd.IntN(len(parts))].Add(m))
	}
	fn := &MergeSpectraFn{Rows: 6, Cols: 5}
	a, err := fn.CreateAccumulator()
	require.NoError(t, err)
	b, err := fn.CreateAccumulator()
	require.NoError(t, err)
	for k, p := range parts {
		data, err := p.MarshalBinary()
		require.NoError(t, err)
		if k%2 == 0 {
			a, err = fn.AddInput(a, data)
		} else {
			b, err = fn.AddInput(b, data)
		}
		require.NoError(t, err)
	}
	a, err = fn.MergeAccumulators(a, b)
	require.NoError(t, err)
	out, err := fn.ExtractOutput(a)
	require.NoError(t, err)
	combineTestCheck(t, out, ref)

	other, err := noise.NewSpectrum(5, 6).MarshalBinary()
	require.NoError(t, err)
	for _, bad := range [][]byte{nil, []byte("junk"), other} {
		_, err := fn.AddInput(a, bad)
		require.ErrorContains(t, err, "noise: ")
	}
}

// TestSpectrumFnWindow checks the windowed combiner against a single
// noise.Spectrum with the same gonum window, and that spectra with
// different windows do not merge.
func TestSpectrumFnWindow(t *testing.T) {
	rnd := rand.New(rand.NewPCG(8, 9))
	images := combineTestImages(rnd, 12, 7, 10)
	for _, c := range []struct {
		name string
		w    func([]float64) []float64
	}{{"hann", window.Hann}, {"tukey", window.Tukey{Alpha: 0.5}.Transform}} {
		ref, err := noise.NewSpectrumOptions(7, 10, &noise.SpectrumOptions{Window: c.w})
		require.NoError(t, err)
		fn := &SpectrumFn{Rows: 7, Cols: 10, Window: c.name}
		a, _ := fn.CreateAccumulator()
		b, _ := fn.CreateAccumulator()
		for k, im := range images {
			m, _ := im.Dense()
			require.NoError(t, ref.Add(m))
			if k%3 == 0 {
				a, err = fn.AddInput(a, im)
			} else {
				b, err = fn.AddInput(b, im)
			}
			require.NoError(t, err)
		}
		a, err = fn.MergeAccumulators(a, b)
		require.NoError(t, err)
		out, err := fn.ExtractOutput(a)
		require.NoError(t, err)
		combineTestCheck(t, out, ref)
		// A spectrum without the window does not merge into a windowed one.
		plain, err := (&SpectrumFn{Rows: 7, Cols: 10}).AddInput(Accumulator{}, images[0])
		require.NoError(t, err)
		_, err = fn.MergeAccumulators(a, plain)
		require.ErrorContains(t, err, "noise: ", c.name)
	}
}
