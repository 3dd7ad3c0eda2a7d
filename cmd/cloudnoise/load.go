package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/imageio"
)

// loadImages reads the image set named by paths (folders, image files,
// .npy stacks), resized and centre-cropped to size×size when size > 0.
// Errors name the file or folder at fault.
func loadImages(paths []string, size int) ([]*mat.Dense, error) {
	var opts *imageio.Options
	if size > 0 {
		opts = &imageio.Options{Size: size}
	}
	imgs, _, err := imageio.LoadPaths(paths, opts)
	if err != nil {
		return nil, err
	}
	return imgs, nil
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
