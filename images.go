package noise

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// checkImages returns the shape of the image set xs, or an error
// "noise: op: name[i] ..." if xs is empty or holds a nil matrix, a matrix
// of a shape other than rows×cols (than that of xs[0] if rows is 0) or a
// NaN or infinite pixel. It is the one check of image sets in the package.
func checkImages(op, name string, xs []*mat.Dense, rows, cols int) (int, int, error) {
	if len(xs) == 0 {
		return 0, 0, fmt.Errorf("noise: %s: %s is empty", op, name)
	}
	for i, x := range xs {
		if x == nil {
			return 0, 0, fmt.Errorf("noise: %s: %s[%d] is nil", op, name, i)
		}
		r, c := x.Dims()
		if rows == 0 {
			rows, cols = r, c
		}
		if r != rows || c != cols {
			return 0, 0, fmt.Errorf("noise: %s: %s[%d] is %d×%d, want %d×%d: %w", op, name, i, r, c, rows, cols, mat.ErrShape)
		}
		if pi, pj, ok := firstNonFinite(x); !ok {
			return 0, 0, fmt.Errorf("noise: %s: %s[%d] has a non-finite pixel %v at (%d, %d)", op, name, i, x.At(pi, pj), pi, pj)
		}
	}
	return rows, cols, nil
}

// firstNonFinite returns the first NaN or infinite element of x and false,
// or true if every element is finite.
func firstNonFinite(x *mat.Dense) (int, int, bool) {
	raw := x.RawMatrix()
	for i := range raw.Rows {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return i, j, false
			}
		}
	}
	return 0, 0, true
}
