package noise

import "math"

// welford adds one observation to running moments, component by
// component: for each p it updates the mean and the sum of squared
// deviations m2 of a sequence with the new value x[p] (Welford 1962), given
// inv = 1/n for the new count n. Every running mean and variance of the
// package goes through it.
func welford(mean, m2, x []float64, inv float64) {
	mean = mean[:len(x)]
	m2 = m2[:len(x)]
	for p, v := range x {
		d := v - mean[p]
		mean[p] += d * inv
		m2[p] += d * (v - mean[p])
	}
}

// chanMerge merges the Welford state (mb, sb) of nb values into (ma, sa)
// of na values; n = na+nb.
func chanMerge(ma, sa, mb, sb []float64, na, nb, n float64) {
	fb := nb / n
	fab := na * nb / n
	for p := range ma {
		d := mb[p] - ma[p]
		ma[p] += d * fb
		sa[p] += sb[p] + d*d*fab
	}
}

// chanMergeFinite reports whether chanMerge(ma, sa, mb, sb, na, nb, n)
// would leave every mean and sum of squares finite, without changing them.
func chanMergeFinite(ma, sa, mb, sb []float64, na, nb, n float64) bool {
	fb := nb / n
	fab := na * nb / n
	for p := range ma {
		d := mb[p] - ma[p]
		m := ma[p] + d*fb
		v := sa[p] + sb[p] + d*d*fab
		if math.IsInf(m, 0) || math.IsNaN(m) || math.IsInf(v, 0) || math.IsNaN(v) {
			return false
		}
	}
	return true
}
