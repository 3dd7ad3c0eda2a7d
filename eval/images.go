package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// checkSet returns the shape of the images xs, or an error naming op and
// the set if xs is empty or holds a nil matrix, a matrix of a shape other
// than rows×cols (than that of xs[0] if rows is 0) or a NaN or infinite
// pixel.
func checkSet(op, name string, xs []*mat.Dense, rows, cols int) (int, int, error) {
	if len(xs) == 0 {
		return 0, 0, fmt.Errorf("eval: %s: %s is empty", op, name)
	}
	for i, x := range xs {
		if x == nil {
			return 0, 0, fmt.Errorf("eval: %s: %s[%d] is nil", op, name, i)
		}
		r, c := x.Dims()
		if rows == 0 {
			rows, cols = r, c
		}
		if r != rows || c != cols {
			return 0, 0, fmt.Errorf("eval: %s: %s[%d] is %d×%d, want %d×%d", op, name, i, r, c, rows, cols)
		}
		raw := x.RawMatrix()
		for pi := range raw.Rows {
			for pj, v := range raw.Data[pi*raw.Stride : pi*raw.Stride+raw.Cols] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return 0, 0, fmt.Errorf("eval: %s: %s[%d] has a non-finite pixel %v at (%d, %d)", op, name, i, v, pi, pj)
				}
			}
		}
	}
	return rows, cols, nil
}
