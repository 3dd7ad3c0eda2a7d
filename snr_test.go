package noise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// snrTestFreq returns the frequencies in cycles per pixel of the centred
// layout of an axis of length n, built the way numpy does it:
// fftshift(fftfreq(n)), independently of snrWavenumber.
func snrTestFreq(n int) []float64 {
	f := make([]float64, n)
	for i := 0; i < n; i++ { // fftfreq: 0, 1, …, ⌈n/2⌉−1, −⌊n/2⌋, …, −1
		if i < (n+1)/2 {
			f[i] = float64(i) / float64(n)
		} else {
			f[i] = float64(i-n) / float64(n)
		}
	}
	shifted := make([]float64, n) // fftshift rolls by ⌊n/2⌋.
	for i := range f {
		shifted[(i+n/2)%n] = f[i]
	}
	return shifted
}

// snrTestK returns |k| at every centred index.
func snrTestK(rows, cols int) *mat.Dense {
	fy, fx := snrTestFreq(rows), snrTestFreq(cols)
	k := mat.NewDense(rows, cols, nil)
	for i := range fy {
		for j := range fx {
			k.Set(i, j, math.Sqrt(fy[i]*fy[i]+fx[j]*fx[j]))
		}
	}
	return k
}

// snrTestPowerLaw returns A²/|k|^(2Δ) at every centred index, 0 at k = 0.
func snrTestPowerLaw(rows, cols int, a, delta float64) *mat.Dense {
	k := snrTestK(rows, cols)
	g := mat.NewDense(rows, cols, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if kk := k.At(i, j); kk > 0 {
				g.Set(i, j, a*a*math.Pow(kk, -2*delta))
			}
		}
	}
	return g
}

func TestSNRWavenumber(t *testing.T) {
	t.Parallel()
	for _, sh := range [][2]int{{1, 1}, {1, 6}, {5, 5}, {6, 6}, {4, 7}, {9, 2}} {
		k := snrTestK(sh[0], sh[1])
		for i := 0; i < sh[0]; i++ {
			for j := 0; j < sh[1]; j++ {
				assert.InDelta(t, k.At(i, j), wavenumber(sh[0], sh[1], i, j), 1e-15, "%v (%d, %d)", sh, i, j)
			}
		}
		assert.Equal(t, 0.0, wavenumber(sh[0], sh[1], sh[0]/2, sh[1]/2), "DC at the centre")
	}
}

// TestSNRNaive checks FrequencySNR against the formula evaluated with At on
// random spectra, odd, even and rectangular, with strided views and aliasing.
func TestSNRNaive(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(7, 8))
	s := CosineSchedule(100, 0.008)
	pos := func(r, c int) *mat.Dense {
		m := schedTestView(rnd, r, c)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				m.Set(i, j, math.Abs(m.At(i, j))+0.1)
			}
		}
		return m
	}
	for _, sh := range [][2]int{{1, 1}, {3, 3}, {4, 4}, {5, 8}, {8, 3}} {
		for _, tt := range []int{1, 37, 100} {
			d, n := pos(sh[0], sh[1]), pos(sh[0], sh[1])
			dc, nc := mat.DenseCopyOf(d), mat.DenseCopyOf(n)
			want := mat.NewDense(sh[0], sh[1], nil)
			ab := s.AlphaBar(tt)
			for i := 0; i < sh[0]; i++ {
				for j := 0; j < sh[1]; j++ {
					want.Set(i, j, ab*d.At(i, j)/((1-ab)*n.At(i, j)))
				}
			}
			name := fmt.Sprintf("%v t=%d", sh, tt)
			got, err := s.FrequencySNR(nil, d, n, tt)
			require.NoError(t, err, name)
			assert.True(t, mat.EqualApprox(got, want, 1e-10*mat.Norm(want, math.Inf(1))), "%s: got\n%v\nwant\n%v", name, mat.Formatted(got), mat.Formatted(want))
			assert.True(t, mat.Equal(d, dc) && mat.Equal(n, nc), "%s: input modified", name)
			got2, err := s.FrequencySNR(d, d, n, tt)
			require.NoError(t, err)
			assert.Same(t, d, got2)
			assert.True(t, mat.EqualApprox(d, want, 1e-10*mat.Norm(want, math.Inf(1))), "%s: dst = data", name)
		}
	}
}

// TestSNRCloudFlat checks the paper's Figure 17 claim in its exact form: with
// both spectra power laws of the same Δ, SNR(k, t) is the same at every
// k ≠ 0, equal to SNR(t)·A²/B²; with white noise it falls like |k|^(−2Δ).
func TestSNRCloudFlat(t *testing.T) {
	t.Parallel()
	s := LinearSchedule(1000, 1e-4, 0.02)
	for _, sh := range [][2]int{{15, 15}, {16, 16}, {12, 20}} {
		for _, delta := range []float64{0.5, 1, 1.5, 2} {
			const a, b = 3.0, 0.7
			data := snrTestPowerLaw(sh[0], sh[1], a, delta)
			cloud := snrTestPowerLaw(sh[0], sh[1], b, delta)
			white := mat.NewDense(sh[0], sh[1], nil)
			white.Apply(func(int, int, float64) float64 { return 1 }, white)
			for _, tt := range []int{1, 200, 500, 1000} {
				name := fmt.Sprintf("%v Δ=%v t=%d", sh, delta, tt)
				want := s.SNR(tt) * a * a / (b * b)
				got, err := s.FrequencySNR(nil, data, cloud, tt)
				require.NoError(t, err, name)
				gotF, err := s.FrequencySNRFunc(sh[0], sh[1],
					func(k float64) float64 {
						if k == 0 {
							return 0
						}
						return a * a * math.Pow(k, -2*delta)
					},
					func(k float64) float64 {
						if k == 0 {
							return 0
						}
						return b * b * math.Pow(k, -2*delta)
					}, tt)
				require.NoError(t, err, name)
				gotW, err := s.FrequencySNR(nil, data, white, tt)
				require.NoError(t, err, name)
				k := snrTestK(sh[0], sh[1])
				for i := 0; i < sh[0]; i++ {
					for j := 0; j < sh[1]; j++ {
						kk := k.At(i, j)
						if kk == 0 {
							assert.True(t, math.IsNaN(got.At(i, j)), "%s: k = 0 is %v, want NaN (no power in either)", name, got.At(i, j))
							assert.True(t, math.IsNaN(gotF.At(i, j)), "%s: func k = 0", name)
							continue
						}
						assert.True(t, schedTestRel(got.At(i, j), want, 1e-12), "%s (%d, %d): %v, want flat %v", name, i, j, got.At(i, j), want)
						assert.True(t, schedTestRel(gotF.At(i, j), want, 1e-12), "%s (%d, %d): func %v, want flat %v", name, i, j, gotF.At(i, j), want)
						wantW := s.SNR(tt) * a * a * math.Pow(kk, -2*delta)
						assert.True(t, schedTestRel(gotW.At(i, j), wantW, 1e-12), "%s (%d, %d): white %v, want %v", name, i, j, gotW.At(i, j), wantW)
					}
				}
				kr, snr, err := s.RadialSNR(data, cloud, tt, 6)
				require.NoError(t, err, name)
				require.NotEmpty(t, snr, name)
				for i := range snr {
					assert.True(t, schedTestRel(snr[i], want, 1e-12), "%s: radial bin %d (|k| = %v): %v, want flat %v", name, i, kr[i], snr[i], want)
				}
				_, snrW, err := s.RadialSNR(data, white, tt, 6)
				require.NoError(t, err, name)
				for i := 1; i < len(snrW); i++ {
					assert.Less(t, snrW[i], snrW[i-1], "%s: white-noise radial SNR not decreasing", name)
				}
			}
		}
	}
}

// TestSNRRadial checks the binning against an independent At-based
// computation with explicit bin edges, and a hand-computed 2×2 case.
func TestSNRRadial(t *testing.T) {
	t.Parallel()
	s := OffsetCosineSchedule(50, 0.95, 0.02)
	rnd := rand.New(rand.NewPCG(9, 10))
	for _, sh := range [][2]int{{2, 2}, {5, 5}, {6, 6}, {7, 10}, {1, 9}} {
		for _, bins := range []int{1, 3, 4} {
			d := schedTestView(rnd, sh[0], sh[1])
			n := schedTestView(rnd, sh[0], sh[1])
			for i := 0; i < sh[0]; i++ {
				for j := 0; j < sh[1]; j++ {
					d.Set(i, j, math.Abs(d.At(i, j)))
					n.Set(i, j, math.Abs(n.At(i, j))+0.01)
				}
			}
			k := snrTestK(sh[0], sh[1])
			kmax := mat.Max(k)
			w := kmax / float64(bins)
			var wantK, wantSNR []float64
			for b := 0; b < bins; b++ {
				lo, hi := float64(b)*w, float64(b+1)*w
				var sk, sd, sn float64
				var cnt int
				for i := 0; i < sh[0]; i++ {
					for j := 0; j < sh[1]; j++ {
						kk := k.At(i, j)
						// Edges with the documented 1e-9 relative tolerance.
						in := kk > 0 && kk >= lo-1e-9*w && (kk < hi-1e-9*w || b == bins-1)
						if in {
							sk += kk
							sd += d.At(i, j)
							sn += n.At(i, j)
							cnt++
						}
					}
				}
				if cnt > 0 {
					wantK = append(wantK, sk/float64(cnt))
					wantSNR = append(wantSNR, s.SNR(20)*sd/sn)
				}
			}
			name := fmt.Sprintf("%v bins=%d", sh, bins)
			gotK, gotSNR, err := s.RadialSNR(d, n, 20, bins)
			require.NoError(t, err, name)
			assert.InDeltaSlice(t, wantK, gotK, 1e-14, name)
			require.Equal(t, len(wantSNR), len(gotSNR), name)
			for i := range wantSNR {
				assert.True(t, schedTestRel(gotSNR[i], wantSNR[i], 1e-12), "%s bin %d: %v want %v", name, i, gotSNR[i], wantSNR[i])
			}
		}
	}
	// 2×2 by hand: the non-zero frequencies are (−½, 0), (0, −½) with
	// |k| = ½ and (−½, −½) with |k| = √½ = kmax; with 2 bins of width √½/2
	// all three fall in the last bin.
	d := mat.NewDense(2, 2, []float64{1, 2, 3, 0})
	n := mat.NewDense(2, 2, []float64{4, 5, 6, 0})
	k, snr, err := s.RadialSNR(d, n, 10, 2)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{(0.5 + 0.5 + math.Sqrt(0.5)) / 3}, k, 1e-15)
	assert.InDeltaSlice(t, []float64{s.SNR(10) * 6 / 15}, snr, 1e-12)
}

// TestSNRZeroNoise checks the documented values where the noise has no
// power: +Inf where the data has power, NaN where neither has, and t = 0.
func TestSNRZeroNoise(t *testing.T) {
	t.Parallel()
	s := LinearSchedule(10, 1e-4, 0.02)
	d := mat.NewDense(1, 3, []float64{1, 0, 2})
	n := mat.NewDense(1, 3, []float64{0, 0, 1})
	got, err := s.FrequencySNR(nil, d, n, 5)
	require.NoError(t, err)
	assert.True(t, math.IsInf(got.At(0, 0), 1))
	assert.True(t, math.IsNaN(got.At(0, 1)))
	assert.InDelta(t, 2*s.SNR(5), got.At(0, 2), 1e-12)
	got, err = s.FrequencySNR(nil, d, n, 0)
	require.NoError(t, err)
	assert.True(t, math.IsInf(got.At(0, 2), 1), "t = 0 has no noise")
}

// TestSNRBadInput covers every rejected input: errors carry the noise:
// prefix and leave dst unchanged; t and dst shape are programmer errors and
// panic.
func TestSNRBadInput(t *testing.T) {
	t.Parallel()
	s := LinearSchedule(10, 1e-4, 0.02)
	ok := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	other := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	with := func(v float64) *mat.Dense {
		m := mat.DenseCopyOf(ok)
		m.Set(1, 2, v)
		return m
	}
	nan, inf := math.NaN(), math.Inf(1)
	for _, test := range []struct {
		name        string
		data, noise *mat.Dense
		want        string
	}{
		{"nil data", nil, ok, "data spectrum is nil or empty"},
		{"nil noise", ok, nil, "noise spectrum is nil or empty"},
		{"empty data", &mat.Dense{}, ok, "data spectrum is nil or empty"},
		{"empty noise", ok, &mat.Dense{}, "noise spectrum is nil or empty"},
		{"shapes", ok, other, "data spectrum is 2×3 but noise spectrum is 3×2"},
		{"data NaN", with(nan), ok, "data spectrum is NaN at (1, 2)"},
		{"data negative", with(-1), ok, "data spectrum is -1 at (1, 2)"},
		{"data Inf", with(inf), ok, "data spectrum is +Inf at (1, 2)"},
		{"noise NaN", ok, with(nan), "noise spectrum is NaN at (1, 2)"},
		{"noise negative", ok, with(-1e-300), "noise spectrum is -1e-300 at (1, 2)"},
		{"noise -Inf", ok, with(math.Inf(-1)), "noise spectrum is -Inf at (1, 2)"},
	} {
		dst := mat.NewDense(2, 3, []float64{7, 7, 7, 7, 7, 7})
		got, err := s.FrequencySNR(dst, test.data, test.noise, 3)
		if assert.Error(t, err, test.name) {
			assert.True(t, strings.HasPrefix(err.Error(), "noise: FrequencySNR: "), "%s: %q", test.name, err)
			assert.Contains(t, err.Error(), test.want, test.name)
		}
		assert.Same(t, dst, got, test.name)
		assert.Equal(t, []float64{7, 7, 7, 7, 7, 7}, dst.RawMatrix().Data, "%s: dst modified", test.name)
		_, _, err = s.RadialSNR(test.data, test.noise, 3, 2)
		if assert.Error(t, err, test.name) {
			assert.True(t, strings.HasPrefix(err.Error(), "noise: RadialSNR: "), "%s: %q", test.name, err)
			assert.Contains(t, err.Error(), test.want, test.name)
		}
	}
	for _, bins := range []int{0, -1, 7} {
		_, _, err := s.RadialSNR(ok, ok, 3, bins)
		if assert.Error(t, err, "bins=%d", bins) {
			assert.Contains(t, err.Error(), fmt.Sprintf("noise: RadialSNR: bins = %d outside 1..6", bins))
		}
	}
	one := mat.NewDense(1, 1, []float64{1})
	_, _, err := s.RadialSNR(one, one, 3, 1)
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), "noise: RadialSNR: a 1×1 grid")
	}

	unit := func(float64) float64 { return 1 }
	powerNoGuard := func(k float64) float64 { return math.Pow(k, -3) } // +Inf at k = 0
	for _, test := range []struct {
		name        string
		rows, cols  int
		data, noise func(float64) float64
		want        string
	}{
		{"rows 0", 0, 3, unit, unit, "invalid grid 0×3"},
		{"cols -1", 3, -1, unit, unit, "invalid grid 3×-1"},
		{"absurd grid", 1 << 20, 1 << 20, unit, unit, "too large"},
		{"nil data", 3, 3, nil, unit, "nil spectrum function"},
		{"nil noise", 3, 3, unit, nil, "nil spectrum function"},
		{"data Inf at k = 0", 3, 3, powerNoGuard, unit, "data spectrum +Inf at |k| = 0"},
		{"noise NaN", 3, 3, unit, func(float64) float64 { return nan }, "noise spectrum NaN"},
		{"noise negative", 3, 3, unit, func(float64) float64 { return -2 }, "noise spectrum -2"},
	} {
		m, err := s.FrequencySNRFunc(test.rows, test.cols, test.data, test.noise, 3)
		assert.Nil(t, m, test.name)
		if assert.Error(t, err, test.name) {
			assert.True(t, strings.HasPrefix(err.Error(), "noise: FrequencySNRFunc: "), "%s: %q", test.name, err)
			assert.Contains(t, err.Error(), test.want, test.name)
		}
	}

	schedTestPanics(t, "FrequencySNR t", "t = 11 outside 0..10", func() { s.FrequencySNR(nil, ok, ok, 11) })
	schedTestPanics(t, "FrequencySNRFunc t", "t = -1 outside 0..10", func() { s.FrequencySNRFunc(2, 2, unit, unit, -1) })
	schedTestPanics(t, "RadialSNR t", "t = 11 outside 0..10", func() { s.RadialSNR(ok, ok, 11, 2) })
	assert.PanicsWithValue(t, mat.ErrShape, func() { s.FrequencySNR(mat.NewDense(3, 2, nil), ok, ok, 3) }, "FrequencySNR dst")
	var empty mat.Dense
	got, err := s.FrequencySNR(&empty, ok, ok, 3)
	require.NoError(t, err)
	assert.Same(t, &empty, got)
}
