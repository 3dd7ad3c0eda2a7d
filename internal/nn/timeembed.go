package nn

import "math"

// TimeEmbedding writes the sinusoidal embedding of the times t [N] into out
// [N, dim] (the twin's, after Ho et al. and Vaswani et al.): with
// half = dim/2, f_i = exp(−ln(10000)·i/half) and a_i = 1000·t·f_i,
//
//	out[n] = [sin a_0, …, sin a_{half−1}, cos a_0, …, cos a_{half−1}].
//
// t is the continuous diffusion time in [0, 1]; the factor 1000 maps it to the
// usual discrete step range. The embedding has no parameters, and the network
// takes no gradient with respect to t. It panics if dim is odd or not
// positive, or on length mismatch.
func TimeEmbedding[T Float](out []T, t []float64, dim int) {
	if dim <= 0 || dim%2 != 0 {
		panic("nn: TimeEmbedding dimension must be positive and even")
	}
	if len(out) != len(t)*dim {
		panic("nn: TimeEmbedding length mismatch")
	}
	half := dim / 2
	for n, tn := range t {
		o := out[n*dim : (n+1)*dim]
		for i := 0; i < half; i++ {
			f := math.Exp(-math.Log(10000) * float64(i) / float64(half))
			s, c := math.Sincos(tn * 1000 * f)
			o[i] = T(s)
			o[half+i] = T(c)
		}
	}
}
