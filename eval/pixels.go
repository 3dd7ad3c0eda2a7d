package eval

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// pixels returns every pixel of the images xs, which must share one shape,
// in one new slice, or the error of checkSet.
func pixels(op, name string, xs []*mat.Dense) ([]float64, error) {
	rows, cols, err := checkSet(op, name, xs, 0, 0)
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, len(xs)*rows*cols)
	for _, x := range xs {
		raw := x.RawMatrix()
		for y := range raw.Rows {
			out = append(out, raw.Data[y*raw.Stride:y*raw.Stride+raw.Cols]...)
		}
	}
	return out, nil
}

// PixelWasserstein returns the Wasserstein-1 (earth mover's) distance
// between the pixel histograms of xs and ys, the empirical distributions of
// all their pixel values pooled over images:
//
//	W1 = ∫ |F_x(v) − F_y(v)| dv,
//
// with F_x and F_y the empirical cumulative distribution functions. It is
// computed exactly from the sorted values in O(n log n), n the number of
// pixels; the sets may differ in size. W1 is in pixel units: shifting every
// pixel of one set by c changes W1 by at most |c|, and W1(xs, xs + c) = |c|.
//
// PixelWasserstein returns an error if a set is empty or holds a nil matrix,
// images of mixed shapes or a NaN or infinite pixel (the two sets may differ
// in shape). It does not modify xs or ys.
func PixelWasserstein(xs, ys []*mat.Dense) (float64, error) {
	a, err := pixels("PixelWasserstein", "xs", xs)
	if err != nil {
		return 0, err
	}
	b, err := pixels("PixelWasserstein", "ys", ys)
	if err != nil {
		return 0, err
	}
	slices.Sort(a)
	slices.Sort(b)
	// Walk the merged sorted values; between consecutive values v < w the
	// CDFs are constant, F_x = i/na and F_y = j/nb.
	na, nb := float64(len(a)), float64(len(b))
	var i, j int
	var w1 float64
	prev := math.Min(a[0], b[0])
	for i < len(a) || j < len(b) {
		var v float64
		switch {
		case j == len(b) || (i < len(a) && a[i] <= b[j]):
			v = a[i]
		default:
			v = b[j]
		}
		w1 += math.Abs(float64(i)/na-float64(j)/nb) * (v - prev)
		for i < len(a) && a[i] == v {
			i++
		}
		for j < len(b) && b[j] == v {
			j++
		}
		prev = v
	}
	return w1, nil
}

// PixelTV returns the total-variation distance ½ Σ_b |p_b − q_b| between the
// pixel histograms p of xs and q of ys, with bins equal-width bins spanning
// [lo, hi] plus one overflow bin on each side (values below lo, values above
// hi), so that mass outside the range is counted, not clipped. It lies in
// [0, 1]: 0 for equal histograms, 1 for disjoint ones.
//
// PixelTV returns an error if bins < 1, lo ≥ hi or either is not finite, or
// a set is empty or holds a nil matrix, images of mixed shapes or a NaN or
// infinite pixel (the two sets may differ in shape).
func PixelTV(xs, ys []*mat.Dense, bins int, lo, hi float64) (float64, error) {
	if bins < 1 {
		return 0, fmt.Errorf("eval: PixelTV: needs at least 1 bin, got %d", bins)
	}
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return 0, errors.New("eval: PixelTV: needs a finite range lo < hi")
	}
	a, err := pixels("PixelTV", "xs", xs)
	if err != nil {
		return 0, err
	}
	b, err := pixels("PixelTV", "ys", ys)
	if err != nil {
		return 0, err
	}
	p := pixelHistogram(a, bins, lo, hi)
	q := pixelHistogram(b, bins, lo, hi)
	var tv float64
	for k := range p {
		tv += math.Abs(p[k] - q[k])
	}
	return tv / 2, nil
}

// pixelHistogram returns the normalised histogram of v: bin 0 holds v < lo,
// bins 1…bins the equal-width bins of [lo, hi] (hi in the last), bin bins+1
// holds v > hi.
func pixelHistogram(v []float64, bins int, lo, hi float64) []float64 {
	h := make([]float64, bins+2)
	scale := float64(bins) / (hi - lo)
	for _, x := range v {
		var k int
		switch {
		case x < lo:
			k = 0
		case x > hi:
			k = bins + 1
		default:
			k = 1 + min(int((x-lo)*scale), bins-1)
		}
		h[k]++
	}
	inv := 1 / float64(len(v))
	for k := range h {
		h[k] *= inv
	}
	return h
}
