// Package noisebeam estimates the spectrum Γ(k) and the scaling parameter Δ
// of an image set on Apache Beam, for sets too large for one machine. It is
// the separate Go module github.com/cloud-diffusion/noise/beam, so that the
// core library's users never download Beam; import it as
//
//	import noisebeam "github.com/cloud-diffusion/noise/beam"
//
// The pipeline computes exactly what noise.Spectrum computes on one
// machine. SpectrumFn is a Beam combiner over noise.Spectrum: each worker
// adds its images to a partial Spectrum (Welford's update), the runner
// moves partial spectra between workers as their MarshalBinary encoding,
// and merges them with Spectrum.Merge (Chan's pairwise update), which is
// exact up to rounding for any split of the data. So the pipeline's Power
// agrees with a single Spectrum over the same images to about 1e-12
// relative, and the power-law fit (noise.FitPowerLaw) to the same digits.
//
// SpectrumOfFiles reads and decodes image files (PNG, JPEG, GIF, through
// the library's imageio package and Beam's file systems, so local paths and
// gs:// both work), SpectrumOfImages takes decoded Images. Inputs that
// cannot be used (a corrupt or unreadable file, a wrong size, a non-finite
// pixel) never fail the job: they go to a dead-letter output of Failure
// records naming the input and the error, and are counted by the Beam
// metric counter cloudnoise/failed (the images used are counted by
// cloudnoise/images). WriteResult writes the estimate as JSON and the
// spectrum as a NumPy .npy file. The command cmd/cloudnoise-beam wires the
// pieces together; see the module's README for running it on Dataflow and
// Flink.
package noisebeam
