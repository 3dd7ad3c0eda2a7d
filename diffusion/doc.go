// Package diffusion is a reference implementation of (cloud) diffusion
// models on gonum: a UNet that predicts the noise ε in x_t = cos θ_t·x_0 +
// sin θ_t·ε, with hand-written backward passes, a trainer and samplers. It is
// pure Go (no cgo, no downloads) and runs on the CPU.
//
// # The network
//
// [UNet] is the Go twin of the small PyTorch UNet in
// shared/anchors/torch_unet.py: with [DefaultConfig] (1 channel, 32×32,
// Base 32, channel multipliers 1, 2, 2, one residual block per level,
// GroupNorm(8), SiLU, sinusoidal time embedding with an MLP to 4·Base and a
// per-block time bias, stride-2 3×3 convolutions down, nearest upsampling and
// a 3×3 convolution up, no attention) it has the twin's 694 561 parameters,
// named and ordered like the twin's state_dict, and computes the same
// function (checked against golden values from torch in float64).
//
// # Conventions
//
//   - Tensors are flat []float64 in NCHW layout: element (n, c, y, x) of a
//     batch of N images with C channels of Size×Size pixels is at
//     ((n·C + c)·Size + y)·Size + x; y is the row, as in the library's
//     *mat.Dense images (rows = y, cols = x).
//   - Time is continuous, t ∈ [0, 1] per sample; the time embedding uses
//     1000·t, so a schedule with T steps passes t = step/T.
//   - All parameters live in one flat slice ([UNet.Params]); gradients
//     ([UNet.Grads]) and optimiser moments share its layout, so an optimiser
//     step is a loop over flat slices (internal/nn.AdamW).
//   - Backward passes accumulate into gradients; call [UNet.ZeroGrad] before
//     each step.
//   - Randomness comes from a rand.Source passed in; nil means a
//     non-reproducible source. Results do not depend on the number of cores.
//   - Invalid configurations are reported as errors with the "diffusion: "
//     prefix; shape mismatches in the per-step calls are programming errors
//     and panic.
package diffusion
