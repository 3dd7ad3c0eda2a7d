package noise

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
