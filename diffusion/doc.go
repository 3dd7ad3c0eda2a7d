// Package diffusion is a reference implementation of (cloud) diffusion
// models on gonum: a UNet that predicts the noise ε in x_t = cos θ_t·x_0 +
// sin θ_t·ε, with hand-written backward passes, a trainer and samplers. It is
// pure Go (no cgo, no downloads) and runs on the CPU.
//
// # The network
//
// [UNet] is the Go twin of the small PyTorch UNet in
// shared/anchors/torch_unet.py: with [DefaultUNetConfig] (1 channel, 32×32,
// Base 32, channel multipliers 1, 2, 2, one residual block per level,
// GroupNorm(8), SiLU, sinusoidal time embedding with an MLP to 4·Base and a
// per-block time bias, stride-2 3×3 convolutions down, nearest upsampling and
// a 3×3 convolution up, no attention) it has the twin's 694 561 parameters,
// named and ordered like the twin's state_dict, and computes the same
// function (checked against golden values from torch in float64).
//
// # Training, sampling and checkpoints
//
// Three objects compose a run, after one step that chooses the noise:
//
//	net, _ := diffusion.NewUNet(diffusion.DefaultUNetConfig(), rand.NewPCG(1, 1))
//	cfg := diffusion.DefaultTrainConfig() // white noise
//	norm, _ := diffusion.FitNormalizer(images, 1, 32, cfg.Normalize)
//	rn, _ := diffusion.ResolveNoise(diffusion.CloudNoise, images, norm, nil) // Δ fitted to the data
//	cfg.Noise = rn.Spec
//	tr, _ := diffusion.NewTrainer(net, images, cfg)
//	_ = tr.Train(ctx, func(p diffusion.Progress) { fmt.Println(p.Step, p.Loss) })
//	_ = tr.Save("model.ckpt")
//	out, _ := tr.Sampler().Sample(ctx, 16, &diffusion.SampleOptions{Method: diffusion.DDIM, Steps: 50}, rand.NewPCG(2, 2))
//
// The noise of a run is a noise.Spec (TrainConfig.Noise): white noise, the
// paper's power-law cloud noise with a given Δ, or any stationary spectrum.
// [ResolveNoise] is the one place where the data choose it: cloud noise with
// Δ fitted to the normalised images, or "matched" noise with their measured
// spectrum.
//
// [Trainer] normalises the images per pixel (the paper's eq. 19, stored with
// the model), draws uniform timesteps and noise of the run's noise.Spec with
// the root package's Sampler, and minimises the MSE on ε or the spectral
// (Mahalanobis) loss with AdamW, warm-up and decay, gradient clipping and an
// EMA of the weights. All its randomness comes from one PCG stream, so a run
// is deterministic for a seed and independent of the number of cores. A NaN
// or infinite loss stops training with an error naming the step and leaves
// the model and the last checkpoint untouched; cancelling the context stops
// after a consistent step.
//
// [Sampler] runs DDPM ancestral or DDIM (any η) sampling with any number of
// steps K ≤ T, starting from the model's noise and feeding the same noise
// at every stochastic step: cloud diffusion uses cloud noise throughout. It returns denormalised images and, on request, the x̂0
// trajectory and the x_t frames.
//
// A [Checkpoint] holds the parameters, AdamW moments, EMA weights, step, RNG
// state, model and training configuration (with the noise.Spec, its density
// stored exactly) and normalisation; its binary format (magic "CLDIFFCK",
// version, tagged sections, CRC-32C) is written atomically (temporary file,
// fsync, rename) and refused with a clear error when truncated, corrupted,
// foreign or of an unknown version; version-1 files still load. Resuming is
// exact: 5 steps, save, load, 5 steps equal 10 steps bit for bit.
//
// # Performance
//
// Convolutions are im2col products on gonum's blas64 (85% of a training
// step). On 2 cores a step at the default configuration and batch 32 takes
// about ten times as long as the float32 PyTorch twin: gonum's pure-Go
// float64 GEMM runs at about 5–6 GFLOP/s per core. Use -short training
// budgets (smaller Base, Size or batch) on a CPU.
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
//     and panic (mat.ErrShape for matrices of the wrong size).
//   - Choices are typed enumerations with String, a Parse function and
//     text marshalling, so flags and checkpoints use their names: Method,
//     NoiseKind, ScheduleKind, Decay, Loss, NormKind. Their zero values are
//     the defaults (DDIM, white, offset-cosine, cosine decay, MSE, per-pixel
//     normalisation).
//   - Options are passed by pointer, nil meaning the defaults
//     (SampleOptions, NoiseOptions); configurations are values (UNetConfig,
//     TrainConfig) that start from DefaultUNetConfig and DefaultTrainConfig.
//
// # The API by concept
//
//   - Network: UNet, UNetConfig, DefaultUNetConfig, NewUNet, ParamTensor.
//   - Noise of a run: noise.Spec (TrainConfig.Noise), NoiseKind and
//     ParseNoiseKind, ResolveNoise with NoiseOptions and ResolvedNoise,
//     NoiseName.
//   - Data: Normalizer, NormKind and ParseNormKind, FitNormalizer.
//   - Training: TrainConfig, DefaultTrainConfig, Decay and ParseDecay, Loss
//     and ParseLoss, ScheduleKind, ParseScheduleKind and NewSchedule,
//     Trainer, NewTrainer, Progress.
//   - Checkpoints: Checkpoint, ReadCheckpoint, DecodeCheckpoint, Resume,
//     ResumeFrom.
//   - Sampling: Sampler, NewSampler, NewSamplerFromCheckpoint, LoadSampler,
//     SampleOptions, Method and ParseMethod, Samples.
package diffusion
