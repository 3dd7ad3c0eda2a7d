package nn

// ConcatForward concatenates two tensors along channels (PyTorch's
// cat([a, b], 1)): a [N, Ca, HW] and b [N, Cb, HW] into out [N, Ca+Cb, HW],
// a's channels first. It panics on length mismatch.
func ConcatForward[T Float](out, a, b []T, batch, ca, cb, hw int) {
	if len(a) != batch*ca*hw || len(b) != batch*cb*hw || len(out) != batch*(ca+cb)*hw {
		panic("nn: ConcatForward length mismatch")
	}
	la, lb := ca*hw, cb*hw
	for n := 0; n < batch; n++ {
		o := out[n*(la+lb) : (n+1)*(la+lb)]
		copy(o[:la], a[n*la:(n+1)*la])
		copy(o[la:], b[n*lb:(n+1)*lb])
	}
}

// ConcatBackward splits dOut [N, Ca+Cb, HW] and accumulates its parts into
// dA [N, Ca, HW] and dB [N, Cb, HW]; either may be nil to skip it. It panics
// on length mismatch.
func ConcatBackward[T Float](dA, dB, dOut []T, batch, ca, cb, hw int) {
	if (dA != nil && len(dA) != batch*ca*hw) || (dB != nil && len(dB) != batch*cb*hw) || len(dOut) != batch*(ca+cb)*hw {
		panic("nn: ConcatBackward length mismatch")
	}
	la, lb := ca*hw, cb*hw
	for n := 0; n < batch; n++ {
		d := dOut[n*(la+lb) : (n+1)*(la+lb)]
		if dA != nil {
			addTo(dA[n*la:(n+1)*la], d[:la])
		}
		if dB != nil {
			addTo(dB[n*lb:(n+1)*lb], d[la:])
		}
	}
}

// addTo sets dst[i] += src[i].
func addTo[T Float](dst, src []T) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
