package vmath

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The reference for every kernel is the plain-Go version (goImpl), which
// computes each value in the obvious way with math.Exp. Tolerances:
//   - SiLU and its derivative: the assembly exponential's relative error is
//     below 2e-7 (float32, Cephes' polynomial) or a few 1e-16 (float64,
//     degree-12 Taylor), and the rest of the formula adds a few roundings:
//     4e-7 and 4e-15 relative to the largest of the value and the scale
//     |z|, which is how far a rounding of z itself moves the result.
//   - Sums: each accumulates n terms in float64 in a different order, so
//     they agree to n·2⁻⁵³ of the sum of the terms' magnitudes.
const (
	siluTol32 = 4e-7
	siluTol64 = 4e-15
)

func randSlice[T Float](rnd *rand.Rand, n int, scale float64) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(scale * rnd.NormFloat64())
	}
	return x
}

// lengths covers the empty slice, every tail length, several units.
var lengths = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257}

func TestKernelsAgainstGo(t *testing.T) {
	testKernels[float32](t, siluTol32)
	testKernels[float64](t, siluTol64)
}

func testKernels[T Float](t *testing.T, tol float64) {
	for _, k := range implsFor[T]() {
		testImpl(t, k, tol)
	}
}

// testImpl checks the kernels k, through the tail handling of the exported
// functions, against plain Go.
func testImpl[T Float](t *testing.T, k *impl[T], tol float64) {
	g := goImpl[T]()
	t.Logf("%T kernels: %s", T(0), k.name)
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, n := range lengths {
		for _, scale := range []float64{0.5, 4, 40} {
			x := randSlice[T](rnd, n, scale)
			dy := randSlice[T](rnd, n, 1)
			d := randSlice[T](rnd, n, 1)
			a, b := T(0.7), T(-0.3)

			got, want := make([]T, n), make([]T, n)
			affineSiLUWith(k, got, x, a, b)
			g.affineSiLU(want, x, a, b)
			for i := range got {
				z := math.Abs(float64(x[i]*a + b))
				if e := math.Abs(float64(got[i] - want[i])); e > tol*max(z, 1e-30) {
					t.Fatalf("%T AffineSiLU n %d: [%d] = %v, want %v (z %v)", T(0), n, i, got[i], want[i], z)
				}
			}
			affineSiLUGradWith(k, got, dy, x, a, b)
			g.affineSiLUGrad(want, dy, x, a, b)
			for i := range got {
				z := math.Abs(float64(x[i]*a + b))
				if e := math.Abs(float64(got[i] - want[i])); e > 2*tol*math.Abs(float64(dy[i]))*max(1, z) {
					t.Fatalf("%T AffineSiLUGrad n %d: [%d] = %v, want %v", T(0), n, i, got[i], want[i])
				}
			}

			abs, absDev, absDot := 0.0, 0.0, 0.0
			mu := 0.3
			for i, v := range x {
				abs += math.Abs(float64(v))
				absDev += (float64(v) - mu) * (float64(v) - mu)
				absDot += math.Abs(float64(dy[i]) * (float64(v) - mu))
			}
			sumTol := float64(n+1) * 0x1p-52
			assert.InDelta(t, g.sum(x), sumWith(k, x), sumTol*abs, "%T Sum n %d", T(0), n)
			assert.InDelta(t, g.sumSqDev(x, mu), sumSqDevWith(k, x, mu), sumTol*absDev+1e-300, "%T SumSqDev n %d", T(0), n)
			sdx, sd := dotDevWith(k, dy, x, mu)
			wdx, wd := g.dotDev(dy, x, mu)
			absDy := 0.0
			for _, v := range dy {
				absDy += math.Abs(float64(v))
			}
			assert.InDelta(t, wdx, sdx, sumTol*absDot, "%T DotDev n %d", T(0), n)
			assert.InDelta(t, wd, sd, sumTol*absDy, "%T DotDev sum n %d", T(0), n)

			c1, c2, m0, c0 := 0.9, -0.2, 0.1, 0.05
			got2, want2 := append([]T(nil), d...), append([]T(nil), d...)
			normGradWith(k, got2, dy, x, c1, c2, m0, c0)
			g.normGrad(want2, dy, x, c1, c2, m0, c0)
			assert.Equal(t, want2, got2, "%s %T NormGrad n %d: same operations, bit for bit", k.name, T(0), n)
		}
	}
}

// TestSiLUAccuracy sweeps z over [−120, 120] (beyond the exponential's
// clamp on both sides) against silu computed in float64 with math.Exp.
func TestSiLUAccuracy(t *testing.T) {
	testSiLUAccuracy[float32](t, siluTol32)
	testSiLUAccuracy[float64](t, siluTol64)
}

func testSiLUAccuracy[T Float](t *testing.T, tol float64) {
	for _, k := range implsFor[T]() {
		testSiLUAccuracyImpl(t, k, tol)
	}
}

func testSiLUAccuracyImpl[T Float](t *testing.T, k *impl[T], tol float64) {
	const n = 24001
	z := make([]T, n)
	for i := range z {
		z[i] = T(-120 + 0.01*float64(i))
	}
	y := make([]T, n)
	affineSiLUWith(k, y, z, 1, 0)
	for i, v := range z {
		want := float64(v) / (1 + math.Exp(-float64(v)))
		if e := math.Abs(float64(y[i]) - want); e > tol*max(math.Abs(float64(v)), 1e-30)+1e-300 {
			t.Fatalf("%s %T silu(%v) = %v, want %v", k.name, T(0), v, y[i], want)
		}
	}
	// Special values: silu(0) = 0, silu(+Inf) = +Inf, NaN stays NaN.
	sp := []T{0, T(math.Inf(1)), T(math.NaN())}
	out := make([]T, len(sp))
	affineSiLUWith(k, out, sp, 1, 0)
	assert.Equal(t, T(0), out[0], k.name)
	assert.True(t, math.IsInf(float64(out[1]), 1), k.name)
	assert.True(t, math.IsNaN(float64(out[2])), k.name)
	affineSiLUGradWith(k, out, []T{1, 1, 1}, sp, 1, 0)
	assert.Equal(t, T(0.5), out[0], "%s: silu'(0) = 1/2", k.name)
	assert.True(t, math.IsNaN(float64(out[2])), k.name)
}

// TestPositionIndependent checks that an element's result does not depend
// on where the slice starts (vector lanes and the tail are treated alike).
func TestPositionIndependent(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 2))
	x := randSlice[float32](rnd, 100, 3)
	for _, k := range impls32 {
		whole := make([]float32, len(x))
		affineSiLUWith(k, whole, x, 1.5, 0.2)
		for off := 1; off < 20; off++ {
			part := make([]float32, len(x)-off)
			affineSiLUWith(k, part, x[off:], 1.5, 0.2)
			assert.Equal(t, whole[off:], part, "%s: offset %d", k.name, off)
		}
	}
}

func TestPanics(t *testing.T) {
	a, b := make([]float64, 3), make([]float64, 4)
	assert.Panics(t, func() { AffineSiLU(a, b, 1, 0) })
	assert.Panics(t, func() { AffineSiLUGrad(a, a, b, 1, 0) })
	assert.Panics(t, func() { DotDev(a, b, 0) })
	assert.Panics(t, func() { NormGrad(a, a, b, 1, 1, 0, 0) })
}

func BenchmarkAffineSiLU(b *testing.B) {
	benchSiLU[float32](b)
	benchSiLU[float64](b)
}

func benchSiLU[T Float](b *testing.B) {
	rnd := rand.New(rand.NewPCG(3, 3))
	x := randSlice[T](rnd, 4096, 2)
	y := make([]T, len(x))
	for _, k := range []struct {
		name string
		f    func(dst, src []T, a, b T)
	}{{implFor[T]().name, func(d, s []T, a, b T) { AffineSiLU(d, s, a, b) }}, {"go", goImpl[T]().affineSiLU}} {
		b.Run(k.name+"/"+map[bool]string{true: "float32", false: "float64"}[isF32[T]()], func(b *testing.B) {
			b.SetBytes(int64(len(x)) * int64(map[bool]int{true: 4, false: 8}[isF32[T]()]))
			for b.Loop() {
				k.f(y, x, 1.1, 0.1)
			}
		})
	}
}

func isF32[T Float]() bool {
	_, ok := any(T(0)).(float32)
	return ok
}
