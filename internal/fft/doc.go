// Package fft provides 2-D discrete Fourier transform plans for arrays of any
// size, and the pruned 1-D inverse transforms of the cloud-noise sampler.
//
// # Conventions
//
// Arrays are row-major: element (i, j) of a rows×cols array with row stride s
// is data[i*s+j]. Transforms are unnormalised, like gonum's: Forward computes
//
//	Z[u,v] = Σ_{i,j} x[i,j] exp(-2πi (u i/rows + v j/cols))
//
// and Inverse the same sum with a positive exponent, so Inverse(Forward(x))
// is rows·cols·x. Use Scale for orthonormal scaling. Frequencies are in the
// unshifted order of the DFT; Shift and Unshift convert to and from the
// centred layout, in which index i of an axis of length n is frequency i−n/2.
//
// The real-input transform ForwardReal keeps only the half spectrum
// v = 0..cols/2 (cols/2+1 columns, Hermitian symmetry Z[−u,−v] = conj Z[u,v]
// gives the rest), and costs about half a complex transform.
//
// # The engine
//
// Every pass transforms eight sequences at once, one per lane: the columns
// of a block of eight columns, or eight rows gathered into the same layout
// (a blocked transpose). The eight sequences are stored split, element by
// element (eight real parts, then eight imaginary parts), so that each
// butterfly is the same scalar arithmetic applied to all lanes: on amd64
// one AVX-512 register, or two AVX2 ones, per part. The 1-D transforms are
// Stockham autosort passes (decimation in frequency, natural order in and
// out) of radix 8, 4, 2, 3 and 5, a generic radix for 7, 11 and 13, and
// Bluestein's algorithm for lengths with a larger prime factor. Real input
// rides two rows per complex transform (real and imaginary parts), and for
// even widths the two real columns of the half spectrum (DC and Nyquist)
// share one transform the same way. Inverse transforms exchange real and
// imaginary parts on the way in and out of a forward one.
//
// The results are the same whatever the number of workers, and do not
// depend on which lane a sequence rides in. They may differ in the last
// bits between kernels (plain Go, AVX2, AVX-512: fused multiply-adds round
// once), so between machines.
//
// # Concurrency
//
// A Plan owns its work buffers and does not allocate in steady state. Its
// passes run on all cores (package parallel), but a Plan must not be used by
// two goroutines at once: give each goroutine its own Plan.
package fft
