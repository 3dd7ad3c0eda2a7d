// Package noise generates scale-invariant ("cloud") Gaussian noise and
// measures the spectral statistics of image sets, for diffusion models whose
// noise matches the power law of natural images.
//
// # The science in brief
//
// Natural image sets are close to diagonal in Fourier space: with Z = F x the
// orthonormal 2-D DFT of an image whose pixels are normalised, E[Z_k Z*_l] ≈
// Γ(k) δ_kl, and the diagonal follows a power law
//
//	Γ(k) = A² / |k|^(2Δ)
//
// with scaling parameter Δ: 0 for white noise, 1 pink, about 1.5 for natural
// images ("cloud"), 2 red (Brownian). Cloud noise is Gaussian noise with that
// covariance: white noise, transformed, multiplied by |k|^(−Δ) with k = 0
// removed, transformed back. Done on a periodic grid the field wraps around,
// so the paper draws it on a grid three times larger in each dimension and
// crops the centre; Sampler does exactly that (Spec.Pad), normalised to unit
// pixel variance by the closed form of the construction's variance.
//
// The same construction draws Gaussian noise of any stationary spectrum: a
// Spec's Density replaces the power law by true white noise (WhiteDensity),
// a function of |k| (RadialDensity), a tabulated radial profile
// (TabulatedDensity), or the measured spectrum of an image set
// (MeasuredDensity of Spectrum.Power). With Pad 1 and the images' size, a
// measured density gives "matched" noise, whose expected spectrum
// (Sampler.Power) equals the images' spectrum at every frequency.
//
// Because the covariance is a fixed matrix Σ, independent fields add like
// Gaussians: αN(0, Σ) + βN(0, Σ) = N(0, (α²+β²)Σ). The sum of cloud noises is
// cloud noise with the same Δ, which is what lets a diffusion model jump to
// any time t in one step, x_t = cos θ_t x_0 + sin θ_t ε (Schedule.Noisy),
// with cloud noise ε. SpectralTest checks such laws statistically.
//
// For a real image Z_{−k} = conj Z_k, so half of the spectrum is redundant.
// The real Fourier transform RealFFT2 keeps √2·Re Z_k at one member of each
// pair {k, −k}, √2·Im Z_k at the other, and Z_k itself where k = −k: a real
// array of the image's shape, and an orthogonal map (white noise stays white).
// Involution gives the index of −k.
//
// A Gaussian reference Q0 = N(0, A²|k|^(−2Δ)) defines the Mahalanobis distance
// d(x, y | Q0) = √(Σ_k (X_k − Y_k)² |k|^(2Δ)) / A in real Fourier space
// (Metric). With Δ fitted to natural images, white noise lies about ten times
// farther from the centre of Q0 than cloud noise, and about six times farther
// from the images themselves (DistanceTable): the paper's argument for cloud
// diffusion.
//
// # Conventions
//
// Images and fields are *mat.Dense, rows = y, cols = x, float64, of any size
// from 1×1, odd or even, square or not.
//
// Fourier arrays use the centred layout of numpy's fftshift: the zero
// frequency sits at (rows/2, cols/2) (integer division) and index i on an
// axis of length n is frequency i − n/2. Frequencies are in cycles per pixel,
// |k| = √((ky/rows)² + (kx/cols)²) (Wavenumbers), so a fitted A does not
// depend on the image size. Every transform is orthonormal (1/√(rows·cols)):
// white noise of unit variance has E|Z_k|² = 1, and Γ is the power spectral
// density per pixel.
//
// Randomness comes from a math/rand/v2 Source passed in; nil means a
// non-reproducible source. The same seed gives the same fields on every
// platform. A Source is not shared between goroutines: batch methods derive
// one per pair of fields from the caller's, so results do not depend on
// GOMAXPROCS.
//
// Functions that take data from outside (images, files, user specs) return
// errors prefixed "noise:" and never panic on bad data. Argument-only
// conveniences such as Cloud panic on invalid arguments with a "noise:"
// message, like make. Sizes are limited to MaxPixels.
//
// # Performance
//
// Transforms are built from gonum's 1-D FFTs (dsp/fourier) by row and column
// passes on all cores. Plans (RealFFT, Sampler, Metric) own their buffers and
// do not allocate in steady state; none may be used by two goroutines at once.
// Sampler draws the Fourier coefficients directly, gets two independent fields
// from each complex transform and computes only the rows and columns of the
// crop.
package noise
