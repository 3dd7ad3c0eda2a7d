package imageio

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/internal/parallel"
)

// IsImageFile reports whether name has an image extension the loaders
// read from folders: .png, .jpg, .jpeg or .gif, in any letter case.
func IsImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif":
		return true
	}
	return false
}

// IsNPYFile reports whether name has the NumPy array extension .npy, in
// any letter case.
func IsNPYFile(name string) bool {
	return strings.EqualFold(filepath.Ext(name), ".npy")
}

// LoadDir loads every image file directly inside dir (not in
// subdirectories), in sorted file-name order, and returns the images with
// their file names (base names, not paths). Files are chosen by extension
// (IsImageFile); other files and subdirectories are skipped.
//
// Without a target size in opts, all images must have the same size; a
// folder of mixed sizes is an error listing each size found with its file
// count and an example file. With a target size, every image is
// centre-cropped and resized to it. With opts.Color, each image
// contributes its R, G and B planes: the result then holds 3·len(names)
// matrices, image i at indices 3i, 3i+1, 3i+2.
//
// A missing or unreadable dir, a folder without images, and any corrupt
// or unreadable image file are errors naming the folder or file. Images
// are decoded concurrently on all cores (runtime.GOMAXPROCS); the result
// does not depend on their number.
func LoadDir(dir string, opts *Options) ([]*mat.Dense, []string, error) {
	if _, _, err := opts.target(); err != nil {
		return nil, nil, fmt.Errorf("%w (loading %s)", err, dir)
	}
	paths, err := listImages(dir, false)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	imgs, err := decodeFiles(paths, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSizes(imgs, names, opts, dir); err != nil {
		return nil, nil, err
	}
	return imgs, names, nil
}

// listImages returns the paths of the image files in dir, sorted; with
// recursive, also those of its subfolders at any depth (symbolic links to
// folders are not followed).
func listImages(dir string, recursive bool) ([]string, error) {
	var paths []string
	add := func(p string, d fs.DirEntry) error {
		if !IsImageFile(d.Name()) {
			return nil
		}
		if !d.Type().IsRegular() {
			// Follow symbolic links; skip directories and devices.
			fi, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("imageio: %w", err)
			}
			if !fi.Mode().IsRegular() {
				return nil
			}
		}
		paths = append(paths, p)
		return nil
	}
	if recursive {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("imageio: %w", err)
			}
			if d.IsDir() {
				return nil
			}
			return add(p, d)
		})
		if err != nil {
			return nil, err
		}
	} else {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("imageio: %w", err)
		}
		for _, e := range entries {
			if err := add(filepath.Join(dir, e.Name()), e); err != nil {
				return nil, err
			}
		}
	}
	if len(paths) == 0 {
		where := "folder"
		if recursive {
			where = "folder or its subfolders"
		}
		return nil, fmt.Errorf("imageio: %s: no PNG, JPEG or GIF images in %s", dir, where)
	}
	sort.Strings(paths)
	return paths, nil
}

// LoadPaths loads images from a list of paths, in order, and returns them
// with a name for each image. A path may be
//
//   - a folder: its image files, as in LoadDir, named by their paths;
//   - a .npy file: a NumPy array read by ReadNPY (shape (H,W), (N,H,W) or
//     (N,1,H,W)), its images named path[i] (or path for a single (H,W)
//     array);
//   - any other file: decoded as a PNG, JPEG or GIF image whatever its
//     extension, named by its path.
//
// A file reached twice (a folder given twice, or a file given both alone
// and inside a given folder) is loaded once, where it first appears; files
// are compared by their absolute, cleaned paths.
//
// opts applies to every image as in LoadDir, with the same rule on mixed
// sizes across all paths. Arrays from .npy files keep their values (see
// ReadNPY) and are never resampled: with a target size, an array of
// another size is an error. .npy arrays are grayscale, so opts.Color with
// a .npy path is an error. With opts.Color the result holds three planes
// per name, as in LoadDir. LoadPaths is LoadPathsOptions without
// recursion or skipping.
func LoadPaths(paths []string, opts *Options) ([]*mat.Dense, []string, error) {
	r, err := LoadPathsOptions(paths, opts, nil)
	if err != nil {
		return nil, nil, err
	}
	return r.Images, r.Names, nil
}

// LoadOptions chooses which files LoadPathsOptions reads and what it does
// with those it cannot read. The zero value is LoadPaths.
type LoadOptions struct {
	// Recursive makes a folder contribute the image files of its
	// subfolders too, at any depth, in sorted path order.
	Recursive bool
	// SkipBad leaves out the files that cannot be read or decoded (image
	// files and .npy files), listing them in LoadResult.Skipped, instead of
	// failing on the first. Paths that do not exist, sizes that disagree
	// and .npy arrays of the wrong size remain errors.
	SkipBad bool
}

// Skipped is a file left out by LoadPathsOptions under SkipBad, with the
// reason.
type Skipped struct {
	Path string
	Err  error
}

// LoadResult is what LoadPathsOptions loaded.
type LoadResult struct {
	// Images and Names are as returned by LoadPaths.
	Images []*mat.Dense
	Names  []string
	// Skipped lists the files left out under SkipBad, in path order.
	Skipped []Skipped
	// Duplicates counts the files reached more than once and loaded once.
	Duplicates int
}

// LoadPathsOptions is LoadPaths with the choices of lo (nil: none): folders
// searched recursively, and unreadable files skipped and reported. It
// returns an error as LoadPaths does, and also when every file was skipped.
func LoadPathsOptions(paths []string, opts *Options, lo *LoadOptions) (*LoadResult, error) {
	if lo == nil {
		lo = &LoadOptions{}
	}
	rows, cols, err := opts.target()
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, errors.New("imageio: no input paths")
	}
	type group struct {
		files []string // image files to decode, or nil for a .npy file
		npy   string
	}
	res := &LoadResult{}
	seen := map[string]bool{}
	// fresh drops the files already reached, counting them.
	fresh := func(files []string) []string {
		out := files[:0:0]
		for _, f := range files {
			key := f
			if abs, err := filepath.Abs(f); err == nil {
				key = abs
			}
			if seen[key] {
				res.Duplicates++
				continue
			}
			seen[key] = true
			out = append(out, f)
		}
		return out
	}
	groups := make([]group, 0, len(paths))
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("imageio: %w", err)
		}
		switch {
		case fi.IsDir():
			files, err := listImages(p, lo.Recursive)
			if err != nil {
				return nil, err
			}
			if files = fresh(files); len(files) > 0 {
				groups = append(groups, group{files: files})
			}
		case IsNPYFile(p):
			if opts.color() {
				return nil, fmt.Errorf("imageio: %s: .npy arrays are grayscale; colour was requested", p)
			}
			if len(fresh([]string{p})) > 0 {
				groups = append(groups, group{npy: p})
			}
		default:
			if files := fresh([]string{p}); len(files) > 0 {
				groups = append(groups, group{files: files})
			}
		}
	}

	for _, g := range groups {
		if err := checkHeaders(g.files, opts, lo.SkipBad); err != nil {
			return nil, err
		}
	}
	for _, g := range groups {
		if g.npy == "" {
			// Decode with the target only; the size check is done below
			// over all paths together.
			got, errs := decodeEach(g.files, opts)
			for i, f := range g.files {
				if errs[i] != nil {
					if !lo.SkipBad {
						return nil, errs[i]
					}
					res.Skipped = append(res.Skipped, Skipped{Path: f, Err: errs[i]})
					continue
				}
				res.Images = append(res.Images, got[i]...)
				res.Names = append(res.Names, f)
			}
			continue
		}
		got, shape, err := loadNPY(g.npy)
		if err != nil {
			if !lo.SkipBad {
				return nil, err
			}
			res.Skipped = append(res.Skipped, Skipped{Path: g.npy, Err: err})
			continue
		}
		r, c := got[0].Dims()
		if rows > 0 && (r != rows || c != cols) {
			return nil, fmt.Errorf("imageio: %s: arrays are %d×%d but the target size is %d×%d; .npy arrays are not resized",
				g.npy, r, c, rows, cols)
		}
		res.Images = append(res.Images, got...)
		if len(shape) == 2 {
			res.Names = append(res.Names, g.npy)
		} else {
			for i := range got {
				res.Names = append(res.Names, fmt.Sprintf("%s[%d]", g.npy, i))
			}
		}
	}
	if len(res.Images) == 0 && len(res.Skipped) > 0 {
		return nil, fmt.Errorf("imageio: no image could be read: all %d files were skipped (the first: %s: %v)", len(res.Skipped), res.Skipped[0].Path, res.Skipped[0].Err)
	}
	if err := checkSizes(res.Images, res.Names, opts, ""); err != nil {
		return nil, err
	}
	return res, nil
}

// checkSizes checks that the images share one size, reporting them by
// names (where is the folder, or "" for a list of paths).
func checkSizes(imgs []*mat.Dense, names []string, opts *Options, where string) error {
	per := 1
	if opts.color() {
		per = 3
	}
	var sizes sizeCensus
	for i, name := range names {
		r, c := imgs[per*i].Dims()
		sizes.add(r, c, name)
	}
	return sizes.check(where)
}

// decodeFiles decodes the image files at paths concurrently (decodeEach)
// and returns their images in order, or the error of the first failing
// file in path order; with opts.Color each file gives three planes.
//
// Without opts.Upscale, every file's header is checked against the target
// size first, so that an image too small for it is reported before any
// image is decoded.
func decodeFiles(paths []string, opts *Options) ([]*mat.Dense, error) {
	if err := checkHeaders(paths, opts, false); err != nil {
		return nil, err
	}
	out, errs := decodeEach(paths, opts)
	var imgs []*mat.Dense
	for i := range paths {
		if errs[i] != nil {
			return nil, errs[i]
		}
		imgs = append(imgs, out[i]...)
	}
	return imgs, nil
}

// checkHeaders checks, without opts.Upscale, every file's header against
// the target size, so that an image too small for it is reported before
// any image is decoded. A header that cannot be read is an error, or with
// skipBad left for decoding to report.
func checkHeaders(paths []string, opts *Options, skipBad bool) error {
	rows, cols, err := opts.target()
	if err != nil || rows == 0 || opts.Upscale {
		return err
	}
	for _, p := range paths {
		w, h, _, err := DecodeConfig(p)
		if err != nil {
			if skipBad {
				continue
			}
			return err
		}
		if err := checkUpscale(p, image.Config{Width: w, Height: h}, rows, cols, opts); err != nil {
			return err
		}
	}
	return nil
}

// decodeEach decodes the image files at paths concurrently on the shared
// worker pool (internal/parallel), one file per chunk so that large and
// small files balance across the cores, and returns each file's planes (one,
// or three with opts.Color) and error.
func decodeEach(paths []string, opts *Options) ([][]*mat.Dense, []error) {
	color := opts.color()
	out := make([][]*mat.Dense, len(paths))
	errs := make([]error, len(paths))
	var g parallel.Group
	g.For(len(paths), len(paths), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i], errs[i] = loadFile(paths[i], opts, color)
		}
	})
	return out, errs
}

// sizeCensus counts images per size, keeping an example file of each.
type sizeCensus struct {
	sizes []sizeCount
}

type sizeCount struct {
	rows, cols, n int
	example       string
}

func (s *sizeCensus) add(rows, cols int, name string) {
	for i := range s.sizes {
		if c := &s.sizes[i]; c.rows == rows && c.cols == cols {
			c.n++
			return
		}
	}
	s.sizes = append(s.sizes, sizeCount{rows: rows, cols: cols, n: 1, example: name})
}

// check returns an error listing the sizes found when there is more than
// one, most frequent first; where, if not empty, names the folder.
func (s *sizeCensus) check(where string) error {
	if len(s.sizes) <= 1 {
		return nil
	}
	sorted := append([]sizeCount(nil), s.sizes...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].n > sorted[j].n })
	var b strings.Builder
	for i, c := range sorted {
		if i > 0 {
			b.WriteString("; ")
		}
		files := "files"
		if c.n == 1 {
			files = "file"
		}
		fmt.Fprintf(&b, "%d×%d (rows×cols): %d %s, e.g. %s", c.rows, c.cols, c.n, files, c.example)
	}
	if where != "" {
		where += ": "
	}
	return fmt.Errorf("imageio: %simages of mixed sizes: %s; give a target size to centre-crop and resize them", where, b.String())
}
