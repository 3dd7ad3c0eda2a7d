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
	// ⎡-0.0532   0.9003   1.1395  -0.9691  -1.4723⎤
	// ⎢-0.3454  -0.6695  -0.6180  -0.5973  -0.5367⎥
	// ⎢-0.5603  -1.0254  -0.2537  -0.5299  -1.3246⎥
	// ⎣-0.5099  -0.6126  -0.1108  -0.8560  -1.2262⎦
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
