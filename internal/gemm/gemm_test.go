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

	abs                              []float64 // |op(A)|·|op(B)|, m×n
	want64, bound64, want32, bound32 []float64
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

// want returns the reference product and the per-element error bound,
// computed on first use and kept.
func (o *operands) want(f32 bool) (want, bound []float64) {
	if f32 && o.want32 != nil {
		return o.want32, o.bound32
	}
	if !f32 && o.want64 != nil {
		return o.want64, o.bound64
	}
	eps := 0x1p-53
	if f32 {
		eps = 0x1p-24
	}
	want = slices.Clone(o.c)
	if o.m > 0 && o.n > 0 {
		if f32 {
			a, b, c := to32(o.a), to32(o.b), to32(want)
			blas32.Gemm(o.tA, o.tB, float32(o.alpha), blas32.General{Rows: o.ar, Cols: o.ac, Stride: o.lda, Data: a},
				blas32.General{Rows: o.br, Cols: o.bc, Stride: o.ldb, Data: b}, float32(o.beta),
				blas32.General{Rows: o.m, Cols: o.n, Stride: o.ldc, Data: c})
			want = to64(c)
		} else {
			blas64.Gemm(o.tA, o.tB, o.alpha, blas64.General{Rows: o.ar, Cols: o.ac, Stride: o.lda, Data: o.a},
				blas64.General{Rows: o.br, Cols: o.bc, Stride: o.ldb, Data: o.b}, o.beta,
				blas64.General{Rows: o.m, Cols: o.n, Stride: o.ldc, Data: want})
		}
	}
	if o.abs == nil {
		// abs = |op(A)|·|op(B)|, by gonum on the absolute values.
		o.abs = make([]float64, max(1, o.m*o.n))
		if o.m > 0 && o.n > 0 && o.k > 0 {
			abs := func(x []float64) []float64 {
				y := make([]float64, len(x))
				for i, v := range x {
					y[i] = math.Abs(v)
				}
				return y
			}
			blas64.Gemm(o.tA, o.tB, 1, blas64.General{Rows: o.ar, Cols: o.ac, Stride: o.lda, Data: abs(o.a)},
				blas64.General{Rows: o.br, Cols: o.bc, Stride: o.ldb, Data: abs(o.b)}, 0,
				blas64.General{Rows: o.m, Cols: o.n, Stride: max(1, o.n), Data: o.abs})
		}
	}
	bound = make([]float64, len(o.c))
	for i := 0; i < o.m; i++ {
		for j := 0; j < o.n; j++ {
			cb := 0.0
			if o.beta != 0 {
				cb = math.Abs(o.beta * o.c[i*o.ldc+j])
			}
			bound[i*o.ldc+j] = 2 * float64(o.k+2) * eps * (math.Abs(o.alpha)*o.abs[i*o.n+j] + cb)
		}
	}
	if f32 {
		o.want32, o.bound32 = want, bound
	} else {
		o.want64, o.bound64 = want, bound
	}
	return want, bound
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

// shapes returns products around the blocking of the kernels: sizes just
// below, at and above multiples of mr, nr, kc and mc, ones, primes and
// zeros.
func shapes(short bool) [][3]int {
	s := [][3]int{{0, 0, 0}, {0, 5, 3}, {5, 0, 3}, {5, 3, 0}, {1, 1, 1}, {1, 17, 1}, {17, 1, 1},
		{1, 37, 29}, {37, 1, 29}, {7, 11, 13}, {61, 67, 71}}
	type block struct{ mr, nr, mc, kc int }
	var blocks []block
	for _, k := range kernels64 {
		blocks = append(blocks, block{k.mr, k.nr, k.mc, k.kc})
	}
	for _, k := range kernels32 {
		blocks = append(blocks, block{k.mr, k.nr, k.mc, k.kc})
	}
	for _, b := range blocks {
		mr, nr, mc, kc := b.mr, b.nr, b.mc, b.kc
		s = append(s, [3]int{mr, nr, 5}, [3]int{mr - 1, nr + 1, 3}, [3]int{mr + 1, nr - 1, 9},
			[3]int{2*mr + 1, 3*nr + 5, kc + 1}, [3]int{mr, 2 * nr, 2*kc + 3})
		if !short {
			s = append(s, [3]int{mr, nr, 1}, [3]int{mr, nr, kc}, [3]int{mr, nr, kc - 1},
				[3]int{mc + mr + 1, 2*nr + 1, 2*kc + 1}, [3]int{mc - 1, nr, 31})
		}
	}
	slices.SortFunc(s, func(a, b [3]int) int {
		for i := range a {
			if a[i] != b[i] {
				return a[i] - b[i]
			}
		}
		return 0
	})
	return slices.Compact(s)
}

// TestGemmAgainstGonum checks every kernel usable on this machine, with
// both precisions, on every transpose, shapes around every kernel's
// blocking, padded strides and special values of alpha and beta.
func TestGemmAgainstGonum(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	ab := [][2]float64{{1, 0}, {-0.5, 2.5}, {0, -1}, {1, 1}, {0, 0}, {2, 1}}
	if testing.Short() {
		ab = ab[:3]
	}
	for _, tA := range transposes {
		for _, tB := range transposes {
			for i, sh := range shapes(testing.Short()) {
				for j, ab := range ab {
					if raceEnabled && (i+j)%7 != 0 {
						continue
					}
					pad := 3 * ((i + j) % 2)
					o := newOperands(rnd, tA, tB, sh[0], sh[1], sh[2], pad, ab[0], ab[1])
					name := fmt.Sprintf("%s%s %v alpha %g beta %g pad %d", trName(tA), trName(tB), sh, ab[0], ab[1], pad)
					for _, k := range kernels64 {
						check(t, k, o, "float64 "+k.name+" "+name)
					}
					for _, k := range kernels32 {
						check(t, k, o, "float32 "+k.name+" "+name)
					}
				}
			}
		}
	}
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
	t.Parallel()
	rnd := rand.New(rand.NewPCG(2, 2))
	for i, p := range unetProducts() {
		if (testing.Short() && i%5 != 0) || (raceEnabled && i%15 != 0) {
			continue
		}
		beta := float64(i % 2)
		o := newOperands(rnd, p.tA, p.tB, p.m, p.n, p.k, 0, 1, beta)
		for _, k := range kernels64 {
			check(t, k, o, "float64 "+k.name+" "+p.name)
		}
		for _, k := range kernels32 {
			check(t, k, o, "float32 "+k.name+" "+p.name)
		}
	}
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
	t.Parallel()
	rnd := rand.New(rand.NewPCG(4, 4))
	for _, k := range kernels64 {
		testBlocks(t, rnd, k)
	}
	for _, k := range kernels32 {
		testBlocks(t, rnd, k)
	}
}

func testBlocks[T Float](t *testing.T, rnd *rand.Rand, ker *kernel[T]) {
	m, n, k := 2*ker.mr+3, 3*ker.nr+7, ker.kc+9
	conv := func(x []float64) []T {
		y := make([]T, len(x))
		for i, v := range x {
			y[i] = T(v)
		}
		return y
	}
	same := func(x, y []T) bool {
		for i := range x {
			if math.Float64bits(float64(x[i])) != math.Float64bits(float64(y[i])) {
				return false
			}
		}
		return len(x) == len(y)
	}
	for _, tA := range transposes {
		for _, tB := range transposes {
			for _, beta := range []T{0, 1} {
				o := newOperands(rnd, tA, tB, m, n, k, 0, 1, float64(beta))
				a, b, c := conv(o.a), conv(o.b), conv(o.c)
				if beta == 0 {
					clear(c)
				}
				whole := slices.Clone(c)
				gemm(ker, tA, tB, m, n, k, 1, a, o.lda, b, o.ldb, beta, whole, o.ldc)
				for _, split := range []int{1, 5, ker.nr - 1} {
					// Columns [j0, j1) of C need columns [j0, j1) of op(B).
					cols := slices.Clone(c)
					for j0 := 0; j0 < n; j0 += split {
						j1 := min(n, j0+split)
						bs := b[j0:]
						if tB != blas.NoTrans {
							bs = b[j0*o.ldb:]
						}
						gemm(ker, tA, tB, m, j1-j0, k, 1, a, o.lda, bs, o.ldb, beta, cols[j0:], o.ldc)
					}
					assert.True(t, same(whole, cols), "%s %s%s beta %v: column blocks of %d", ker.name, trName(tA), trName(tB), beta, split)
					// Rows [i0, i1) of C need rows [i0, i1) of op(A).
					rows := slices.Clone(c)
					for i0 := 0; i0 < m; i0 += split {
						i1 := min(m, i0+split)
						as := a[i0*o.lda:]
						if tA != blas.NoTrans {
							as = a[i0:]
						}
						gemm(ker, tA, tB, i1-i0, n, k, 1, as, o.lda, b, o.ldb, beta, rows[i0*o.ldc:], o.ldc)
					}
					assert.True(t, same(whole, rows), "%s %s%s beta %v: row blocks of %d", ker.name, trName(tA), trName(tB), beta, split)
				}
			}
		}
	}
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
