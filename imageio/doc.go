// Package imageio reads images and NumPy arrays into gonum matrices and
// writes them back, for the noise library, its command and its Beam module.
//
// # Conventions
//
// An image is a *mat.Dense with rows = y and cols = x. Decoded pixel values
// lie in [0, 1] (resizing may leave the range slightly, see Size): an 8-bit sample v becomes v/255 and a 16-bit sample v
// becomes v/65535, exactly (16-bit PNGs keep their 16-bit precision).
// PNG, JPEG and GIF are decoded (their decoders are registered by this
// package).
//
// Grayscale is the ITU-R BT.601 luma
//
//	Y = 0.299 R + 0.587 G + 0.114 B
//
// of the colour samples, computed in float64 from the 16-bit values that
// image.Image reports. These are the coefficients Pillow uses for mode "L",
// but Pillow rounds Y to 8 bits, so the two agree to within 0.5/255.
// Grey pixels (R = G = B), and therefore all grayscale images, convert
// exactly. Colour, on request, is returned as three planes R, G, B in the
// same [0, 1] scale. Images with an alpha channel are taken with their
// colour premultiplied by alpha, that is composited onto black. JPEG EXIF
// orientation tags are not applied (as with Pillow's Image.open).
//
// # Size
//
// Options can ask for a target size. The image is first centre-cropped to
// the target aspect ratio (the largest centred rectangle with that ratio;
// odd leftovers drop the extra pixel at the right or bottom), converted to
// float64 planes at that size, then resampled by Options.Resize (see
// ResizeMethod; Resize does the same to a matrix). An image that already
// has the target size is not resampled at all. The loaders refuse a
// target larger than the crop (ErrUpscale) unless Options.Upscale is set.
//
// The default, ResizeFourier, keeps the spectrum: every Fourier
// coefficient the new size can hold is kept (scaled for the new pixel
// size), the others are dropped, and the new Nyquist row and column are
// handled so that a stationary field keeps its expected power there too.
// On exactly periodic power-law fields resized from 96 to 48, 40, 32 and
// 27 pixels, the paper's fit (noise.FitImages) finds Δ within 0.02 of the
// truth for Δ = 1, 1.5 and 2 (TestResizeKeepsPowerLaw). ResizeBicubic
// (Catmull-Rom, antialiased like Pillow's BICUBIC) attenuates frequencies
// inside the new band and steepens Δ; ResizeBox (area averaging)
// attenuates too and folds the power above the new Nyquist frequency back
// below it (aliasing). On those fields
// bicubic adds 0.5 to 0.7 to Δ, box 0.02 to 0.33.
//
// Measured on photos96 (256 crops of 4 photographs, 96×96; the paper's
// estimator: per-pixel standardisation, OLS with the cross |kx| < 4 or
// |ky| < 4 masked; ± is the delete-one-photograph jackknife error, from
// cloudnoise fit -json -jackknife 4 -size S -resize M):
//
//	size  fourier        bicubic        box
//	 96   1.694 ± 0.115  (native: no resampling)
//	 48   1.600 ± 0.059  2.111 ± 0.052  1.678 ± 0.056
//	 32   1.556 ± 0.047  2.132 ± 0.042  1.682 ± 0.044
//
// Fourier resizing changes Δ only because the fit sees fewer frequencies:
// fitting the native 96×96 spectrum restricted to the frequencies a 48 or
// 32 pixel image holds gives the same Δ to within 0.005 (TestPhotos96Resize,
// global standardisation). Photos are not one power law: their spectrum is
// flatter at low frequencies than at high ones (noise.LocalSlopes of
// photos96 at 96 px: Δ = 1.49 for 1/16 ≤ |k| < 1/8 rising to 1.89 in the
// corners), so a fitted Δ always depends on the frequency range. The bicubic Δ of 2.1 describes
// the filter's roll-off, not the photos.
//
// Values are not clipped: ResizeFourier and ResizeBicubic ring near edges
// and can leave [0, 1] slightly, since clipping would change the
// spectrum. ResizeFourier treats the crop as periodic, as the DFT does, so
// the jump between opposite edges rings near them exactly as much as it
// contributes to the crop's own spectrum.
//
// # Limits and errors
//
// Image headers are read first (image.DecodeConfig): an image declaring
// more than MaxPixels pixels is rejected before any pixel memory is
// allocated. Every error begins with "imageio: " and names the file at
// fault. Non-finite values (NaN, ±Inf) in .npy input are errors.
//
// # Writing
//
// SavePNG and SaveNPY write atomically: data are written to a
// temporary file in the target's directory, synced and renamed over the
// target, so a reader never sees a half-written file and a failed write
// leaves an existing file untouched.
package imageio
