package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/imageio"
)

const sampleExamples = `  cloudnoise sample -n 96 -o cloud.png                 # one 96×96 field, Δ = 1.5
  cloudnoise sample -n 64 -count 16 -o grid.png         # a 4×4 grid of fields
  cloudnoise sample -n 64 -count 16 -split -o out/f.png # out/f-000.png … out/f-015.png
  cloudnoise sample -rows 64 -cols 128 -delta 2 -bits 16 -o red16.png
  cloudnoise sample -n 96 -count 1000 -o fields.npy     # float64 (1000, 96, 96) for numpy.load
  cloudnoise sample -n 32 -noise white -o white.png     # independent standard normal pixels
  cloudnoise sample -n 32 -noise matched -data photos/ -count 16 -o matched.png
`

// sampleProgressPixels is the number of pixels from which sample reports
// its progress: 2²² (455 fields of 96×96, several seconds).
const sampleProgressPixels = 1 << 22

// sampleFields draws count fields of pixels pixels from s. A large run is
// drawn in chunks of an even number of fields, with progress lines on
// stderr; the fields are those of one SampleBatch call (fields come in
// pairs from one complex transform, so even chunks keep the stream).
func sampleFields(s *noise.Sampler, count, pixels int, stderr io.Writer) []*mat.Dense {
	fields := make([]*mat.Dense, count)
	if count*pixels < sampleProgressPixels {
		return s.SampleBatch(fields)
	}
	chunk := max(2*(count/40), 2) // about 20 lines
	report := progressLines(stderr, "sample", "fields", count)
	for lo := 0; lo < count; lo += chunk {
		hi := min(lo+chunk, count)
		s.SampleBatch(fields[lo:hi])
		report(hi)
	}
	return fields
}

// runSample draws noise fields and writes them as PNG or .npy.
func runSample(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sample", "[flags]", sampleExamples)
	n := fs.Int("n", 96, "square size: rows = cols = `N` (unless -rows and -cols are given)")
	rows := fs.Int("rows", 0, "height in pixels (with -cols)")
	cols := fs.Int("cols", 0, "width in pixels (with -rows)")
	kind := fs.String("noise", "cloud", "noise: cloud (the power law of -delta), white (independent pixels) or matched\n(the measured spectrum of the images of -data)")
	delta := fs.Float64("delta", noise.CloudDelta, "scaling parameter Δ ≥ 0 of cloud noise: 1 pink, 1.5 cloud, 2 red (0: flat without k = 0)")
	data := fs.String("data", "", "matched noise: images (folder, files or .npy stacks, comma-separated) whose spectrum the noise takes,\nresized to N×N with -n, or of size rows×cols as they are")
	rf := addResizeFlags(fs)
	smooth := fs.Int("smooth", 0, "matched noise: smooth the measured spectrum radially into `B` log bins (0: as measured)")
	pad := fs.Float64("pad", 0, "padding factor ≥ 1 of the construction; 0 means 3 (the paper's) for cloud and 1 for matched; 1 gives periodic noise")
	kmin := fs.Float64("kmin", 0, "infrared cutoff in cycles per pixel: modes with |k| < kmin are removed")
	count := fs.Int("count", 1, "number of fields")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same fields on every platform")
	out := fs.String("o", "cloud.png", "output `file`: .png (one field, or a grid of -count fields), or .npy (float64 stack of shape (count, rows, cols), also for -count 1)")
	split := fs.Bool("split", false, "with .png and -count > 1, write one file per field (NAME-000.png, …) instead of a grid")
	bits := fs.Int("bits", 8, "PNG bit depth, 8 or 16")
	clip := fs.Float64("range", 3, "PNG grey scale: values from -range to +range (in units of the pixel standard deviation) map black to white")
	gridCols := fs.Int("grid", 0, "columns of the grid (0: about √count)")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	if fs.NArg() > 0 {
		return fs.misuse(stderr, "unexpected argument %q", fs.Arg(0))
	}
	r, c := *n, *n
	if *rows != 0 || *cols != 0 {
		if *rows <= 0 || *cols <= 0 {
			return fs.misuse(stderr, "-rows %d and -cols %d must both be positive", *rows, *cols)
		}
		r, c = *rows, *cols
	}
	switch {
	case r <= 0 || c <= 0:
		return fs.misuse(stderr, "-n %d must be positive", *n)
	case *count < 1:
		return fs.misuse(stderr, "-count %d must be at least 1", *count)
	case *bits != 8 && *bits != 16:
		return fs.misuse(stderr, "-bits %d must be 8 or 16", *bits)
	case !(*clip > 0) || math.IsInf(*clip, 0):
		return fs.misuse(stderr, "-range %v must be positive and finite", *clip)
	case *gridCols < 0:
		return fs.misuse(stderr, "-grid %d must not be negative", *gridCols)
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".png" && ext != ".npy" {
		return fs.misuse(stderr, "-o %s: the output must end in .png or .npy", *out)
	}
	if r > maxSamplePixels/c || *count > maxSamplePixels/(r*c) {
		return fs.misuse(stderr, "-count %d of %d×%d fields exceed %d pixels in all", *count, r, c, maxSamplePixels)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	spec := noise.Spec{Rows: r, Cols: c, Delta: *delta, Pad: *pad, KMin: *kmin}
	nk := strings.ToLower(*kind)
	switch nk {
	case "cloud":
	case "white":
		spec.Delta, spec.Density = 0, noise.WhiteDensity()
	case "matched":
		if *data == "" {
			return fs.misuse(stderr, "-noise matched needs -data: the images whose spectrum the noise takes")
		}
		spec.Delta = 0
		if spec.Pad == 0 {
			spec.Pad = 1
		}
	default:
		return fs.misuse(stderr, "-noise %q: want cloud, white or matched", *kind)
	}
	switch {
	case set["delta"] && nk != "cloud":
		return fs.misuse(stderr, "-delta is the Δ of cloud noise; -noise %s has none", nk)
	case *data != "" && nk != "matched":
		return fs.misuse(stderr, "-data applies to -noise matched only")
	case set["smooth"] && nk != "matched":
		return fs.misuse(stderr, "-smooth applies to -noise matched only")
	case *smooth < 0:
		return fs.misuse(stderr, "-smooth %d must not be negative", *smooth)
	}
	if err := checkOutput(*out); err != nil {
		return err
	}
	if *data != "" {
		size := 0
		if *rows == 0 && *cols == 0 {
			size = r
		}
		imgs, _, err := loadImages(strings.Split(*data, ","), size, rf, nil, stderr)
		if err != nil {
			return err
		}
		if ir, ic := imgs[0].Dims(); ir != r || ic != c {
			return fmt.Errorf("-data: the images are %d×%d, the fields %d×%d (give -n to resize them)", ir, ic, r, c)
		}
		sp := noise.NewSpectrum(r, c)
		if err := sp.AddBatch(imgs); err != nil {
			return err
		}
		power, err := sp.Power()
		if err != nil {
			return fmt.Errorf("-data: %w", err)
		}
		if spec.Density, err = noise.MeasuredDensity(power, sp.Count(), &noise.MeasuredOptions{Bins: *smooth}); err != nil {
			return fmt.Errorf("-data: %w (the flag -smooth B smooths the spectrum)", err)
		}
	}
	s, err := noise.NewSampler(spec, source(*seed))
	if err != nil {
		return fs.misuse(stderr, "%v", err)
	}
	fields := sampleFields(s, *count, r*c, stderr)

	var written []string
	switch {
	case ext == ".npy":
		if err := imageio.SaveNPY(*out, fields); err != nil {
			return err
		}
		written = append(written, *out)
	case *count == 1 || !*split:
		img := fields[0]
		if *count > 1 {
			img = grid(fields, *gridCols, *clip)
		}
		if err := imageio.SavePNG(*out, img, -*clip, *clip, *bits); err != nil {
			return err
		}
		written = append(written, *out)
	default:
		base := strings.TrimSuffix(*out, filepath.Ext(*out))
		width := len(fmt.Sprint(*count - 1))
		width = max(width, 3)
		for i, f := range fields {
			name := fmt.Sprintf("%s-%0*d.png", base, width, i)
			if err := imageio.SavePNG(name, f, -*clip, *clip, *bits); err != nil {
				return err
			}
			written = append(written, name)
		}
	}
	sp := s.Spec()
	what := fmt.Sprintf("Δ = %g, pad %g", sp.Delta, sp.Pad)
	switch d := sp.Density; {
	case d == nil:
	case d.Equal(noise.WhiteDensity()):
		what = "white"
	default:
		what = fmt.Sprintf("matched to the spectrum of %d images (relative standard error %.2g), pad %g", d.Images(), d.RelStdErr(), sp.Pad)
	}
	fmt.Fprintf(stdout, "%d field(s) of %d×%d, %s, kmin %g, seed %d: unit pixel variance, %.0f%% of it in waves longer than the field\n",
		*count, r, c, what, sp.KMin, *seed, 100*s.LongWaveShare())
	if len(written) == 1 {
		fmt.Fprintf(stdout, "wrote %s\n", written[0])
	} else {
		fmt.Fprintf(stdout, "wrote %s … %s (%d files)\n", written[0], written[len(written)-1], len(written))
	}
	return nil
}

// maxSamplePixels bounds the pixels sample draws in one run (2 GiB of
// float64).
const maxSamplePixels = 1 << 28

// grid tiles the fields in a grid of cols columns (0: about √n) with a
// 2-pixel white border between cells (value +clip, drawn white).
func grid(fields []*mat.Dense, cols int, clip float64) *mat.Dense {
	n := len(fields)
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = min(cols, n)
	rowsN := (n + cols - 1) / cols
	const gap = 2
	r, c := fields[0].Dims()
	g := mat.NewDense(rowsN*(r+gap)-gap, cols*(c+gap)-gap, nil)
	gr, gc := g.Dims()
	for i := range gr {
		for j := range gc {
			g.Set(i, j, clip)
		}
	}
	for k, f := range fields {
		y, x := (k/cols)*(r+gap), (k%cols)*(c+gap)
		g.Slice(y, y+r, x, x+c).(*mat.Dense).Copy(f)
	}
	return g
}
