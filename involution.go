package noise

import "fmt"

// Involution returns the centred index of the frequency −k, given the centred
// index (i, j) of the frequency k in a rows×cols array.
//
// On an axis of length n, centred index i is frequency i−n/2, so −k sits at
// (2·(n/2) − i) mod n. For odd n this is n−1−i: the involution is a 180°
// rotation about the centre. For even n the first index (the Nyquist
// frequency −n/2, which is its own negative modulo n) maps to itself and the
// rest rotate about n/2. The axes are independent, so rectangular arrays mix
// the two cases (the paper's Figure 15).
//
// Involution panics if rows or cols is less than 1 or (i, j) is out of range.
func Involution(rows, cols, i, j int) (int, int) {
	if rows < 1 || cols < 1 {
		panic(fmt.Sprintf("noise: Involution of non-positive size %d×%d", rows, cols))
	}
	if i < 0 || i >= rows || j < 0 || j >= cols {
		panic(fmt.Sprintf("noise: index (%d, %d) out of range for %d×%d", i, j, rows, cols))
	}
	return involute(rows, i), involute(cols, j)
}

// involute is the centred index of −f for the centred index i on an axis of
// length n.
func involute(n, i int) int { return (2*(n/2) - i) % n }

// Part says what the real Fourier transform stores at a centred index.
type Part int8

const (
	// SelfConjugate marks frequencies with k = −k (the zero frequency and,
	// for even sizes, the Nyquist points). Z_k is real there and the
	// transform stores Z_k itself.
	SelfConjugate Part = iota
	// RealPart marks the member of a pair {k, −k} that stores √2·Re Z_k:
	// the one with the larger row-major centred index, i*cols+j.
	RealPart
	// ImagPart marks the other member of a pair, which stores √2·Im Z_k'
	// for its partner k' = −k (the RealPart member).
	ImagPart
)

// String returns the name of the part.
func (p Part) String() string {
	switch p {
	case SelfConjugate:
		return "SelfConjugate"
	case RealPart:
		return "RealPart"
	case ImagPart:
		return "ImagPart"
	}
	return fmt.Sprintf("Part(%d)", int8(p))
}

// PartAt returns what the real Fourier transform of a rows×cols array stores
// at the centred index (i, j). The member of a pair with the larger
// row-major centred index holds the real part: for odd sizes that is the
// half with ky > 0, and within the row ky = 0 the half with kx > 0, the
// frequencies an rfft keeps. PartAt panics like Involution.
func PartAt(rows, cols, i, j int) Part {
	ii, jj := Involution(rows, cols, i, j)
	return partOf(cols, i, j, ii, jj)
}

func partOf(cols, i, j, ii, jj int) Part {
	a, b := i*cols+j, ii*cols+jj
	switch {
	case a == b:
		return SelfConjugate
	case a > b:
		return RealPart
	default:
		return ImagPart
	}
}

// Packing returns PartAt for every centred index of a rows×cols array, in
// row-major order. It panics if rows or cols is less than 1.
func Packing(rows, cols int) []Part {
	if rows < 1 || cols < 1 {
		panic(fmt.Sprintf("noise: Packing of non-positive size %d×%d", rows, cols))
	}
	out := make([]Part, rows*cols)
	for i := range rows {
		ii := involute(rows, i)
		for j := range cols {
			out[i*cols+j] = partOf(cols, i, j, ii, involute(cols, j))
		}
	}
	return out
}

// SelfConjugates returns the centred indices (i, j) with k = −k in a
// rows×cols array: the zero frequency, plus the Nyquist points of even axes
// (1, 2 or 4 points in all). It panics if rows or cols is less than 1.
func SelfConjugates(rows, cols int) [][2]int {
	if rows < 1 || cols < 1 {
		panic(fmt.Sprintf("noise: SelfConjugates of non-positive size %d×%d", rows, cols))
	}
	is := []int{rows / 2}
	if rows%2 == 0 {
		is = append(is, 0)
	}
	js := []int{cols / 2}
	if cols%2 == 0 {
		js = append(js, 0)
	}
	var out [][2]int
	for _, i := range is {
		for _, j := range js {
			out = append(out, [2]int{i, j})
		}
	}
	return out
}
