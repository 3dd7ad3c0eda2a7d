// Package eval scores generated images against data: the sample-quality
// metrics of the cloud-diffusion experiments, kept apart from the models
// that produce the samples (as denoising-diffusion-pytorch keeps FID apart
// from its model), so that any generator can be scored the same way.
//
// Each metric compares two sets of images of one shape ([]*mat.Dense):
//
//   - LogSpectralError: the log-spectral distance of the radially averaged
//     power spectra (noise.RadialPower), in dB;
//   - SpectralFrechet: the squared Fréchet distance of Gaussians diagonal
//     in Fourier space, a cheap FID-like proxy;
//   - PixelWasserstein and PixelTV: distances of the pixel histograms;
//   - NearestCheck (or a NearestIndex for repeated checks): whether samples
//     are copies of training images;
//   - BandErrors and SettleTimes: when each radial frequency band of a
//     sampler's prediction x̂0 settles during sampling (the paper's Figure
//     17).
//
// The Mahalanobis distance between two sets relative to a power law,
// noise.Metric.Between, belongs to the noise package with the Metric it
// needs; the two-sample test of spectra used by the library's property
// tests is noise.SpectralTest.
//
// # Errors
//
// The metrics take data and return errors, beginning with "eval: " and
// naming the function and the offending image, for empty sets, nil images,
// mixed shapes and NaN or infinite pixels; they never panic on data and do
// not modify their inputs.
package eval
