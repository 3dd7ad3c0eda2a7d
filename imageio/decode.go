package imageio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // register the GIF decoder
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io"
	"os"

	"gonum.org/v1/gonum/mat"
)

// MaxPixels is the largest number of pixels (width × height) an image may
// declare in its header, and the largest target size. 1<<26 pixels (for
// example 8192×8192) take 512 MiB as a decoded 16-bit RGBA image and as a
// float64 matrix; larger headers are rejected before decoding.
const MaxPixels = 1 << 26

// BT.601 luma weights (the ones Pillow uses for mode "L").
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// Options controls how images are loaded. The zero value (or a nil
// *Options) loads images at their own size, in grayscale.
type Options struct {
	// Size, when positive, is a square target size: the same as
	// Rows = Cols = Size. Size must not be combined with Rows or Cols.
	Size int

	// Rows and Cols, when positive, are the target height and width.
	// They must be given together. Each image is centre-cropped to the
	// aspect ratio Cols/Rows and resized to Rows×Cols (see the package
	// documentation).
	Rows, Cols int

	// Resize is the resampling method used when an image is not of the
	// target size; the zero value is ResizeFourier, which keeps the
	// spectrum below the new Nyquist frequency (see ResizeMethod).
	Resize ResizeMethod

	// Upscale allows a target larger than the centre-cropped image in
	// either dimension. Without it such an image is an error wrapping
	// ErrUpscale, found from its header before its pixels are decoded (and
	// before any image of a batch is decoded): enlarging adds no
	// information, and the enlarged image has no power above the source's
	// Nyquist frequency, which a spectral estimate would take for data.
	Upscale bool

	// Color asks the batch loaders (LoadDir and LoadPaths) for colour:
	// each image then contributes three matrices, its R, G and B planes,
	// in that order. Load and Decode return grayscale and reject Color;
	// use LoadRGB and DecodeRGB for a single colour image.
	Color bool
}

// target returns the validated target size, 0, 0 meaning none.
func (o *Options) target() (rows, cols int, err error) {
	if o == nil {
		return 0, 0, nil
	}
	switch {
	case o.Size < 0 || o.Rows < 0 || o.Cols < 0:
		return 0, 0, fmt.Errorf("imageio: negative target size (Size %d, Rows %d, Cols %d)", o.Size, o.Rows, o.Cols)
	case o.Size > 0 && (o.Rows > 0 || o.Cols > 0):
		return 0, 0, fmt.Errorf("imageio: target Size %d combined with Rows %d, Cols %d: give one or the other", o.Size, o.Rows, o.Cols)
	case o.Size > 0:
		rows, cols = o.Size, o.Size
	case (o.Rows > 0) != (o.Cols > 0):
		return 0, 0, fmt.Errorf("imageio: target Rows %d and Cols %d must be given together", o.Rows, o.Cols)
	default:
		rows, cols = o.Rows, o.Cols
	}
	if rows > 0 && (rows > MaxPixels/cols) {
		return 0, 0, fmt.Errorf("imageio: target size %d×%d exceeds the limit of %d pixels", rows, cols, MaxPixels)
	}
	if !o.Resize.valid() {
		return 0, 0, fmt.Errorf("imageio: invalid resize method %d", int(o.Resize))
	}
	return rows, cols, nil
}

func (o *Options) color() bool { return o != nil && o.Color }

func (o *Options) method() ResizeMethod {
	if o == nil {
		return ResizeFourier
	}
	return o.Resize
}

// ErrUpscale is wrapped by the error for an image smaller than the target
// size when Options.Upscale is not set.
var ErrUpscale = errors.New("upscaling refused: it adds no spectral content")

// checkUpscale returns an error wrapping ErrUpscale and naming the file
// when the centre crop of the image is smaller than the rows×cols target
// (rows > 0) and opts does not allow upscaling.
func checkUpscale(name string, cfg image.Config, rows, cols int, opts *Options) error {
	if rows == 0 || (opts != nil && opts.Upscale) {
		return nil
	}
	_, _, ch, cw := cropBox(cfg.Height, cfg.Width, rows, cols)
	if ch < rows || cw < cols {
		return fmt.Errorf("imageio: %s: the %d×%d centre crop of this %d×%d image (rows×cols) is smaller than the target %d×%d: %w",
			name, ch, cw, cfg.Height, cfg.Width, rows, cols, ErrUpscale)
	}
	return nil
}

// Decode decodes one PNG, JPEG or GIF image from r into a grayscale matrix
// with values in [0, 1], cropped and resized as opts asks (opts may be
// nil). Decode reads r once, as far as the decoder needs, and rejects an
// oversized header (MaxPixels) before reading the pixel data. opts.Color
// must be false; use DecodeRGB for colour. A nil r is an error.
func Decode(r io.Reader, opts *Options) (*mat.Dense, error) {
	if r == nil {
		return nil, errors.New("imageio: Decode: nil reader")
	}
	if opts.color() {
		return nil, errors.New("imageio: Decode returns grayscale: use DecodeRGB for colour")
	}
	p, err := decodeReader("input", r, opts, false)
	if err != nil {
		return nil, err
	}
	return p[0], nil
}

// DecodeRGB is like Decode but returns the R, G and B planes, each with
// values in [0, 1]. opts.Color is ignored.
func DecodeRGB(r io.Reader, opts *Options) ([3]*mat.Dense, error) {
	if r == nil {
		return [3]*mat.Dense{}, errors.New("imageio: DecodeRGB: nil reader")
	}
	p, err := decodeReader("input", r, opts, true)
	if err != nil {
		return [3]*mat.Dense{}, err
	}
	return [3]*mat.Dense{p[0], p[1], p[2]}, nil
}

// Load reads the PNG, JPEG or GIF image file at path into a grayscale
// matrix with values in [0, 1], cropped and resized as opts asks (opts may
// be nil). The format is recognised from the content, not the file name.
// opts.Color must be false; use LoadRGB for colour.
func Load(path string, opts *Options) (*mat.Dense, error) {
	if opts.color() {
		return nil, fmt.Errorf("imageio: %s: Load returns grayscale: use LoadRGB for colour", path)
	}
	p, err := loadFile(path, opts, false)
	if err != nil {
		return nil, err
	}
	return p[0], nil
}

// LoadRGB is like Load but returns the R, G and B planes, each with values
// in [0, 1]. opts.Color is ignored.
func LoadRGB(path string, opts *Options) ([3]*mat.Dense, error) {
	p, err := loadFile(path, opts, true)
	if err != nil {
		return [3]*mat.Dense{}, err
	}
	return [3]*mat.Dense{p[0], p[1], p[2]}, nil
}

// DecodeConfig reads only the header of the image file at path and returns
// its width, height and format name, rejecting headers above MaxPixels.
func DecodeConfig(path string) (width, height int, format string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, "", fmt.Errorf("imageio: %w", err)
	}
	defer f.Close()
	cfg, format, err := checkConfig(path, bufio.NewReader(f))
	if err != nil {
		return 0, 0, "", err
	}
	return cfg.Width, cfg.Height, format, nil
}

func loadFile(path string, opts *Options, color bool) ([]*mat.Dense, error) {
	rows, cols, err := opts.target()
	if err != nil {
		return nil, fmt.Errorf("%w (loading %s)", err, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("imageio: %w", err)
	}
	defer f.Close()
	cfg, _, err := checkConfig(path, bufio.NewReader(f))
	if err != nil {
		return nil, err
	}
	if err := checkUpscale(path, cfg, rows, cols, opts); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("imageio: %w", err)
	}
	img, format, err := image.Decode(bufio.NewReader(f))
	if err != nil {
		return nil, decodeError(path, format, err)
	}
	return planes(img, rows, cols, opts.method(), color), nil
}

func decodeReader(name string, r io.Reader, opts *Options, color bool) ([]*mat.Dense, error) {
	rows, cols, err := opts.target()
	if err != nil {
		return nil, err
	}
	// Keep the bytes the header check consumes and replay them to the
	// decoder, so that r is read once and never buffered whole.
	var head bytes.Buffer
	cfg, _, err := checkConfig(name, io.TeeReader(r, &head))
	if err != nil {
		return nil, err
	}
	if err := checkUpscale(name, cfg, rows, cols, opts); err != nil {
		return nil, err
	}
	img, format, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		return nil, decodeError(name, format, err)
	}
	return planes(img, rows, cols, opts.method(), color), nil
}

// checkConfig decodes the image header from r and rejects empty and
// oversized images.
func checkConfig(name string, r io.Reader) (image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return cfg, format, decodeError(name, format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, format, fmt.Errorf("imageio: %s: empty %s image (%d×%d)", name, format, cfg.Width, cfg.Height)
	}
	if cfg.Width > MaxPixels/cfg.Height {
		return cfg, format, fmt.Errorf("imageio: %s: %s image of %d×%d pixels exceeds the limit of %d pixels",
			name, format, cfg.Width, cfg.Height, MaxPixels)
	}
	return cfg, format, nil
}

func decodeError(name, format string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = fmt.Errorf("truncated or corrupt: %w", err)
	}
	if format == "" {
		return fmt.Errorf("imageio: %s: not a PNG, JPEG or GIF image: %w", name, err)
	}
	return fmt.Errorf("imageio: %s: decoding %s: %w", name, format, err)
}

// cropRect returns the largest rectangle centred in b with aspect ratio
// cols/rows.
func cropRect(b image.Rectangle, rows, cols int) image.Rectangle {
	r0, c0, ch, cw := cropBox(b.Dy(), b.Dx(), rows, cols)
	x0, y0 := b.Min.X+c0, b.Min.Y+r0
	return image.Rect(x0, y0, x0+cw, y0+ch)
}

// planes converts img into one grayscale plane or three colour planes,
// centre-cropped and resampled to rows×cols by method when rows > 0. The
// planes are taken at the crop's own size in float64 and resampled
// there, so no intermediate rounding or clipping touches the result.
func planes(img image.Image, rows, cols int, method ResizeMethod, color bool) []*mat.Dense {
	r := img.Bounds()
	if rows > 0 {
		r = cropRect(r, rows, cols)
	}
	var p []*mat.Dense
	if color {
		p = rgbPlanes(img, r)
	} else {
		p = []*mat.Dense{grayPlane(img, r)}
	}
	if rows > 0 {
		for i := range p {
			p[i] = resample(p[i], rows, cols, method)
		}
	}
	return p
}

// grayPlane returns the BT.601 luma of img over r, in [0, 1].
func grayPlane(img image.Image, r image.Rectangle) *mat.Dense {
	w, h := r.Dx(), r.Dy()
	m := mat.NewDense(h, w, nil)
	raw := m.RawMatrix()
	switch src := img.(type) {
	case *image.Gray:
		for y := range h {
			row := raw.Data[y*raw.Stride : y*raw.Stride+w]
			off := src.PixOffset(r.Min.X, r.Min.Y+y)
			for x, v := range src.Pix[off : off+w] {
				// v/255 is bit-identical to (257 v)/65535: both are the
				// correctly rounded value of the same real number.
				row[x] = float64(v) / 255
			}
		}
	case *image.Gray16:
		for y := range h {
			row := raw.Data[y*raw.Stride : y*raw.Stride+w]
			off := src.PixOffset(r.Min.X, r.Min.Y+y)
			pix := src.Pix[off : off+2*w]
			for x := range row {
				row[x] = float64(uint32(pix[2*x])<<8|uint32(pix[2*x+1])) / 65535
			}
		}
	default:
		at := rgba64At(img)
		for y := range h {
			row := raw.Data[y*raw.Stride : y*raw.Stride+w]
			for x := range row {
				cr, cg, cb := at(r.Min.X+x, r.Min.Y+y)
				row[x] = luma(cr, cg, cb)
			}
		}
	}
	return m
}

// luma returns the BT.601 luma of 16-bit samples, scaled to [0, 1]; grey
// samples convert exactly.
func luma(r, g, b uint32) float64 {
	if r == g && g == b {
		return float64(r) / 65535
	}
	y := (lumaR*float64(r) + lumaG*float64(g) + lumaB*float64(b)) / 65535
	return min(max(y, 0), 1)
}

// rgbPlanes returns the R, G and B planes of img over r, in [0, 1].
func rgbPlanes(img image.Image, r image.Rectangle) []*mat.Dense {
	w, h := r.Dx(), r.Dy()
	p := []*mat.Dense{mat.NewDense(h, w, nil), mat.NewDense(h, w, nil), mat.NewDense(h, w, nil)}
	rr, rg, rb := p[0].RawMatrix(), p[1].RawMatrix(), p[2].RawMatrix()
	at := rgba64At(img)
	for y := range h {
		for x := range w {
			cr, cg, cb := at(r.Min.X+x, r.Min.Y+y)
			rr.Data[y*rr.Stride+x] = float64(cr) / 65535
			rg.Data[y*rg.Stride+x] = float64(cg) / 65535
			rb.Data[y*rb.Stride+x] = float64(cb) / 65535
		}
	}
	return p
}

// rgba64At returns a function giving the alpha-premultiplied 16-bit colour
// of img at (x, y), with the semantics of img.At(x, y).RGBA() but without
// boxing a color.Color per pixel for the common image types.
func rgba64At(img image.Image) func(x, y int) (r, g, b uint32) {
	switch src := img.(type) {
	case *image.Gray:
		return func(x, y int) (r, g, b uint32) {
			v := uint32(src.Pix[src.PixOffset(x, y)]) * 0x101
			return v, v, v
		}
	case *image.RGBA:
		return func(x, y int) (r, g, b uint32) {
			r, g, b, _ = src.RGBAAt(x, y).RGBA()
			return r, g, b
		}
	case *image.NRGBA:
		return func(x, y int) (r, g, b uint32) {
			r, g, b, _ = src.NRGBAAt(x, y).RGBA()
			return r, g, b
		}
	case *image.RGBA64:
		return func(x, y int) (r, g, b uint32) {
			c := src.RGBA64At(x, y)
			return uint32(c.R), uint32(c.G), uint32(c.B)
		}
	case *image.NRGBA64:
		return func(x, y int) (r, g, b uint32) {
			r, g, b, _ = src.NRGBA64At(x, y).RGBA()
			return r, g, b
		}
	case *image.YCbCr:
		return func(x, y int) (r, g, b uint32) {
			r, g, b, _ = src.YCbCrAt(x, y).RGBA()
			return r, g, b
		}
	case *image.Paletted:
		pal := make([][3]uint32, len(src.Palette))
		for i, c := range src.Palette {
			r, g, b, _ := c.RGBA()
			pal[i] = [3]uint32{r, g, b}
		}
		return func(x, y int) (r, g, b uint32) {
			i := int(src.Pix[src.PixOffset(x, y)])
			if i >= len(pal) {
				// Out-of-palette index (the GIF decoder rejects
				// these): black.
				return 0, 0, 0
			}
			c := pal[i]
			return c[0], c[1], c[2]
		}
	default:
		return func(x, y int) (r, g, b uint32) {
			r, g, b, _ = img.At(x, y).RGBA()
			return r, g, b
		}
	}
}
