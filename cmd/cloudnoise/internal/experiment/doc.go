// Package experiment measures the claims of cloud diffusion: it trains a
// white-noise and a cloud-noise model with the same architecture, data,
// budget and seed, samples each with several numbers K of DDIM steps, and
// scores the samples against the data with the metrics of the eval package:
//
//   - the log-spectral distance of the radially averaged power spectra
//     (eval.LogSpectralError, dB),
//   - the squared Fréchet distance of Gaussians diagonal in Fourier space
//     (eval.SpectralFrechet),
//   - the Mahalanobis distance between the sample set and the data set
//     (noise.Metric.Between, with Δ and A fitted to the data),
//   - the Wasserstein-1 and total-variation distances of the pixel
//     histograms (eval.PixelWasserstein, eval.PixelTV),
//   - a nearest-neighbour check that samples are not copies of training
//     images (eval.NearestCheck).
//
// It also answers the spectral question of the paper's Figure 17: during
// sampling, when does each radial frequency band of the prediction x̂0
// settle to its final value (eval.BandErrors)?
//
// Run is the whole experiment; the cloudnoise command's "experiment"
// subcommand wires it to flags and files, and docs/EXPERIMENTS.md reports a
// run. Everything is deterministic for a seed.
package experiment
