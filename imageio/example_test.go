package imageio_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/imageio"
)

// A matrix written as a 16-bit PNG over [0, 1] decodes to the same values
// to within 1/65535 (exactly, for values on the 16-bit grid).
func ExampleEncodePNG() {
	m := mat.NewDense(2, 3, []float64{0, 0.25, 0.5, 0.75, 1, 1.5})
	var buf bytes.Buffer
	if err := imageio.EncodePNG(&buf, m, 0, 1, 16); err != nil {
		log.Fatal(err)
	}
	got, err := imageio.Decode(&buf, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.4f\n", mat.Formatted(got)) // 1.5 was clipped to 1
	// Output:
	// ⎡0.0000  0.2500  0.5000⎤
	// ⎣0.7500  1.0000  1.0000⎦
}

// LoadDir reads a folder in file-name order; images of different sizes
// need a target size.
func ExampleLoadDir() {
	dir, err := os.MkdirTemp("", "imageio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for i, size := range [][2]int{{4, 6}, {4, 6}, {8, 8}} {
		m := mat.NewDense(size[0], size[1], nil)
		path := filepath.Join(dir, fmt.Sprintf("img%d.png", i))
		if err := imageio.SavePNG(path, m, 0, 1, 8); err != nil {
			log.Fatal(err)
		}
	}

	_, _, err = imageio.LoadDir(dir, nil)
	fmt.Println(err != nil)

	imgs, names, err := imageio.LoadDir(dir, &imageio.Options{Size: 4})
	if err != nil {
		log.Fatal(err)
	}
	for i, m := range imgs {
		r, c := m.Dims()
		fmt.Println(names[i], r, c)
	}
	// Output:
	// true
	// img0.png 4 4
	// img1.png 4 4
	// img2.png 4 4
}
