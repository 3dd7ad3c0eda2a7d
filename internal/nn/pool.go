package nn

// MeanPoolForward is global average pooling: for planes p of in [P, HW],
//
//	out[p] = (1/HW) Σ_i in[p·HW + i],
//
// with out [P]. The sums are accumulated in float64 whatever T. out is
// overwritten. It panics on length mismatch or if hw is not positive.
func MeanPoolForward[T Float](out, in []T, planes, hw int) {
	if hw <= 0 || len(out) != planes || len(in) != planes*hw {
		panic("nn: MeanPoolForward length mismatch")
	}
	for p := range out {
		var s float64
		for _, v := range in[p*hw : (p+1)*hw] {
			s += float64(v)
		}
		out[p] = T(s / float64(hw))
	}
}

// MeanPoolBackward accumulates dIn[p·HW + i] += dOut[p]/HW, the adjoint of
// MeanPoolForward. It panics on length mismatch or if hw is not positive.
func MeanPoolBackward[T Float](dIn, dOut []T, planes, hw int) {
	if hw <= 0 || len(dOut) != planes || len(dIn) != planes*hw {
		panic("nn: MeanPoolBackward length mismatch")
	}
	for p, d := range dOut {
		g := d / T(hw)
		row := dIn[p*hw : (p+1)*hw]
		for i := range row {
			row[i] += g
		}
	}
}
