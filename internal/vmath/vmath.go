package vmath

import "math"

// Float is the element type: float32 or float64.
type Float interface{ float32 | float64 }

// impl is the set of kernels of one precision. The assembly kernels process
// a multiple of their unit; the Go ones any length (unit 1).
type impl[T Float] struct {
	name string
	// units of NormGrad, of Sum and SumSqDev, and of DotDev.
	unit, unitSum, unitDot int

	affineSiLU     func(dst, src []T, a, b T)
	affineSiLUGrad func(dz, dy, x []T, a, b T)
	sum            func(x []T) float64
	sumSqDev       func(x []T, mu float64) float64
	dotDev         func(dy, x []T, mu float64) (sdx, sd float64)
	normGrad       func(d, dy, x []T, c1, c2, mu, c0 float64)
}

// The kernels usable on this machine, fastest first (the assembly ones that
// the CPU supports, see vmath_amd64.go, then plain Go); the first is used.
var (
	impls32 = []*impl[float32]{goImpl[float32]()}
	impls64 = []*impl[float64]{goImpl[float64]()}
)

func implsFor[T Float]() []*impl[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(impls32).([]*impl[T])
	}
	return any(impls64).([]*impl[T])
}

func implFor[T Float]() *impl[T] { return implsFor[T]()[0] }

// Kernels returns the name of the kernels in use for T ("avx512", "avx2"
// or "go"), for benchmarks and reports.
func Kernels[T Float]() string { return implFor[T]().name }

// AffineSiLU sets dst[i] = silu(a·src[i] + b) with silu(z) = z/(1 + e^−z)
// (z rounded after the product and after the sum, as plain Go computes it).
// dst may alias src. It panics if the lengths differ.
func AffineSiLU[T Float](dst, src []T, a, b T) { affineSiLUWith(implFor[T](), dst, src, a, b) }

func affineSiLUWith[T Float](k *impl[T], dst, src []T, a, b T) {
	if len(dst) != len(src) {
		panic("vmath: AffineSiLU length mismatch")
	}
	k.affineSiLU(dst, src, a, b)
}

// AffineSiLUGrad sets dz[i] = dy[i]·silu'(z) = dy[i]·s·(1 + z·(1 − s)) with
// z = a·x[i] + b and s = 1/(1 + e^−z): the gradient through y = silu(a·x+b)
// with respect to z, given dy. dz may alias dy. It panics if the lengths
// differ.
func AffineSiLUGrad[T Float](dz, dy, x []T, a, b T) {
	affineSiLUGradWith(implFor[T](), dz, dy, x, a, b)
}

func affineSiLUGradWith[T Float](k *impl[T], dz, dy, x []T, a, b T) {
	if len(dz) != len(x) || len(dy) != len(x) {
		panic("vmath: AffineSiLUGrad length mismatch")
	}
	k.affineSiLUGrad(dz, dy, x, a, b)
}

// The reductions and NormGrad run the kernels on a multiple of their unit
// and plain Go on the rest.

// Sum returns Σ x[i], accumulated in float64.
func Sum[T Float](x []T) float64 { return sumWith(implFor[T](), x) }

func sumWith[T Float](k *impl[T], x []T) float64 {
	n0 := len(x) - len(x)%k.unitSum
	return k.sum(x[:n0]) + goSum(x[n0:])
}

// SumSqDev returns Σ (x[i] − mu)², accumulated in float64.
func SumSqDev[T Float](x []T, mu float64) float64 { return sumSqDevWith(implFor[T](), x, mu) }

func sumSqDevWith[T Float](k *impl[T], x []T, mu float64) float64 {
	n0 := len(x) - len(x)%k.unitSum
	return k.sumSqDev(x[:n0], mu) + goSumSqDev(x[n0:], mu)
}

// DotDev returns Σ dy[i]·(x[i] − mu) and Σ dy[i], accumulated in float64.
// It panics if the lengths differ.
func DotDev[T Float](dy, x []T, mu float64) (sdx, sd float64) {
	return dotDevWith(implFor[T](), dy, x, mu)
}

func dotDevWith[T Float](k *impl[T], dy, x []T, mu float64) (sdx, sd float64) {
	if len(dy) != len(x) {
		panic("vmath: DotDev length mismatch")
	}
	n0 := len(x) - len(x)%k.unitDot
	sdx, sd = k.dotDev(dy[:n0], x[:n0], mu)
	a, b := goDotDev(dy[n0:], x[n0:], mu)
	return sdx + a, sd + b
}

// NormGrad sets d[i] += T(c1·dy[i] + c2·(x[i] − mu) + c0), the input
// gradient of a normalisation (internal/nn's GroupNorm), with the
// expression evaluated in float64 whatever T: its terms are often much
// larger than their sum. It panics if the lengths differ.
func NormGrad[T Float](d, dy, x []T, c1, c2, mu, c0 float64) {
	normGradWith(implFor[T](), d, dy, x, c1, c2, mu, c0)
}

func normGradWith[T Float](k *impl[T], d, dy, x []T, c1, c2, mu, c0 float64) {
	if len(dy) != len(d) || len(x) != len(d) {
		panic("vmath: NormGrad length mismatch")
	}
	n0 := len(d) - len(d)%k.unit
	k.normGrad(d[:n0], dy[:n0], x[:n0], c1, c2, mu, c0)
	goNormGrad(d[n0:], dy[n0:], x[n0:], c1, c2, mu, c0)
}

// goImpl returns the plain-Go kernels.
func goImpl[T Float]() *impl[T] {
	return &impl[T]{
		name: "go", unit: 1, unitSum: 1, unitDot: 1,
		affineSiLU: goAffineSiLU[T], affineSiLUGrad: goAffineSiLUGrad[T],
		sum: goSum[T], sumSqDev: goSumSqDev[T], dotDev: goDotDev[T], normGrad: goNormGrad[T],
	}
}

func goAffineSiLU[T Float](dst, src []T, a, b T) {
	dst = dst[:len(src)]
	for i, v := range src {
		z := v*a + b
		dst[i] = z / (1 + T(math.Exp(float64(-z))))
	}
}

func goAffineSiLUGrad[T Float](dz, dy, x []T, a, b T) {
	dz, dy = dz[:len(x)], dy[:len(x)]
	for i, v := range x {
		z := v*a + b
		s := 1 / (1 + T(math.Exp(float64(-z))))
		dz[i] = dy[i] * (s * (1 + z*(1-s)))
	}
}

func goSum[T Float](x []T) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s
}

func goSumSqDev[T Float](x []T, mu float64) float64 {
	s := 0.0
	for _, v := range x {
		d := float64(v) - mu
		s += d * d
	}
	return s
}

func goDotDev[T Float](dy, x []T, mu float64) (float64, float64) {
	dy = dy[:len(x)]
	var sdx, sd float64
	for i, v := range x {
		g := float64(dy[i])
		sdx += g * (float64(v) - mu)
		sd += g
	}
	return sdx, sd
}

func goNormGrad[T Float](d, dy, x []T, c1, c2, mu, c0 float64) {
	dy, x = dy[:len(d)], x[:len(d)]
	for i := range d {
		d[i] += T(c1*float64(dy[i]) + c2*(float64(x[i])-mu) + c0)
	}
}
