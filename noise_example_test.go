package noise_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// Cloud noise from a reproducible sampler: the same seed gives the same
// fields on every platform.
func ExampleNewSampler() {
	s, err := noise.NewSampler(noise.Spec{Rows: 4, Cols: 5, Delta: noise.CloudDelta}, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	x := s.Sample(nil)
	fmt.Printf("%.4f\n", mat.Formatted(x))
	// Neighbouring pixels of cloud noise are strongly correlated.
	fmt.Printf("corr(x[i,j], x[i,j+1]) = %.3f\n", s.Covariance(0, 1))
	// Output:
	// ⎡ 3.5717   2.5643   1.3109  -0.0820  -0.6521⎤
	// ⎢ 2.7016   2.2621   1.2312  -0.6302  -0.4159⎥
	// ⎢ 1.7828   0.8667   0.7107  -0.0285  -0.0002⎥
	// ⎣ 1.1039   0.2532  -0.0114  -0.3831  -0.1967⎦
	// corr(x[i,j], x[i,j+1]) = 0.777
}

// A batch of float32 fields for a machine-learning pipeline, filled on all
// cores.
func ExampleFill() {
	s, err := noise.NewSampler(noise.Spec{Rows: 32, Cols: 32, Delta: 1.5}, rand.NewPCG(3, 4))
	if err != nil {
		fmt.Println(err)
		return
	}
	batch := make([]float32, 16*32*32) // 16 fields of 32×32
	noise.Fill(s, batch)
	fmt.Println(len(batch) / (32 * 32))
	// Output: 16
}

// The real transform of a 2×3 image (values checked with numpy's
// fftshift(fft2(x, norm="ortho")) packed as documented).
func ExampleRealFFT2() {
	x := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	X := noise.RealFFT2(x)
	fmt.Printf("%.4f\n", mat.Formatted(X))
	back := noise.InverseRealFFT2(X)
	fmt.Printf("%.4f\n", mat.Formatted(back))
	// Output:
	// ⎡ 0.0000  -3.6742   0.0000⎤
	// ⎣ 1.0000   8.5732  -1.7321⎦
	// ⎡1.0000  2.0000  3.0000⎤
	// ⎣4.0000  5.0000  6.0000⎦
}
