// Package nn holds the neural-network layers behind the diffusion package's
// UNet: convolutions, group normalisation, activations, linear maps,
// resampling, channel concatenation, the sinusoidal time embedding,
// single-head self-attention, the AdamW optimiser and gradient clipping.
//
// # Conventions
//
// Layers are generic in their element type T, float64 (the reference, which
// the gradient checks and the PyTorch golden values test) or float32 (half
// the memory traffic and twice the matrix-product speed; tested against
// float64). Statistics that sum many values (group-norm means and
// variances) are accumulated in float64 in both. Tensors are flat []T
// slices in NCHW layout: element (n, c, y, x) of a tensor of shape
// [N, C, H, W] is at index ((n*C+c)*H+y)*W+x. Matrices of shape [N, D]
// (time embeddings, linear layers) are row major.
//
// Every layer is a forward/backward pair in the style of llm.c. Forward
// overwrites its output. Backward ACCUMULATES: it adds the gradient of the
// loss with respect to the layer's input into dIn and with respect to its
// parameters into dW, so that a tensor feeding several layers receives the sum
// of their contributions and gradients of a parameter used twice add up. The
// caller zeroes gradient buffers before a backward pass. A nil dIn asks the
// layer to skip the input gradient.
//
// Parameters of a whole network live in ONE flat slice described by a
// [Layout]: each tensor is a named [View] (offset, length) into it. Gradients
// and the AdamW first and second moments use the same layout, so that the
// optimiser ([AdamW.Step]) and gradient clipping ([ClipGradNorm]) are plain
// loops over flat slices.
//
// Initialisation follows PyTorch's defaults: convolution and linear weights
// and biases are drawn from U(−1/√fan_in, 1/√fan_in) (kaiming-uniform with
// a = √5), group-norm scales are 1 and shifts 0.
//
// Layers that need scratch memory own it, sized on first use and reused
// afterwards (growing only for a larger batch); they are not safe for
// concurrent use. Convolutions, group norms and attention split their work
// across GOMAXPROCS goroutines of a package-wide pool started on first use
// (GOMAXPROCS−1 goroutines that live as long as the process), so a step
// allocates nothing. Matrix products are internal/gemm's packed GEMM (AVX-512
// or AVX2+FMA assembly, chosen at run time, or pure Go), called on one
// goroutine each from those goroutines, never in parallel by themselves.
// Every element of a result is computed by the same operations whatever the
// number of goroutines (parameter gradients are split by element, not by
// sample, and summed over samples in order), so results do not depend on the
// number of cores.
package nn
