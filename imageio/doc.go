// Package imageio reads images and NumPy arrays into gonum matrices and
// writes them back, for the noise library, its command and its Beam module.
//
// # Conventions
//
// An image is a *mat.Dense with rows = y and cols = x. Decoded pixel values
// lie in [0, 1]: an 8-bit sample v becomes v/255 and a 16-bit sample v
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
// odd leftovers drop the extra pixel at the right or bottom), then resized
// with golang.org/x/image/draw's Catmull-Rom kernel. When shrinking, the
// kernel is widened by the shrink factor, so downscaling is antialiased
// (like Pillow's BICUBIC resize); when enlarging, it is plain bicubic
// interpolation. The resampled image is held as 16 bits per channel, so
// resized values are quantised to 1/65535, and Catmull-Rom overshoot is
// clipped to [0, 1]. An image that already has the target size is not
// resampled at all.
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
