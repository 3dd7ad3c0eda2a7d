package noisebeam

import (
	"fmt"
	"math"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"gonum.org/v1/gonum/mat"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Image)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Failure)(nil)).Elem())
}

// Image is one grayscale image as a pipeline element: Rows×Cols pixels in
// row-major order (rows = y, cols = x), the layout of a *mat.Dense with
// stride Cols. Name says where the image came from (a file path, a
// database key) and is used only in dead-letter records; it may be empty.
//
// Image is encoded by Beam's default (schema) coder, 8 bytes per pixel: a pipeline
// sends images between stages only where the runner cannot fuse the stage
// that makes them with the stage that adds them to a Spectrum.
type Image struct {
	Name       string
	Rows, Cols int
	Pix        []float64
}

// NewImage returns the Image of m, copying its elements. It panics if m is
// nil or empty, like mat.NewDense.
func NewImage(name string, m mat.Matrix) Image {
	rows, cols := m.Dims()
	if rows < 1 || cols < 1 {
		panic(fmt.Sprintf("noise: image %q of size %d×%d", name, rows, cols))
	}
	pix := make([]float64, rows*cols)
	if d, ok := m.(*mat.Dense); ok {
		raw := d.RawMatrix()
		for i := range rows {
			copy(pix[i*cols:(i+1)*cols], raw.Data[i*raw.Stride:i*raw.Stride+cols])
		}
	} else {
		for i := range rows {
			for j := range cols {
				pix[i*cols+j] = m.At(i, j)
			}
		}
	}
	return Image{Name: name, Rows: rows, Cols: cols, Pix: pix}
}

// Dense returns im as a *mat.Dense that shares im.Pix (no copy). It returns
// an error if the size is not positive or len(Pix) is not Rows·Cols.
func (im Image) Dense() (*mat.Dense, error) {
	if im.Rows < 1 || im.Cols < 1 {
		return nil, fmt.Errorf("noise: image %q has size %d×%d", im.Name, im.Rows, im.Cols)
	}
	if im.Rows > math.MaxInt/im.Cols || len(im.Pix) != im.Rows*im.Cols {
		return nil, fmt.Errorf("noise: image %q of size %d×%d has %d pixels", im.Name, im.Rows, im.Cols, len(im.Pix))
	}
	return mat.NewDense(im.Rows, im.Cols, im.Pix), nil
}

// check returns an error if im is not a well-formed rows×cols image of
// finite pixels.
func (im Image) check(rows, cols int) error {
	if _, err := im.Dense(); err != nil {
		return err
	}
	if im.Rows != rows || im.Cols != cols {
		return fmt.Errorf("noise: image is %d×%d, want %d×%d", im.Rows, im.Cols, rows, cols)
	}
	for p, v := range im.Pix {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("noise: image has non-finite value %g at (%d, %d)", v, p/im.Cols, p%im.Cols)
		}
	}
	return nil
}

// Failure is a dead-letter record: an input that could not be added to the
// spectrum, and why. Path is the file path (or the Image's Name); Err is
// the error message.
type Failure struct {
	Path string `json:"path"`
	Err  string `json:"error"`
}
