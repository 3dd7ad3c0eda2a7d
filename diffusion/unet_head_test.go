package diffusion

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// probeConfig is the experiment's network (cmd/cloudnoise/internal/experiment:
// Base 8 at 32×32, so that the full-resolution GroupNorm(8) is an instance
// norm) with the given padding and head.
func probeConfig(pad Padding, head Head) UNetConfig {
	return UNetConfig{Channels: 1, Size: 32, Base: 8, Mults: []int{1, 2, 2}, ResBlocks: 1, Groups: 8, Padding: pad, Head: head}
}

// probeRings returns the mean of |v| over ring 0 (the outermost pixels),
// ring 1 and the interior (at least 4 pixels from the border) of an s×s
// image.
func probeRings(v []float64, s int) (ring0, ring1, interior float64) {
	var n0, n1, ni float64
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			a := math.Abs(v[y*s+x])
			switch d := min(y, x, s-1-y, s-1-x); {
			case d == 0:
				ring0, n0 = ring0+a, n0+1
			case d == 1:
				ring1, n1 = ring1+a, n1+1
			case d >= 4:
				interior, ni = interior+a, ni+1
			}
		}
	}
	return ring0 / n0, ring1 / n1, interior / ni
}

// TestUNetHeadConstantProbe feeds constant images through randomly
// initialised networks of the experiment's shape at t = T and measures where
// the constant reaches the output.
//
// What the maths says, checked to rounding. probeTol: a channel that is
// constant in exact arithmetic is constant only to its rounding, 2⁻⁵²·|h|,
// and every group norm of such a channel divides that deviation by
// √(σ² + ε) ≈ √ε ≈ 3e-3 instead of by a standard deviation of its size;
// several such norms lie in series (down.0, up.2 and the head's), so the
// deviations compound: the worst measured here is 1e-10. probeTol = 1e-6
// leaves four orders of margin above that and four below the effects
// checked (at least 2e-2, measured; asserted above probeEffect = 1e-3).
//
//   - With replicate or circular padding a constant image stays spatially
//     constant through every layer, so the head's instance norm sees
//     constant channels and outputs β: with HeadGroupNorm the output is the
//     same for every level c, at every pixel. The constant cannot pass.
//   - With HeadMean and the same paddings the group-norm part is still
//     independent of c, so out(c₂) − out(c₁) = M·(h̄(c₂) − h̄(c₁)) exactly,
//     the same at every pixel: the constant reaches the interior exactly as
//     much as the border.
//   - With zero padding the first convolution turns a constant into a
//     constant plus a frame, which is how HeadGroupNorm passes it: the
//     output moves with c, but not uniformly (ring 0 moves differently from
//     the interior).
//
// Measured with zero padding at random initialisation (seeds 1–3, logged):
// the constant is not confined to the border. |out(2) − out(−2)| averaged
// over ring 0 is 3.2, 0.91 and 1.1 times its interior average with
// HeadGroupNorm (2.3, 0.94 and 0.99 with HeadMean): the group norms'
// statistics over the whole image, and receptive fields that cover it at
// the lowest level, carry the frame's contrast inwards. How a trained
// network uses that channel is another matter (the audit found frames).
func TestUNetHeadConstantProbe(t *testing.T) {
	const probeTol, probeEffect = 1e-6, 1e-3
	const s = 32
	levels := []float64{-2, -1, 0.5, 1, 2}
	// run returns the outputs at t = T for constant images of the levels,
	// and the channel means h̄ of the last level's features for each.
	run := func(u *UNet) (outs, means [][]float64) {
		x := make([]float64, s*s)
		for _, c := range levels {
			for i := range x {
				x[i] = c
			}
			out := make([]float64, s*s)
			u.Forward(out, x, []float64{1}, 1)
			outs = append(outs, out)
			m := make([]float64, 8)
			last := u.net64.last
			for ch := range m {
				for _, v := range last[ch*s*s : (ch+1)*s*s] {
					m[ch] += v / (s * s)
				}
			}
			means = append(means, m)
		}
		return outs, means
	}
	for _, pad := range []Padding{PaddingReplicate, PaddingCircular} {
		for seed := uint64(1); seed <= 3; seed++ {
			old, err := NewUNet(probeConfig(pad, HeadGroupNorm), rand.NewPCG(seed, 1))
			require.NoError(t, err)
			outs, _ := run(old)
			for k := range outs {
				for i, v := range outs[k] {
					require.InDelta(t, outs[0][i], v, probeTol, "%v, groupnorm head, seed %d: level %v pixel %d", pad, seed, levels[k], i)
				}
			}

			// The same parameters with the mean path: the group-norm part is
			// the old network's output.
			mh, err := NewUNet(probeConfig(pad, HeadMean), rand.NewPCG(seed, 1))
			require.NoError(t, err)
			copy(mh.Params(), old.Params())
			mt := mh.ParamTensors()
			last := mt[len(mt)-1]
			require.Equal(t, "out.mean.weight", last.Name)
			require.Equal(t, old.NumParams(), last.Offset, "the mean path's weights come last")
			mw := mh.Params()[last.Offset:]
			outs, means := run(mh)
			for k := range outs {
				shift := 0.0
				for ch, w := range mw {
					shift += w * (means[k][ch] - means[0][ch])
				}
				for i, v := range outs[k] {
					require.InDelta(t, outs[0][i]+shift, v, probeTol, "%v, mean head, seed %d: level %v pixel %d", pad, seed, levels[k], i)
				}
				if levels[k] == 2 {
					assert.Greater(t, math.Abs(shift), probeEffect, "%v, seed %d: the constant passes", pad, seed)
					t.Logf("%v, mean head, seed %d: out(2) − out(−2) = %.4f at every pixel", pad, seed, shift)
				}
			}
		}
	}
	for seed := uint64(1); seed <= 3; seed++ {
		for _, head := range []Head{HeadGroupNorm, HeadMean} {
			u, err := NewUNet(probeConfig(PaddingZero, head), rand.NewPCG(seed, 1))
			require.NoError(t, err)
			outs, _ := run(u)
			d := make([]float64, s*s)
			for i := range d {
				d[i] = outs[len(levels)-1][i] - outs[0][i] // level 2 minus level −2
			}
			r0, r1, in := probeRings(d, s)
			t.Logf("zero padding, %v head, seed %d: |out(2) − out(−2)| ring 0 %.4f, ring 1 %.4f, interior %.4f (ring 0 / interior %.2f)", head, seed, r0, r1, in, r0/in)
			assert.Greater(t, in, probeEffect, "zero padding, %v head, seed %d: the constant passes", head, seed)
			// The frame: ring 0 moves differently from the interior.
			assert.Greater(t, math.Abs(r0-in), probeEffect, "zero padding, %v head, seed %d: a frame", head, seed)
		}
	}
}

// TestUNetHeadOffsetProbe adds constant offsets δ = ±1 to random images
// (8 N(0, 1) images, t = T) and looks at the response
// R = (out(x + δ) − out(x))/δ, averaged over images and offsets. The
// maths: the mean path adds M·(h̄(x + δ) − h̄(x))/δ to R at every pixel,
// on top of the response of the same network with the group-norm head, so
// R_mean − R_groupnorm is spatially uniform and equals that term exactly
// (to rounding; probeTol as above). The test checks the decomposition in
// every padding mode and logs where each head's response lies (ring 0
// against the interior).
func TestUNetHeadOffsetProbe(t *testing.T) {
	const probeTol, probeEffect = 1e-6, 1e-3
	const s, images = 32, 8
	rnd := rand.New(rand.NewPCG(7, 7))
	xs := make([][]float64, images)
	for i := range xs {
		xs[i] = unetTestRand(rnd, s*s)
	}
	// response returns R averaged over the images and δ = ±1, and the
	// average change of the channel means of the last level's features
	// per unit δ.
	response := func(u *UNet) (r, dm []float64) {
		r, dm = make([]float64, s*s), make([]float64, 8)
		base, out, y := make([]float64, s*s), make([]float64, s*s), make([]float64, s*s)
		means := func() []float64 {
			m := make([]float64, 8)
			for ch := range m {
				for _, v := range u.net64.last[ch*s*s : (ch+1)*s*s] {
					m[ch] += v / (s * s)
				}
			}
			return m
		}
		for _, x := range xs {
			u.Forward(base, x, []float64{1}, 1)
			m0 := means()
			for _, d := range []float64{-1, 1} {
				for i := range y {
					y[i] = x[i] + d
				}
				u.Forward(out, y, []float64{1}, 1)
				for i := range r {
					r[i] += (out[i] - base[i]) / d / (2 * images)
				}
				for ch, v := range means() {
					dm[ch] += (v - m0[ch]) / d / (2 * images)
				}
			}
		}
		return r, dm
	}
	for _, pad := range []Padding{PaddingZero, PaddingReplicate, PaddingCircular} {
		old, err := NewUNet(probeConfig(pad, HeadGroupNorm), rand.NewPCG(1, 1))
		require.NoError(t, err)
		mh, err := NewUNet(probeConfig(pad, HeadMean), rand.NewPCG(1, 1))
		require.NoError(t, err)
		copy(mh.Params(), old.Params())
		mw := mh.Params()[old.NumParams():]
		rOld, _ := response(old)
		rMean, dm := response(mh)
		uniform := 0.0
		for ch, w := range mw {
			uniform += w * dm[ch]
		}
		for i := range rMean {
			require.InDelta(t, rOld[i]+uniform, rMean[i], probeTol, "%v: pixel %d", pad, i)
		}
		assert.Greater(t, math.Abs(uniform), probeEffect, "%v: the mean path passes the offset", pad)
		o0, o1, oi := probeRings(rOld, s)
		m0, m1, mi := probeRings(rMean, s)
		t.Logf("%v padding: mean |R| ring 0 / ring 1 / interior: groupnorm head %.4f / %.4f / %.4f, mean head %.4f / %.4f / %.4f (uniform part %.4f)",
			pad, o0, o1, oi, m0, m1, mi, uniform)
	}
}

// TestUNetHeadParams checks the mean head's parameters: Channels·C more than
// the group-norm head, in one tensor "out.mean.weight" after the twin's,
// which keep their names and places.
func TestUNetHeadParams(t *testing.T) {
	cfg := DefaultUNetConfig()
	old, err := NewUNet(cfg, rand.NewPCG(1, 2))
	require.NoError(t, err)
	cfg.Head = HeadMean
	cfg.Channels = 3
	mh, err := NewUNet(cfg, rand.NewPCG(1, 2))
	require.NoError(t, err)
	cfg.Head = HeadGroupNorm
	old3, err := NewUNet(cfg, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.Equal(t, 694561, old.NumParams(), "the twin's count")
	assert.Equal(t, old3.NumParams()+3*32, mh.NumParams())
	ts, ts3 := mh.ParamTensors(), old3.ParamTensors()
	assert.Equal(t, ts3, ts[:len(ts)-1])
	assert.Equal(t, ParamTensor{Name: "out.mean.weight", Offset: old3.NumParams(), Len: 96}, ts[len(ts)-1])
	// Initialised like a linear layer of fan-in 32: U(±1/√32), not zero.
	lim := 1 / math.Sqrt(32)
	nonzero := 0
	for _, v := range mh.Params()[old3.NumParams():] {
		assert.LessOrEqual(t, math.Abs(v), lim)
		if v != 0 {
			nonzero++
		}
	}
	assert.Equal(t, 96, nonzero)
}
