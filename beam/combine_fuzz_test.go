package noisebeam

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzMergeSpectraFn feeds two byte strings to the Beam coder of the
// accumulator (decodeAccumulator) and to MergeSpectraFn.AddInput, as a
// runner would deliver them from other workers. Properties: the coder
// returns a "noise: " error or an accumulator that it re-encodes to exactly
// the input (empty input: the empty accumulator); AddInput returns an
// error and leaves the accumulator it was given unchanged, or merges; the
// extracted output decodes, and holds the sum of the counts. The combiner's
// size is that of the first input when it decodes (5×3 otherwise); each
// input is merged by combiners without a window, with "hann" and with
// "tukey". Seeds (testdata/fuzz/FuzzMergeSpectraFn): encodings
// of 5×3 and 4×4 accumulators from SpectrumFn, empty, Hann- and
// Tukey-windowed, matching and mismatched, and truncated and foreign
// inputs.
func FuzzMergeSpectraFn(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b []byte) {
		fn := &MergeSpectraFn{Rows: 5, Cols: 3}
		var decoded [2]Accumulator
		for k, data := range [][]byte{a, b} {
			acc, err := decodeAccumulator(data)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "noise: ") {
					t.Fatalf("error without the package prefix: %v", err)
				}
				continue
			}
			enc, err := encodeAccumulator(acc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, data) {
				t.Fatal("the coder does not re-encode a decoded accumulator to its input")
			}
			decoded[k] = acc
		}
		if s := decoded[0].Spectrum; s != nil {
			fn.Rows, fn.Cols = s.Dims()
		}
		for _, fn.Window = range []string{"", "hann", "tukey"} {
			fuzzMerge(t, fn, a, b)
		}
	})
}

// fuzzMerge merges the encodings a and b with fn and checks the
// properties of FuzzMergeSpectraFn.
func fuzzMerge(t *testing.T, fn *MergeSpectraFn, a, b []byte) {
	acc, err := fn.CreateAccumulator()
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, data := range [][]byte{a, b} {
		before, err := encodeAccumulator(acc)
		if err != nil {
			t.Fatal(err)
		}
		next, err := fn.AddInput(acc, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "noise: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			after, _ := encodeAccumulator(acc)
			if !bytes.Equal(before, after) {
				t.Fatalf("failed AddInput (%v) changed the accumulator", err)
			}
			continue
		}
		in, _ := decodeAccumulator(data)
		count += in.Spectrum.Count()
		acc = next
	}
	out, err := fn.ExtractOutput(acc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeAccumulator(out)
	if err != nil {
		t.Fatalf("the output does not decode: %v", err)
	}
	if got.Spectrum.Count() != count {
		t.Fatalf("output of %d images, inputs merged %d", got.Spectrum.Count(), count)
	}
}
