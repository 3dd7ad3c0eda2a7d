package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"pgregory.net/rapid"
)

// The reference for every product is gonum's blas64.Gemm or blas32.Gemm.
// Both it and Gemm round each of the k products and sums, so each differs
// from the exact C by at most about (k+2)·ε·(|alpha|·Σ_p |A_ip||B_pj| +
// |beta·C_ij|) (the standard bound for a dot product, Higham, Accuracy and
// Stability of Numerical Algorithms, §3.1), and they differ from each other
// by at most twice that. errBound computes that bound per element, in
// float64, from the absolute values.

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans}

func trName(t blas.Transpose) string {
	if t == blas.NoTrans {
		return "N"
	}
	return "T"
}

// operands holds one test product: op(A) m×k, op(B) k×n, C m×n, all with
// leading dimensions larger than needed (pad) so that strides are tested.
type operands struct {
	tA, tB         blas.Transpose
	m, n, k        int
	lda, ldb, ldc  int
	ar, ac, br, bc int
	a, b, c        []float64
	alpha, beta    float64
}

func newOperands(rnd *rand.Rand, tA, tB blas.Transpose, m, n, k, pad int, alpha, beta float64) *operands {
	o := &operands{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	o.ar, o.ac = m, k
	if tA != blas.NoTrans {
		o.ar, o.ac = k, m
	}
	o.br, o.bc = k, n
	if tB != blas.NoTrans {
		o.br, o.bc = n, k
	}
	o.lda, o.ldb, o.ldc = max(1, o.ac)+pad, max(1, o.bc)+pad, max(1, n)+pad
	fill := func(rows, ld int) []float64 {
		s := make([]float64, rows*ld)
		for i := range s {
			s[i] = rnd.Float64()*2 - 1
		}
		return s
	}
	o.a, o.b, o.c = fill(o.ar, o.lda), fill(o.br, o.ldb), fill(m, o.ldc)
	if beta == 0 {
		// BLAS semantics: C is not read, so NaNs in it must not leak.
		for i := range o.c {
			o.c[i] = math.NaN()
		}
	}
	return o
}

// want returns the reference product and the per-element error bound.
func (o *operands) want(f32 bool) (want, bound []float64) {
	eps := 0x1p-53
	if f32 {
		eps = 0x1p-24
	}
	want = slices.Clone(o.c)
	if f32 {
		a, b, c := to32(o.a), to32(o.b), to32(want)
		blas32.Gemm(o.tA, o.tB, float32(o.alpha), blas32.General{Rows: o.ar, Cols: o.ac, Stride: o.lda, Data: a},
			blas32.General{Rows: o.br, Cols: o.bc, Stride: o.ldb, Data: b}, float32(o.beta),
			blas32.General{Rows: o.m, Cols: o.n, Stride: o.ldc, Data: c})
		want = to64(c)
	} else if o.m > 0 && o.n > 0 {
		blas64.Gemm(o.tA, o.tB, o.alpha, blas64.General{Rows: o.ar, Cols: o.ac, Stride: o.lda, Data: o.a},
			blas64.General{Rows: o.br, Cols: o.bc, Stride: o.ldb, Data: o.b}, o.beta,
			blas64.General{Rows: o.m, Cols: o.n, Stride: o.ldc, Data: want})
	}
	bound = make([]float64, len(o.c))
	for i := 0; i < o.m; i++ {
		for j := 0; j < o.n; j++ {
			s := 0.0
			for p := 0; p < o.k; p++ {
				s += math.Abs(o.opA(i, p) * o.opB(p, j))
			}
			cb := 0.0
			if o.beta != 0 {
				cb = math.Abs(o.beta * o.c[i*o.ldc+j])
			}
			bound[i*o.ldc+j] = 2 * float64(o.k+2) * eps * (math.Abs(o.alpha)*s + cb)
		}
	}
	return want, bound
}

func (o *operands) opA(i, p int) float64 {
	if o.tA == blas.NoTrans {
		return o.a[i*o.lda+p]
	}
	return o.a[p*o.lda+i]
}

func (o *operands) opB(p, j int) float64 {
	if o.tB == blas.NoTrans {
		return o.b[p*o.ldb+j]
	}
	return o.b[j*o.ldb+p]
}

func to32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// sameBits reports whether x and y hold the same bit patterns.
func sameBits(x, y []float64) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return false
		}
	}
	return true
}

// check runs the product with ker and compares it with the reference: every
// element of C within the bound, the padding of C and the inputs unchanged.
func check[T Float](t *testing.T, ker *kernel[T], o *operands, name string) {
	t.Helper()
	_, f32 := any(T(0)).(float32)
	want, bound := o.want(f32)
	conv := func(x []float64) []T {
		y := make([]T, len(x))
		for i, v := range x {
			y[i] = T(v)
		}
		return y
	}
	a, b, c := conv(o.a), conv(o.b), conv(o.c)
	a0, b0 := slices.Clone(a), slices.Clone(b)
	gemm(ker, o.tA, o.tB, o.m, o.n, o.k, T(o.alpha), a, o.lda, b, o.ldb, T(o.beta), c, o.ldc)
	require.Equal(t, a0, a, "%s: A modified", name)
	require.Equal(t, b0, b, "%s: B modified", name)
	for i := range c {
		got := float64(c[i])
		if i/o.ldc >= o.m || i%o.ldc >= o.n {
			if !(math.IsNaN(got) && math.IsNaN(float64(T(o.c[i])))) && got != float64(T(o.c[i])) {
				t.Fatalf("%s: padding C[%d] changed to %g", name, i, got)
			}
			continue
		}
		if math.IsNaN(got) || math.Abs(got-want[i]) > bound[i] {
			t.Fatalf("%s: C[%d,%d] = %g, want %g ± %.3g", name, i/o.ldc, i%o.ldc, got, want[i], bound[i])
		}
	}
}

// shapes returns products around the blocking of ker: sizes just below,
// at and above multiples of mr, nr, kc and mc, ones, primes and zeros.
func shapes(mr, nr, mc, kc int, short bool) [][3]int {
	s := [][3]int{
		{0, 0, 0}, {0, 5, 3}, {5, 0, 3}, {5, 3, 0}, {1, 1, 1}, {1, 17, 1}, {17, 1, 1},
		{1, 37, 29}, {37, 1, 29}, {7, 11, 13}, {mr, nr, 1}, {mr, nr, 5},
		{mr - 1, nr + 1, 3}, {mr + 1, nr - 1, 9}, {2*mr + 1, 3*nr + 5, kc + 1},
		{mr, nr, kc}, {mr, nr, kc - 1}, {mr, 2 * nr, 2*kc + 3},
	}
	if !short {
		s = append(s, [3]int{mc + mr + 1, 2*nr + 1, 2*kc + 1}, [3]int{mc - 1, nr, 31}, [3]int{61, 67, 71})
	}
	return s
}

func forKernels(t *testing.T, f func(t *testing.T, k64 *kernel[float64], k32 *kernel[float32])) {
	n := max(len(kernels64), len(kernels32))
	for i := 0; i < n; i++ {
		k64, k32 := kernels64[min(i, len(kernels64)-1)], kernels32[min(i, len(kernels32)-1)]
		t.Run(k64.name+"/"+k32.name, func(t *testing.T) {
			t.Parallel()
			f(t, k64, k32)
		})
	}
}

// TestGemmAgainstGonum checks every kernel usable on this machine, with
// both precisions, on every transpose, shapes around its blocking, padded
// strides and special values of alpha and beta.
func TestGemmAgainstGonum(t *testing.T) {
	forKernels(t, func(t *testing.T, k64 *kernel[float64], k32 *kernel[float32]) {
		rnd := rand.New(rand.NewPCG(1, 1))
		for _, tA := range transposes {
			for _, tB := range transposes {
				for _, ab := range [][2]float64{{1, 0}, {1, 1}, {-0.5, 2.5}, {0, -1}, {0, 0}, {2, 1}} {
					for pad := 0; pad < 2; pad++ {
						for _, sh := range shapes(k64.mr, k64.nr, k64.mc, k64.kc, testing.Short()) {
							o := newOperands(rnd, tA, tB, sh[0], sh[1], sh[2], 3*pad, ab[0], ab[1])
							name := fmt.Sprintf("%s%s %v alpha %g beta %g pad %d", trName(tA), trName(tB), sh, ab[0], ab[1], 3*pad)
							check(t, k64, o, "float64 "+name)
						}
						for _, sh := range shapes(k32.mr, k32.nr, k32.mc, k32.kc, testing.Short()) {
							o := newOperands(rnd, tA, tB, sh[0], sh[1], sh[2], 3*pad, ab[0], ab[1])
							name := fmt.Sprintf("%s%s %v alpha %g beta %g pad %d", trName(tA), trName(tB), sh, ab[0], ab[1], 3*pad)
							check(t, k32, o, "float32 "+name)
						}
					}
				}
			}
		}
	})
}

// unetShapes are the products of one training step of the default UNet
// (diffusion.DefaultConfig: 32×32 one-channel images, base 32 channels,
// multipliers 1, 2, 2) per image: for each convolution (output channels,
// fan-in InC·K², output pixels) the forward product W·col (NN), the weight
// gradient dOut·colᵀ (NT) and the input gradient Wᵀ·dOut (TN). The list is
// the one the engine prototype timed (research/engine-prototype/py/torch_gemm.py).
var unetShapes = []struct {
	name          string
	out, fan, pix int
}{
	{"inc 1>32@32", 32, 9, 1024},
	{"3x3 32>32@32", 32, 288, 1024},
	{"ds0 32>32 s2", 32, 288, 256},
	{"3x3 32>64@16", 64, 288, 256},
	{"3x3 64>64@16", 64, 576, 256},
	{"1x1 32>64@16", 64, 32, 256},
	{"3x3 64>64@8", 64, 576, 64},
	{"3x3 128>64@8", 64, 1152, 64},
	{"1x1 128>64@8", 64, 128, 64},
	{"up2x2 64>256@9", 256, 256, 81},
	{"3x3 128>64@16", 64, 1152, 256},
	{"1x1 128>64@16", 64, 128, 256},
	{"up2x2 64>256@17", 256, 256, 289},
	{"3x3 96>32@32", 32, 864, 1024},
	{"1x1 96>32@32", 32, 96, 1024},
	{"out 32>1@32", 1, 288, 1024},
}

// unetProduct is one GEMM of a UNet step, op(A) m×k times op(B) k×n.
type unetProduct struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}

func unetProducts() []unetProduct {
	var ps []unetProduct
	for _, s := range unetShapes {
		ps = append(ps,
			unetProduct{s.name + " fwd", blas.NoTrans, blas.NoTrans, s.out, s.pix, s.fan},
			unetProduct{s.name + " dW", blas.NoTrans, blas.Trans, s.out, s.fan, s.pix},
			unetProduct{s.name + " dX", blas.Trans, blas.NoTrans, s.fan, s.pix, s.out})
	}
	return ps
}

// TestGemmUNetShapes checks every kernel on the UNet's real products, with
// the betas the layers use (0 for a fresh product, 1 to accumulate).
func TestGemmUNetShapes(t *testing.T) {
	forKernels(t, func(t *testing.T, k64 *kernel[float64], k32 *kernel[float32]) {
		rnd := rand.New(rand.NewPCG(2, 2))
		for i, p := range unetProducts() {
			if testing.Short() && i%5 != 0 {
				continue
			}
			beta := float64(i % 2)
			o := newOperands(rnd, p.tA, p.tB, p.m, p.n, p.k, 0, 1, beta)
			check(t, k64, o, "float64 "+p.name)
			check(t, k32, o, "float32 "+p.name)
		}
	})
}

// TestKernels checks each micro-kernel alone against a naive sum: every kc
// from 1 to 2·unroll+1 (the unrolled loop and its tail), both store modes,
// a row stride larger than the block.
func TestKernels(t *testing.T) {
	testKernels(t, kernels64, 0x1p-53)
	testKernels(t, kernels32, 0x1p-24)
}

func testKernels[T Float](t *testing.T, ks []*kernel[T], eps float64) {
	rnd := rand.New(rand.NewPCG(3, 3))
	for _, ker := range ks {
		mr, nr := ker.mr, ker.nr
		for kc := 1; kc <= 11; kc++ {
			for _, add := range []bool{false, true} {
				a, b := make([]T, kc*mr), make([]T, kc*nr)
				for i := range a {
					a[i] = T(rnd.Float64()*2 - 1)
				}
				for i := range b {
					b[i] = T(rnd.Float64()*2 - 1)
				}
				ldc := nr + 5
				c := make([]T, mr*ldc)
				for i := range c {
					c[i] = T(rnd.Float64()*2 - 1)
				}
				c0 := slices.Clone(c)
				ker.fn(kc, a, b, c, ldc, add)
				for i := 0; i < mr; i++ {
					for j := 0; j < ldc; j++ {
						got := float64(c[i*ldc+j])
						if j >= nr {
							require.Equal(t, float64(c0[i*ldc+j]), got, "%s: padding changed", ker.name)
							continue
						}
						want, abs := 0.0, 0.0
						if add {
							want, abs = float64(c0[i*ldc+j]), math.Abs(float64(c0[i*ldc+j]))
						}
						for p := 0; p < kc; p++ {
							x := float64(a[p*mr+i]) * float64(b[p*nr+j])
							want += x
							abs += math.Abs(x)
						}
						if d := math.Abs(got - want); d > float64(kc+2)*eps*abs {
							t.Fatalf("%s kc %d add %v: C[%d,%d] = %g, want %g", ker.name, kc, add, i, j, got, want)
						}
					}
				}
			}
		}
	}
}

// TestGemmBlocksBitIdentical checks the promise of Gemm's documentation: a
// product computed in blocks of rows or of columns (as internal/nn splits
// it across goroutines) equals the whole product bit for bit.
func TestGemmBlocksBitIdentical(t *testing.T) {
	forKernels(t, func(t *testing.T, k64 *kernel[float64], k32 *kernel[float32]) {
		rnd := rand.New(rand.NewPCG(4, 4))
		m, n, k := 2*k64.mr+3, 3*k64.nr+7, k64.kc+9
		for _, tA := range transposes {
			for _, tB := range transposes {
				for _, beta := range []float64{0, 1} {
					o := newOperands(rnd, tA, tB, m, n, k, 0, 1, beta)
					if beta == 0 {
						clear(o.c)
					}
					whole := slices.Clone(o.c)
					gemm(k64, tA, tB, m, n, k, 1, o.a, o.lda, o.b, o.ldb, beta, whole, o.ldc)
					for _, split := range []int{1, 5, k64.nr - 1} {
						// Columns [j0, j1) of C need columns [j0, j1) of op(B).
						cols := slices.Clone(o.c)
						for j0 := 0; j0 < n; j0 += split {
							j1 := min(n, j0+split)
							bs, ldb := o.b[j0:], o.ldb
							if tB != blas.NoTrans {
								bs = o.b[j0*o.ldb:]
							}
							gemm(k64, tA, tB, m, j1-j0, k, 1, o.a, o.lda, bs, ldb, beta, cols[j0:], o.ldc)
						}
						assert.True(t, sameBits(whole, cols), "%s%s beta %g: column blocks of %d", trName(tA), trName(tB), beta, split)
						rows := slices.Clone(o.c)
						for i0 := 0; i0 < m; i0 += split {
							i1 := min(m, i0+split)
							as := o.a[i0*o.lda:]
							if tA != blas.NoTrans {
								as = o.a[i0:]
							}
							gemm(k64, tA, tB, i1-i0, n, k, 1, as, o.lda, o.b, o.ldb, beta, rows[i0*o.ldc:], o.ldc)
						}
						assert.True(t, sameBits(whole, rows), "%s%s beta %g: row blocks of %d", trName(tA), trName(tB), beta, split)
					}
				}
			}
		}
		_ = k32
	})
}

// TestGemmProperties checks Gemm (with the kernel this machine uses)
// against gonum on random shapes, transposes, strides, alpha and beta.
func TestGemmProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		m := rapid.IntRange(0, 40).Draw(rt, "m")
		n := rapid.IntRange(0, 70).Draw(rt, "n")
		k := rapid.IntRange(0, 300).Draw(rt, "k")
		pad := rapid.IntRange(0, 3).Draw(rt, "pad")
		tA := rapid.SampledFrom(transposes).Draw(rt, "tA")
		tB := rapid.SampledFrom(transposes).Draw(rt, "tB")
		alpha := rapid.SampledFrom([]float64{0, 1, -1, 0.75}).Draw(rt, "alpha")
		beta := rapid.SampledFrom([]float64{0, 1, -2, 0.5}).Draw(rt, "beta")
		seed := rapid.Uint64().Draw(rt, "seed")
		o := newOperands(rand.New(rand.NewPCG(seed, 5)), tA, tB, m, n, k, pad, alpha, beta)
		check(t, kernelFor[float64](), o, "float64")
		check(t, kernelFor[float32](), o, "float32")
	})
}

// TestGemmConcurrent runs products on several goroutines at once (for the
// race detector and the workspace free list): each result must equal the
// same product computed alone.
func TestGemmConcurrent(t *testing.T) {
	rnd := rand.New(rand.NewPCG(6, 6))
	const g = 6
	ops := make([]*operands, g)
	want := make([][]float64, g)
	for i := range ops {
		ops[i] = newOperands(rnd, transposes[i%2], transposes[i/2%2], 20+i, 50+3*i, 140+i, 1, 1, 0)
		want[i] = slices.Clone(ops[i].c)
		o := ops[i]
		Gemm(o.tA, o.tB, o.m, o.n, o.k, 1, o.a, o.lda, o.b, o.ldb, 0, want[i], o.ldc)
	}
	var wg sync.WaitGroup
	got := make([][]float64, g)
	for i := range ops {
		got[i] = slices.Clone(ops[i].c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := ops[i]
			for r := 0; r < 5; r++ {
				Gemm(o.tA, o.tB, o.m, o.n, o.k, 1, o.a, o.lda, o.b, o.ldb, 0, got[i], o.ldc)
			}
		}()
	}
	wg.Wait()
	for i := range ops {
		assert.True(t, sameBits(want[i], got[i]), "goroutine %d", i)
	}
}

// TestGemmAllocs checks that Gemm allocates nothing once its workspace
// exists.
func TestGemmAllocs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	o := newOperands(rnd, blas.NoTrans, blas.Trans, 70, 90, 300, 0, 1, 1)
	c32 := to32(o.c)
	a32, b32 := to32(o.a), to32(o.b)
	f := func() {
		Gemm(o.tA, o.tB, o.m, o.n, o.k, 1, o.a, o.lda, o.b, o.ldb, 1, o.c, o.ldc)
		Gemm(o.tA, o.tB, o.m, o.n, o.k, 1, a32, o.lda, b32, o.ldb, 1, c32, o.ldc)
	}
	f()
	assert.Zero(t, testing.AllocsPerRun(10, f))
}

// TestGemmPanics checks the argument checks, with gonum's rules.
func TestGemmPanics(t *testing.T) {
	a, b, c := make([]float64, 12), make([]float64, 12), make([]float64, 12)
	for i, tc := range []struct {
		f    func()
		want string
	}{
		{func() { Gemm(blas.NoTrans, blas.NoTrans, -1, 3, 4, 1, a, 4, b, 3, 0, c, 3) }, "gemm: m < 0"},
		{func() { Gemm(blas.NoTrans, blas.NoTrans, 3, -1, 4, 1, a, 4, b, 3, 0, c, 3) }, "gemm: n < 0"},
		{func() { Gemm(blas.NoTrans, blas.NoTrans, 3, 3, -4, 1, a, 4, b, 3, 0, c, 3) }, "gemm: k < 0"},
		{func() { Gemm(blas.NoTrans, blas.NoTrans, 3, 3, 4, 1, a, 3, b, 3, 0, c, 3) }, "gemm: bad leading dimension of A"},
		{func() { Gemm(blas.Trans, blas.NoTrans, 3, 3, 4, 1, a, 2, b, 3, 0, c, 3) }, "gemm: bad leading dimension of A"},
		{func() { Gemm(blas.NoTrans, blas.NoTrans, 3, 3, 4, 1, a, 4, b, 2, 0, c, 3) }, "gemm: bad leading dimension of B"},
		{func() { Gemm(blas.NoTrans, blas.Trans, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3) }, "gemm: bad leading dimension of B"},
		{func() { Gemm(blas.NoTrans, blas.NoTrans, 3, 3, 4, 1, a, 4, b, 3, 0, c, 2) }, "gemm: bad leading dimension of C"},
		{func() { Gemm(blas.NoTrans, blas.NoTrans, 3, 3, 4, 1, a[:11], 4, b, 3, 0, c, 3) }, "gemm: insufficient length of a"},
		{func() { Gemm(blas.NoTrans, blas.NoTrans, 3, 3, 4, 1, a, 4, b[:11], 3, 0, c, 3) }, "gemm: insufficient length of b"},
		{func() { Gemm(blas.NoTrans, blas.NoTrans, 3, 3, 4, 1, a, 4, b, 3, 0, c[:8], 3) }, "gemm: insufficient length of c"},
		{func() { Gemm(blas.Transpose('x'), blas.NoTrans, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3) }, "gemm: illegal transpose"},
	} {
		assert.PanicsWithValue(t, tc.want, tc.f, "case %d", i)
	}
	// Zero-sized products read nothing.
	assert.NotPanics(t, func() { Gemm[float64](blas.NoTrans, blas.NoTrans, 0, 0, 0, 1, nil, 1, nil, 1, 0, nil, 1) })
}
