package nn

import (
	"math"

	"github.com/cloud-diffusion/noise/internal/vmath"
)

// SiLUForward sets out[i] = in[i]·σ(in[i]), σ(x) = 1/(1+e^−x), the SiLU
// (swish) activation. out may alias in. It panics if the lengths differ.
func SiLUForward[T Float](out, in []T) {
	if len(out) != len(in) {
		panic("nn: SiLUForward length mismatch")
	}
	vmath.AffineSiLU(out, in, 1, 0)
}

// SiLUBackward accumulates dIn[i] += dOut[i]·σ(x)(1 + x(1 − σ(x))) with
// x = in[i], the forward input. dIn must not alias dOut or in. It panics if
// the lengths differ.
func SiLUBackward[T Float](dIn, dOut, in []T) {
	if len(dIn) != len(in) || len(dOut) != len(in) {
		panic("nn: SiLUBackward length mismatch")
	}
	for i, x := range in {
		s := 1 / (1 + T(math.Exp(float64(-x))))
		dIn[i] += dOut[i] * s * (1 + x*(1-s))
	}
}
