package plotting

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Tile lays the images out in a grid of cols columns, row by row, with gap
// pixels between neighbours, and returns the grid as one new matrix whose
// gaps (and empty cells of a last, partial row) hold fill. cols ≤ 0 means
// ⌈√n⌉ columns; there are never more columns than images. Every image must
// have the shape of imgs[0]; Tile panics with mat.ErrShape otherwise, and
// if imgs is empty.
func Tile(imgs []*mat.Dense, cols, gap int, fill float64) *mat.Dense {
	n := len(imgs)
	if n == 0 {
		panic("plotting: Tile of no images")
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	r, c := imgs[0].Dims()
	g := mat.NewDense(rows*(r+gap)-gap, cols*(c+gap)-gap, nil)
	raw := g.RawMatrix()
	for i := range raw.Data {
		raw.Data[i] = fill
	}
	for k, x := range imgs {
		if xr, xc := x.Dims(); xr != r || xc != c {
			panic(mat.ErrShape)
		}
		y0, x0 := (k/cols)*(r+gap), (k%cols)*(c+gap)
		g.Slice(y0, y0+r, x0, x0+c).(*mat.Dense).Copy(x)
	}
	return g
}
