package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/imageio"
)

// resizeFlags are the -resize and -upscale flags of the commands that
// load images at a -size.
type resizeFlags struct {
	method  imageio.ResizeMethod
	upscale bool
}

// addResizeFlags adds -resize and -upscale to fs.
func addResizeFlags(fs *cmdFlags) *resizeFlags {
	r := &resizeFlags{}
	fs.TextVar(&r.method, "resize", imageio.ResizeFourier, "how -size resamples: `fourier` keeps the spectrum below the new Nyquist frequency (the default);\nbicubic steepens it and box aliases it (see imageio.ResizeMethod)")
	fs.BoolVar(&r.upscale, "upscale", false, "allow a -size larger than an image's centre crop (refused by default: enlarging adds no\nspectral content)")
	return r
}

// options returns the loader options for size×size images (nil when
// size is 0: images keep their size); r may be nil (the defaults).
func (r *resizeFlags) options(size int) *imageio.Options {
	if size <= 0 {
		return nil
	}
	opts := &imageio.Options{Size: size}
	if r != nil {
		opts.Resize, opts.Upscale = r.method, r.upscale
	}
	return opts
}

// loadError adds the flag that allows upscaling to an error of the
// loader refusing it.
func loadError(err error) error {
	if errors.Is(err, imageio.ErrUpscale) {
		return fmt.Errorf("%w (give -upscale to allow it)", err)
	}
	return err
}

// loadFlags are the flags of the commands that read image sets: -r and
// -skip-bad. A nil *loadFlags means neither.
type loadFlags struct {
	recursive, skipBad *bool
}

func addLoadFlags(fs *cmdFlags) *loadFlags {
	return &loadFlags{
		recursive: fs.Bool("r", false, "search folders recursively (their subfolders at any depth)"),
		skipBad:   fs.Bool("skip-bad", false, "skip files that cannot be read or decoded, listing them on stderr (and in -json as \"skipped\"), instead of failing"),
	}
}

func (l *loadFlags) options() *imageio.LoadOptions {
	if l == nil {
		return nil
	}
	return &imageio.LoadOptions{Recursive: *l.recursive, SkipBad: *l.skipBad}
}

// skippedJSON is a file left out by -skip-bad, in JSON outputs.
type skippedJSON struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// loadImages reads the image set named by paths (folders, image files,
// .npy stacks), centre-cropped and resized to size×size as rf says when
// size > 0 (rf nil: the defaults), with the choices of lf (nil: none).
// Files read twice are loaded once. The files skipped under -skip-bad and
// the duplicates are reported on stderr, and the skipped ones returned.
// Errors name the file or folder at fault.
func loadImages(paths []string, size int, rf *resizeFlags, lf *loadFlags, stderr io.Writer) ([]*mat.Dense, []skippedJSON, error) {
	return loadSet(paths, rf.options(size), lf, stderr)
}

// loadSet is loadImages with any imageio options.
func loadSet(paths []string, opts *imageio.Options, lf *loadFlags, stderr io.Writer) ([]*mat.Dense, []skippedJSON, error) {
	imgs, _, skipped, err := loadNamed(paths, opts, lf, stderr)
	return imgs, skipped, err
}

// loadNamed is loadSet that also returns the name of each image (see
// imageio.LoadPaths).
func loadNamed(paths []string, opts *imageio.Options, lf *loadFlags, stderr io.Writer) ([]*mat.Dense, []string, []skippedJSON, error) {
	r, err := imageio.LoadPathsOptions(paths, opts, lf.options())
	if err != nil {
		return nil, nil, nil, loadError(err)
	}
	if r.Duplicates > 0 {
		fmt.Fprintf(stderr, "cloudnoise: %d file(s) reached more than once were loaded once\n", r.Duplicates)
	}
	var skipped []skippedJSON
	if len(r.Skipped) > 0 {
		fmt.Fprintf(stderr, "cloudnoise: skipped %d file(s) that could not be read (-skip-bad):\n", len(r.Skipped))
		for _, s := range r.Skipped {
			msg := strings.TrimPrefix(errorLine(s.Err), "cloudnoise: ")
			fmt.Fprintf(stderr, "  %s\n", msg)
			skipped = append(skipped, skippedJSON{Path: s.Path, Error: msg})
		}
	}
	return r.Images, r.Names, skipped, nil
}

// source returns the random source of a -seed flag: the same seed gives
// the same output on every platform.
func source(seed uint64) rand.Source {
	return rand.NewPCG(seed, 0x636c6f75646e6f69) // "cloudnoi"
}

// parseInts parses a comma-separated list of integers (flag -t of snr).
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

// ensureDir creates the output directory dir (and its parents) and checks
// that files can be created in it, so that an unwritable output fails
// before any long computation.
func ensureDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder %s: %w", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".cloudnoise-check")
	if err != nil {
		return fmt.Errorf("output folder %s is not writable: %w", dir, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// checkOutput checks, before any work, that the file path can be written:
// it is not an existing folder (or anything else that is not a regular
// file), and its folder exists (or can be made) and is writable.
func checkOutput(path string) error {
	if path == "" {
		return errors.New("empty output path: name a file")
	}
	if fi, err := os.Stat(path); err == nil {
		switch {
		case fi.IsDir():
			return fmt.Errorf("output %s is a folder: name a file", path)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("output %s exists and is not a regular file", path)
		}
	}
	return ensureDir(filepath.Dir(path))
}

// unwrapPath returns the bare cause of a *PathError, whose message would
// repeat the path.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
