// Package experiment measures the claims of cloud diffusion. For each data
// set it first computes the exact outcome of sampling the data's Gaussian
// model (zero mean, the measured spectrum of the normalised images) with
// the optimal denoiser under each noise (diffusion.GaussianTheory): the
// answer a perfectly trained network would give if the data were Gaussian.
// Then it trains one UNet per noise (white; cloud, the power law fitted to
// the data; matched, the data's measured spectrum) and seed, with the same
// architecture, data, budget and initial weights, checks each network's x̂0
// error on held-out images against the Gaussian bound while it trains
// (diffusion.MeasureX0Error), samples each with DDIM and DDPM for several
// numbers of steps K, and scores the samples against the data with the
// metrics of the eval package and the diagnostics of diffusion:
//
//   - the log-spectral distance of the radially averaged power spectra
//     (eval.LogSpectralError, dB), beside the exact prediction,
//   - the squared Fréchet distance of Gaussians diagonal in Fourier space
//     (eval.SpectralFrechet),
//   - the Mahalanobis distance between the sample set and the data set
//     (noise.Metric.Between, with Δ and A fitted to the data, random pairs),
//   - the Wasserstein-1 and total-variation distances of the pixel
//     histograms (eval.PixelWasserstein, eval.PixelTV),
//   - the samples' per-pixel variance and border ratio over the data's
//     (diffusion.PixelVariance, diffusion.BorderRatios): a blown-up sampler
//     or frames show here first,
//   - a nearest-neighbour check that samples are not copies of training
//     images (eval.NearestCheck).
//
// It also answers the spectral question of the paper's Figure 17: during
// sampling, when does each radial frequency band of the prediction x̂0
// settle to its final value (eval.BandErrors), exactly and for the trained
// networks?
//
// Run is the whole experiment; the cloudnoise command's "experiment"
// subcommand wires it to flags and files, and docs/EXPERIMENTS.md reports a
// run. Everything is deterministic for a seed.
package experiment
