package diffusion

import (
	"fmt"
	"math"
	"slices"
)

// ClipMode selects how a sampler clips its prediction x̂_0 at every step
// (Clip).
type ClipMode int

const (
	// ClipNone leaves x̂_0 as predicted (the zero value).
	ClipNone ClipMode = iota
	// ClipStatic clamps every value of x̂_0 to [Lo, Hi], as the reference
	// DDPM code's clip_denoised does with [−1, 1].
	ClipStatic
	// ClipDynamic is the dynamic thresholding of Imagen (Saharia et al.
	// 2022), scaled to the data's range [−Bound, Bound]: per image,
	// r = max(q_p(|x̂_0|), Bound) with q_p the p-quantile (Percentile) of the
	// absolute values over the image's pixels and channels, then
	// x̂_0 ← clamp(x̂_0, −r, r)·Bound/r. Imagen's rule is Bound = 1 for data
	// in [−1, 1]: images whose prediction stays inside the range are left
	// alone, saturated ones are pulled back in instead of clipped flat.
	ClipDynamic
)

var clipNames = []string{"none", "static", "dynamic"}

// String returns "none", "static" or "dynamic".
func (m ClipMode) String() string {
	if m >= 0 && int(m) < len(clipNames) {
		return clipNames[m]
	}
	return fmt.Sprintf("ClipMode(%d)", int(m))
}

// Clip is the clipping of x̂_0 in a sampler, in the sampler's normalised
// units (the network's: for PixelNorm, per-pixel standard scores; the
// audit of the white-vs-cloud experiment measured the photos at 32 px in
// −2.2…3.5). The zero value clips nothing. A clipped x̂_0 replaces the
// prediction for the step: ε̂ is recomputed from it (noise.Schedule.
// PredictEps) before the DDIM or DDPM update, so both samplers use the
// clipped x̂_0 in their posterior mean.
type Clip struct {
	Mode ClipMode
	// Lo and Hi are the range of ClipStatic, Lo < Hi.
	Lo, Hi float64
	// Percentile p in (0, 1] and Bound > 0 are the quantile and the range
	// of ClipDynamic (Imagen: p = 0.995, Bound = 1).
	Percentile, Bound float64
}

// validate returns an error for an unknown mode or invalid parameters.
func (c Clip) validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch c.Mode {
	case ClipNone:
		return nil
	case ClipStatic:
		if !finite(c.Lo) || !finite(c.Hi) || !(c.Lo < c.Hi) {
			return fmt.Errorf("diffusion: static clipping range [%v, %v] must be finite with Lo < Hi", c.Lo, c.Hi)
		}
		return nil
	case ClipDynamic:
		if !(c.Percentile > 0 && c.Percentile <= 1) {
			return fmt.Errorf("diffusion: dynamic clipping percentile %v outside (0, 1]", c.Percentile)
		}
		if !(c.Bound > 0) || !finite(c.Bound) {
			return fmt.Errorf("diffusion: dynamic clipping bound %v must be finite and > 0", c.Bound)
		}
		return nil
	}
	return fmt.Errorf("diffusion: unknown clipping mode %v", c.Mode)
}

// apply clips the images of x0 (n images of per values each) in place;
// scratch holds at least per values.
func (c Clip) apply(x0 []float64, per int, scratch []float64) {
	switch c.Mode {
	case ClipStatic:
		for i, v := range x0 {
			x0[i] = min(max(v, c.Lo), c.Hi)
		}
	case ClipDynamic:
		abs := scratch[:per]
		for j := 0; j < len(x0); j += per {
			img := x0[j : j+per]
			for i, v := range img {
				abs[i] = math.Abs(v)
			}
			r := max(quantile(abs, c.Percentile), c.Bound)
			f := c.Bound / r
			for i, v := range img {
				img[i] = min(max(v, -r), r) * f
			}
		}
	}
}

// quantile returns the p-quantile of v with linear interpolation between
// order statistics (numpy's and torch's default: position p·(n−1)). v is
// reordered.
func quantile(v []float64, p float64) float64 {
	slices.Sort(v)
	pos := p * float64(len(v)-1)
	lo := int(math.Floor(pos))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	f := pos - float64(lo)
	return v[lo] + f*(v[lo+1]-v[lo])
}
