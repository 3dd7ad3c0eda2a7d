package gemm

import (
	"math/rand/v2"
	"syscall"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// The benchmarks report GFLOP per second of process CPU time
// (GFLOP/cpu-s), steadier than wall time on a shared machine; run them with
// GOMAXPROCS=1 (scripts/bench_gemm.sh does, beside torch.mm) so that CPU
// time is one core's.

func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func reportGFLOPs(b *testing.B, flops, cpu0 float64) {
	if d := cpuTime() - cpu0; d > 0 {
		b.ReportMetric(flops*float64(b.N)/d/1e9, "GFLOP/cpu-s")
	}
}

func randSlice[T Float](rnd *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(rnd.Float64()*2 - 1)
	}
	return s
}

// BenchmarkKernel times each micro-kernel alone on panels that fit in L1
// (kc = 128), adding into C.
func BenchmarkKernel(b *testing.B) {
	benchKernels(b, "float64", kernels64)
	benchKernels(b, "float32", kernels32)
}

func benchKernels[T Float](b *testing.B, prec string, ks []*kernel[T]) {
	const kc = 128
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, ker := range ks {
		a, bp := randSlice[T](rnd, kc*ker.mr), randSlice[T](rnd, kc*ker.nr)
		c := randSlice[T](rnd, ker.mr*ker.nr)
		b.Run(prec+"/"+ker.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				ker.fn(kc, a, bp, c, ker.nr, true)
			}
			reportGFLOPs(b, 2*float64(kc*ker.mr*ker.nr), cpu0)
		})
	}
}

// unetStep returns the products of one UNet training step at batch 32 with
// their number of calls: every product of unetProducts once per image and
// per use of the convolution (the counts of the default UNet, as in the
// engine prototype's torch_gemm.py), without the input convolution's input
// gradient, which the UNet never needs.
func unetStep() ([]unetProduct, []int) {
	uses := map[string]int{"3x3 32>32@32": 3, "3x3 64>64@16": 2, "3x3 64>64@8": 6}
	var ps []unetProduct
	var ns []int
	for _, p := range unetProducts() {
		if p.name == "inc 1>32@32 dX" {
			continue
		}
		n := 1
		for s, u := range uses {
			if len(p.name) > len(s) && p.name[:len(s)] == s && p.name[len(s)] == ' ' {
				n = u
			}
		}
		ps = append(ps, p)
		ns = append(ns, 32*n)
	}
	return ps, ns
}

// BenchmarkUNetStep times all the products of one UNet training step
// (batch 32) on one goroutine with Gemm ("gemm", the kernel this machine
// uses), with each usable kernel ("kernel-NAME") and with gonum's
// blas64.Gemm and blas32.Gemm ("gonum"), in both precisions.
// scripts/bench_gemm.sh runs it beside torch.mm.
func BenchmarkUNetStep(b *testing.B) {
	ps, ns := unetStep()
	flops := 0.0
	for i, p := range ps {
		flops += 2 * float64(p.m*p.n*p.k*ns[i])
	}
	type ops[T Float] struct{ a, b, c []T }
	rnd := rand.New(rand.NewPCG(2, 2))
	o64 := make([]ops[float64], len(ps))
	o32 := make([]ops[float32], len(ps))
	for i, p := range ps {
		o64[i] = ops[float64]{randSlice[float64](rnd, p.m*p.k), randSlice[float64](rnd, p.k*p.n), randSlice[float64](rnd, p.m*p.n)}
		o32[i] = ops[float32]{randSlice[float32](rnd, p.m*p.k), randSlice[float32](rnd, p.k*p.n), randSlice[float32](rnd, p.m*p.n)}
	}
	lds := func(p unetProduct) (lda, ldb int) {
		lda, ldb = p.k, p.n
		if p.tA != blas.NoTrans {
			lda = p.m
		}
		if p.tB != blas.NoTrans {
			ldb = p.k
		}
		return lda, ldb
	}
	run := func(name string, f func(i int, p unetProduct)) {
		b.Run(name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				for i, p := range ps {
					for r := 0; r < ns[i]; r++ {
						f(i, p)
					}
				}
			}
			reportGFLOPs(b, flops, cpu0)
			b.ReportMetric((cpuTime()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
		})
	}
	b.Logf("kernel %s (float64), %s (float32)", KernelName[float64](), KernelName[float32]())
	run("float64/gemm", func(i int, p unetProduct) {
		lda, ldb := lds(p)
		Gemm(p.tA, p.tB, p.m, p.n, p.k, 1, o64[i].a, lda, o64[i].b, ldb, 0, o64[i].c, p.n)
	})
	for _, ker := range kernels64 {
		run("float64/kernel-"+ker.name, func(i int, p unetProduct) {
			lda, ldb := lds(p)
			gemm(ker, p.tA, p.tB, p.m, p.n, p.k, 1, o64[i].a, lda, o64[i].b, ldb, 0, o64[i].c, p.n)
		})
	}
	run("float64/gonum", func(i int, p unetProduct) {
		lda, ldb := lds(p)
		ar, ac, br, bc := p.m, p.k, p.k, p.n
		if p.tA != blas.NoTrans {
			ar, ac = ac, ar
		}
		if p.tB != blas.NoTrans {
			br, bc = bc, br
		}
		blas64.Gemm(p.tA, p.tB, 1, blas64.General{Rows: ar, Cols: ac, Stride: lda, Data: o64[i].a},
			blas64.General{Rows: br, Cols: bc, Stride: ldb, Data: o64[i].b}, 0,
			blas64.General{Rows: p.m, Cols: p.n, Stride: p.n, Data: o64[i].c})
	})
	run("float32/gemm", func(i int, p unetProduct) {
		lda, ldb := lds(p)
		Gemm(p.tA, p.tB, p.m, p.n, p.k, 1, o32[i].a, lda, o32[i].b, ldb, 0, o32[i].c, p.n)
	})
	for _, ker := range kernels32 {
		run("float32/kernel-"+ker.name, func(i int, p unetProduct) {
			lda, ldb := lds(p)
			gemm(ker, p.tA, p.tB, p.m, p.n, p.k, 1, o32[i].a, lda, o32[i].b, ldb, 0, o32[i].c, p.n)
		})
	}
	run("float32/gonum", func(i int, p unetProduct) {
		lda, ldb := lds(p)
		ar, ac, br, bc := p.m, p.k, p.k, p.n
		if p.tA != blas.NoTrans {
			ar, ac = ac, ar
		}
		if p.tB != blas.NoTrans {
			br, bc = bc, br
		}
		blas32.Gemm(p.tA, p.tB, 1, blas32.General{Rows: ar, Cols: ac, Stride: lda, Data: o32[i].a},
			blas32.General{Rows: br, Cols: bc, Stride: ldb, Data: o32[i].b}, 0,
			blas32.General{Rows: p.m, Cols: p.n, Stride: p.n, Data: o32[i].c})
	})
}
