package nn

import "fmt"

// Padding is how a convolution reads the input outside the image: for an
// axis of length n, the padded index i (i < 0 or i ≥ n) reads
//
//	PadZero      the value 0 (PyTorch's padding_mode="zeros")
//	PadReplicate the nearest edge pixel, index min(max(i, 0), n−1) ("replicate")
//	PadCircular  the image wrapped around, index i mod n ("circular")
//
// Zero padding breaks translation equivariance at the border: a constant
// image becomes a constant plus a frame. Replicate and circular padding keep
// a constant image constant through every convolution; circular padding
// makes a convolution exactly equivariant under cyclic shifts. The zero
// value is PadZero.
type Padding int

const (
	PadZero Padding = iota
	PadReplicate
	PadCircular
)

// String returns "zero", "replicate" or "circular".
func (p Padding) String() string {
	switch p {
	case PadZero:
		return "zero"
	case PadReplicate:
		return "replicate"
	case PadCircular:
		return "circular"
	}
	return fmt.Sprintf("Padding(%d)", int(p))
}

// source returns the input index that the padded index i of an axis of
// length n reads, or −1 if it reads 0. It panics on an unknown mode.
func (p Padding) source(i, n int) int {
	if i >= 0 && i < n {
		return i
	}
	switch p {
	case PadZero:
		return -1
	case PadReplicate:
		return min(max(i, 0), n-1)
	case PadCircular:
		i %= n
		if i < 0 {
			i += n
		}
		return i
	}
	panic(fmt.Sprintf("nn: unknown padding mode %d", int(p)))
}

// valid panics if p is not a known mode.
func (p Padding) valid() {
	if p < PadZero || p > PadCircular {
		panic(fmt.Sprintf("nn: unknown padding mode %d", int(p)))
	}
}
