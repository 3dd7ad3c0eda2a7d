package diffusion

import (
	"errors"
	"fmt"

	"github.com/cloud-diffusion/noise/internal/nn"
)

// UNetConfig describes a UNet. The defaults (DefaultUNetConfig) are the PyTorch twin
// in shared/anchors/torch_unet.py, with 694 561 parameters.
type UNetConfig struct {
	// Channels is the number of image channels, 1 (grey) or 3 (RGB).
	// Default 1.
	Channels int
	// Size is the image height and width in pixels; images are square.
	// It must be divisible by 2^(len(Mults)−1), one halving per level
	// below the first. Default 32.
	Size int
	// Base is the number of feature channels at the first level, and the
	// dimension of the sinusoidal time embedding, whose MLP widens it to
	// 4·Base. It must be even. Default 32.
	Base int
	// Mults are the channel multipliers of the levels: level i has
	// Base·Mults[i] channels at resolution Size/2^i. Default [1, 2, 2].
	Mults []int
	// ResBlocks is the number of residual blocks per level on the way down
	// and on the way up. Default 1. With more than one, the skip connection
	// of a level is taken after its last block on the way down and joins
	// before its first block on the way up.
	ResBlocks int
	// Groups is the number of GroupNorm groups; it must divide every channel
	// count of the network (Base·Mults[i] and the concatenations on the way
	// up). Default 8.
	Groups int
	// Attention adds single-head self-attention (with its own GroupNorm and a
	// residual connection) after the middle residual block, at the lowest
	// resolution. Default false (the twin has none).
	Attention bool
	// Precision is the arithmetic of the network's layers: PrecisionFloat64
	// (the reference, and the zero value, as in checkpoints written before
	// the field existed) or PrecisionFloat32, with half the activation
	// memory and faster. Parameters, gradients, the optimiser and the UNet's
	// inputs and outputs stay float64 either way; in float32 the parameters
	// are rounded to float32 at every Forward and the gradients added back in
	// float64. Default PrecisionFloat64.
	Precision Precision
	// Padding is how every 3×3 convolution reads outside the image (the
	// upsampling convolutions outside the upsampled image): PaddingZero
	// (the twin's, and the zero value, as in checkpoints written before the
	// field existed), PaddingReplicate or PaddingCircular. Zero padding
	// makes the border visible to the network: a constant image becomes a
	// constant plus a frame after the first convolution. Replicate and
	// circular padding keep a constant image constant through every
	// convolution, and circular padding makes the network commute with
	// cyclic shifts by multiples of 2^(levels−1) pixels. Default
	// PaddingZero.
	Padding Padding
	// Head is the output head: HeadGroupNorm, the twin's conv3×3(SiLU(GN(h)))
	// (the zero value, as in checkpoints written before the field existed),
	// or HeadMean, the same plus a per-image mean path that lets the output
	// carry the image's mean (see Head). Default HeadGroupNorm.
	Head Head
}

// Head is a UNet's output head, the map from the last level's features h
// [N, C, Size, Size] (C = Base·Mults[0]) to the output.
//
// HeadGroupNorm is out = conv3×3(SiLU(GN(h))). The group norm removes the
// spatial mean of every channel group, and with one channel per group (Base
// 8 and Groups 8, the experiment's set-up) of every channel: the head's
// input is then the same whatever per-channel constant is added to h. An
// offset of the input travels down the residual stream as per-channel
// offsets of h, so it reaches the output only in so far as the layers below
// have turned it into spatial structure; for a constant image only the
// border contrast that zero padding creates does that (with replicate or
// circular padding a constant input gives the same output whatever the
// constant). Most of the variance of cloud noise with Δ near 2 is the
// field's mean, and networks with this head and zero padding draw it as
// frames.
//
// HeadMean adds the channel means that the group norm removes back in,
// through a linear map M [Channels, C] (parameter "out.mean.weight"):
//
//	out[n, o, y, x] = conv3×3(SiLU(GN(h)))[n, o, y, x] + Σ_c M[o, c]·h̄[n, c],
//	h̄[n, c] = (1/Size²) Σ_{y,x} h[n, c, y, x].
//
// The residual stream carries an offset of the input to h (every block adds
// its input back), so an offset δ that moves the channel means by a·δ moves
// every output pixel by M·a·δ: linearly, with either sign, at every pixel
// and with any padding. A spatial mean cannot make spatial structure, so the
// path adds no frame of its own. We chose it over dropping the
// normalisation (conv3×3(SiLU(h))) because that would feed the
// unnormalised residual stream, whose scale changes with depth and during
// training, into the last convolution, and through a SiLU, which passes a
// negative offset only weakly (SiLU(z) → 0 as z → −∞); it keeps the
// normalised head for the image's structure and adds Channels·C parameters.
// M is initialised like a linear layer's weights, U(±1/√C).
type Head int

const (
	// HeadGroupNorm is conv3×3(SiLU(GN(h))), the twin's head.
	HeadGroupNorm Head = iota
	// HeadMean is HeadGroupNorm plus a linear map of h's channel means.
	HeadMean
)

var headNames = []string{"groupnorm", "mean"}

// String returns "groupnorm" or "mean".
func (h Head) String() string { return enumString(h, headNames, "Head") }

// ParseHead returns the head named s ("groupnorm" or "mean", any case), or
// an error.
func ParseHead(s string) (Head, error) { return enumParse[Head](s, headNames, "head") }

// MarshalText returns the name of h.
func (h Head) MarshalText() ([]byte, error) { return enumMarshal(h, headNames, "head") }

// UnmarshalText parses a name written by MarshalText.
func (h *Head) UnmarshalText(b []byte) error { return enumUnmarshal(h, b, ParseHead) }

// Padding is how a UNet's convolutions read outside the image.
type Padding int

const (
	// PaddingZero reads 0 outside the image (PyTorch's padding_mode
	// "zeros").
	PaddingZero Padding = iota
	// PaddingReplicate reads the nearest edge pixel ("replicate").
	PaddingReplicate
	// PaddingCircular wraps the image around, as on a torus ("circular").
	PaddingCircular
)

var paddingNames = []string{"zero", "replicate", "circular"}

// String returns "zero", "replicate" or "circular".
func (p Padding) String() string { return enumString(p, paddingNames, "Padding") }

// ParsePadding returns the padding named s ("zero", "replicate" or
// "circular", any case), or an error.
func ParsePadding(s string) (Padding, error) { return enumParse[Padding](s, paddingNames, "padding") }

// MarshalText returns the name of p.
func (p Padding) MarshalText() ([]byte, error) { return enumMarshal(p, paddingNames, "padding") }

// UnmarshalText parses a name written by MarshalText.
func (p *Padding) UnmarshalText(b []byte) error { return enumUnmarshal(p, b, ParsePadding) }

// nn returns the layers' padding mode.
func (p Padding) nn() nn.Padding {
	switch p {
	case PaddingReplicate:
		return nn.PadReplicate
	case PaddingCircular:
		return nn.PadCircular
	}
	return nn.PadZero
}

// Precision is the floating-point type of a UNet's layers.
type Precision int

const (
	// PrecisionFloat64 computes in float64 (the reference).
	PrecisionFloat64 Precision = iota
	// PrecisionFloat32 computes in float32.
	PrecisionFloat32
)

var precisionNames = []string{"float64", "float32"}

// String returns "float64" or "float32".
func (p Precision) String() string { return enumString(p, precisionNames, "Precision") }

// ParsePrecision returns the precision named s ("float64" or "float32", any
// case), or an error.
func ParsePrecision(s string) (Precision, error) {
	return enumParse[Precision](s, precisionNames, "precision")
}

// MarshalText returns the name of p.
func (p Precision) MarshalText() ([]byte, error) { return enumMarshal(p, precisionNames, "precision") }

// UnmarshalText parses a name written by MarshalText.
func (p *Precision) UnmarshalText(b []byte) error { return enumUnmarshal(p, b, ParsePrecision) }

// DefaultConfig returns the configuration of the PyTorch twin: 1 channel,
// 32×32, Base 32, Mults [1, 2, 2], one ResBlock per level, GroupNorm(8), no
// attention, float64 arithmetic, zero padding, the group-norm head.
func DefaultUNetConfig() UNetConfig {
	return UNetConfig{Channels: 1, Size: 32, Base: 32, Mults: []int{1, 2, 2}, ResBlocks: 1, Groups: 8, Precision: PrecisionFloat64, Padding: PaddingZero, Head: HeadGroupNorm}
}

// Limits that keep a configuration from exhausting memory.
const (
	unetMaxSize     = 4096 // pixels per side
	unetMaxChannels = 4096 // feature channels at any level
	unetMaxLevels   = 12
	unetMaxBlocks   = 16
	unetMaxParams   = 1 << 27 // 1 GiB of float64 per copy (parameters, gradients, moments, EMA)
)

// validate returns an error describing the first problem with c.
func (c UNetConfig) validate() error {
	switch {
	case c.Channels != 1 && c.Channels != 3:
		return fmt.Errorf("diffusion: UNet needs 1 or 3 image channels, got %d", c.Channels)
	case c.Size <= 0 || c.Size > unetMaxSize:
		return fmt.Errorf("diffusion: UNet image size %d out of range [1, %d]", c.Size, unetMaxSize)
	case c.Base <= 0 || c.Base%2 != 0:
		return fmt.Errorf("diffusion: UNet base channels must be positive and even, got %d", c.Base)
	case len(c.Mults) == 0:
		return errors.New("diffusion: UNet needs at least one level (empty Mults)")
	case len(c.Mults) > unetMaxLevels:
		return fmt.Errorf("diffusion: UNet has %d levels, at most %d allowed", len(c.Mults), unetMaxLevels)
	case c.ResBlocks <= 0 || c.ResBlocks > unetMaxBlocks:
		return fmt.Errorf("diffusion: UNet residual blocks per level %d out of range [1, %d]", c.ResBlocks, unetMaxBlocks)
	case c.Groups <= 0:
		return fmt.Errorf("diffusion: UNet GroupNorm groups must be positive, got %d", c.Groups)
	case !enumValid(c.Precision, precisionNames):
		return fmt.Errorf("diffusion: UNet precision %v is neither float64 nor float32", c.Precision)
	case !enumValid(c.Padding, paddingNames):
		return fmt.Errorf("diffusion: UNet padding %v is not %s", c.Padding, enumList(paddingNames))
	case !enumValid(c.Head, headNames):
		return fmt.Errorf("diffusion: UNet head %v is not %s", c.Head, enumList(headNames))
	}
	for i, m := range c.Mults {
		if m <= 0 {
			return fmt.Errorf("diffusion: UNet channel multiplier Mults[%d] = %d is not positive", i, m)
		}
		if c.Base*m > unetMaxChannels {
			return fmt.Errorf("diffusion: UNet level %d has %d channels, at most %d allowed", i, c.Base*m, unetMaxChannels)
		}
	}
	if d := 1 << (len(c.Mults) - 1); c.Size%d != 0 {
		return fmt.Errorf("diffusion: UNet image size %d is not divisible by 2^(levels−1) = %d", c.Size, d)
	}
	for _, ch := range c.channelCounts() {
		if ch%c.Groups != 0 {
			return fmt.Errorf("diffusion: UNet GroupNorm groups %d do not divide channel count %d", c.Groups, ch)
		}
	}
	return nil
}

// channelCounts lists every channel count that meets a GroupNorm: the level
// widths and the concatenations on the way up.
func (c UNetConfig) channelCounts() []int {
	cs := []int{c.Base}
	ch := c.Base
	for _, m := range c.Mults {
		ch = c.Base * m
		cs = append(cs, ch)
	}
	for i := len(c.Mults) - 1; i >= 0; i-- {
		cs = append(cs, ch+c.Base*c.Mults[i])
		ch = c.Base * c.Mults[i]
	}
	return cs
}

// clone returns a copy of c that shares no memory with it.
func (c UNetConfig) clone() UNetConfig {
	c.Mults = append([]int(nil), c.Mults...)
	return c
}
