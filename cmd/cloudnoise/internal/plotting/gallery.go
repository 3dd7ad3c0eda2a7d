package plotting

import (
	"errors"
	"fmt"
	"image"
	"io"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

// Panel is one field of a gallery.
type Panel struct {
	Title string
	Field *mat.Dense
	// Lo and Hi are the values shown black and white; Lo == Hi means the
	// field's own minimum and maximum.
	Lo, Hi float64
}

// Gray returns m as an 8-bit grayscale image, mapping [lo, hi] linearly to
// [0, 255] and clipping; lo == hi means the minimum and maximum of m (a
// constant field is mid-grey). Non-finite values are drawn black.
func Gray(m *mat.Dense, lo, hi float64) *image.Gray {
	rows, cols := m.Dims()
	raw := m.RawMatrix()
	if lo == hi {
		lo, hi = math.Inf(1), math.Inf(-1)
		for i := range rows {
			for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+cols] {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					lo, hi = min(lo, v), max(hi, v)
				}
			}
		}
	}
	img := image.NewGray(image.Rect(0, 0, cols, rows))
	for i := range rows {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+cols] {
			var q float64
			switch {
			case math.IsNaN(v) || math.IsInf(v, 0):
				q = 0
			case !(hi > lo):
				q = 128
			default:
				q = math.Round(255 * (v - lo) / (hi - lo))
			}
			img.Pix[i*img.Stride+j] = uint8(min(max(q, 0), 255))
		}
	}
	return img
}

// Gallery draws the panels side by side in a grid of cols columns, each
// cell size×size points with its title above, and writes the PNG
// atomically to path.
func Gallery(path string, panels []Panel, cols int, size vg.Length) error {
	if len(panels) == 0 {
		return errors.New("gallery: no panels")
	}
	if cols < 1 {
		cols = len(panels)
	}
	rows := (len(panels) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for k, pn := range panels {
		if pn.Field == nil || pn.Field.IsEmpty() {
			return fmt.Errorf("gallery: panel %q has no field", pn.Title)
		}
		fr, fc := pn.Field.Dims()
		p := plot.New()
		p.Title.Text = pn.Title
		p.HideAxes()
		p.X.Padding, p.Y.Padding = 0, 0
		p.Add(plotter.NewImage(Gray(pn.Field, pn.Lo, pn.Hi), 0, 0, float64(fc), float64(fr)))
		plots[k/cols][k%cols] = p
	}
	const pad = 6
	w := vg.Length(cols) * (size + pad)
	h := vg.Length(rows) * (size + 3*pad)
	img := vgimg.New(w, h)
	dc := draw.New(img)
	// White background: vgimg starts transparent.
	dc.SetColor(image.White)
	dc.Fill(dc.Rectangle.Path())
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: pad, PadY: pad, PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c, p := range plots[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	return atomicfile.Write("", path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
}
