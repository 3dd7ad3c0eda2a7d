package noise_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// A dead-leaves image is reproducible from its seed.
func ExampleDeadLeaves() {
	d := noise.DeadLeaves{Rows: 64, Cols: 64} // α = 3, radii 1 to 64 pixels, discs
	img, err := d.Generate(nil, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	r, c := img.Dims()
	fmt.Printf("%d×%d, pixel (0, 0) = %.6f, values in [%.2f, %.2f]\n", r, c, img.At(0, 0), mat.Min(img), mat.Max(img))
	// Output:
	// 64×64, pixel (0, 0) = 0.968888, values in [0.00, 1.00]
}
