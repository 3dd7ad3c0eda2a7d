package noise

import (
	"reflect"

	"gonum.org/v1/gonum/mat"
)

// Shapes
//
// Every method that writes a field follows one rule for its destination dst
// (as gonum's mat does): a nil dst is allocated, an empty one (IsEmpty, as
// after Reset) is resized, and any other must have the result's shape. A
// shape that does not match panics with mat.ErrShape itself, like gonum,
// because it is a programming error, not bad data; data-dependent failure
// is returned as an error or, where the contract fixes a result without
// one, as NaN.

// prepareDst returns dst ready to hold a rows×cols result: a new matrix if
// dst is nil, dst resized if it is empty, dst itself if it is rows×cols. It
// panics with mat.ErrShape otherwise.
func prepareDst(dst *mat.Dense, rows, cols int) *mat.Dense {
	switch {
	case dst == nil:
		return mat.NewDense(rows, cols, nil)
	case dst.IsEmpty():
		dst.ReuseAs(rows, cols)
	default:
		checkDims(dst, rows, cols)
	}
	return dst
}

// checkDims panics with mat.ErrShape unless x is rows×cols, and with a
// noise: message if x is nil (also a typed nil such as a nil *mat.Dense).
func checkDims(x mat.Matrix, rows, cols int) {
	if nilMatrix(x) {
		panic("noise: nil matrix")
	}
	if r, c := x.Dims(); r != rows || c != cols {
		panic(mat.ErrShape)
	}
}

// nilMatrix reports whether m is nil or a nil pointer held in the
// interface (a typed nil, whose methods would dereference it).
func nilMatrix(m mat.Matrix) bool {
	switch m := m.(type) {
	case nil:
		return true
	case *mat.Dense:
		return m == nil
	}
	v := reflect.ValueOf(m)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
