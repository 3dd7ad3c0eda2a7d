//go:build !amd64 || purego

package gemm

// There are no assembly kernels on this architecture (or with the purego
// build tag): Gemm uses the pure-Go kernel.

func asmKernels64() []*kernel[float64] { return nil }
func asmKernels32() []*kernel[float32] { return nil }
