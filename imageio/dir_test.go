package imageio

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// photosDir is the shared test set, relative to this package directory
// (the repository root's ../shared/data).
const photosDir = "../../shared/data/photos96"

func TestLoadDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Written out of order; non-image files and a subdirectory with an
	// image extension must be skipped.
	writeTestFile(t, dir, "b.png", pngBytes(t, grayImage(4, 3, 20)))
	writeTestFile(t, dir, "a.PNG", pngBytes(t, grayImage(4, 3, 10)))
	writeTestFile(t, dir, "c.png", pngBytes(t, grayImage(4, 3, 30)))
	writeTestFile(t, dir, "notes.txt", []byte("not an image"))
	writeTestFile(t, dir, "data.npy", []byte("ignored by LoadDir"))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.png"), 0o755))
	writeTestFile(t, filepath.Join(dir, "sub.png"), "d.png", pngBytes(t, grayImage(9, 9, 40)))

	imgs, names, err := LoadDir(dir, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"a.PNG", "b.png", "c.png"}, names)
	require.Len(t, imgs, 3)
	for i, v := range []float64{10, 20, 30} {
		r, c := imgs[i].Dims()
		assert.Equal(t, [2]int{3, 4}, [2]int{r, c})
		assert.Equal(t, v/255, imgs[i].At(2, 3), "image %d", i)
	}

	// Colour: three planes per image, R, G, B.
	cdir := t.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := range 4 {
		img.SetNRGBA(i%2, i/2, color.NRGBA{R: 10, G: 20, B: 30, A: 255})
	}
	writeTestFile(t, cdir, "x.png", pngBytes(t, img))
	writeTestFile(t, cdir, "y.png", pngBytes(t, grayImage(2, 2, 50)))
	imgs, names, err = LoadDir(cdir, &Options{Color: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"x.png", "y.png"}, names)
	require.Len(t, imgs, 6)
	for i, v := range []float64{10, 20, 30, 50, 50, 50} {
		assert.Equal(t, v/255, imgs[i].At(1, 1), "plane %d", i)
	}
}

func TestLoadDirErrors(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	_, _, err := LoadDir(empty, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no PNG, JPEG or GIF images")
	assert.Contains(t, err.Error(), empty)

	onlyText := t.TempDir()
	writeTestFile(t, onlyText, "readme.txt", []byte("hello"))
	_, _, err = LoadDir(onlyText, nil)
	assert.ErrorContains(t, err, "no PNG, JPEG or GIF images")

	missing := filepath.Join(t.TempDir(), "nope")
	_, _, err = LoadDir(missing, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), missing)
	assert.True(t, strings.HasPrefix(err.Error(), "imageio: "), "%v", err)

	// A corrupt file among good ones is named.
	bad := t.TempDir()
	writeTestFile(t, bad, "a.png", pngBytes(t, grayImage(4, 4, 1)))
	valid := pngBytes(t, grayImage(4, 4, 1))
	writeTestFile(t, bad, "b.png", valid[:len(valid)-20])
	writeTestFile(t, bad, "c.png", pngBytes(t, grayImage(4, 4, 1)))
	_, _, err = LoadDir(bad, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(bad, "b.png"))

	// Mixed sizes: each size with its count and an example file, most
	// frequent first.
	mixed := t.TempDir()
	for i := range 3 {
		writeTestFile(t, mixed, fmt.Sprintf("big%d.png", i), pngBytes(t, grayImage(8, 6, 1)))
	}
	writeTestFile(t, mixed, "small.png", pngBytes(t, grayImage(5, 5, 1)))
	_, _, err = LoadDir(mixed, nil)
	require.Error(t, err)
	assert.Equal(t,
		"imageio: "+mixed+": images of mixed sizes: 6×8 (rows×cols): 3 files, e.g. big0.png; 5×5 (rows×cols): 1 file, e.g. small.png; "+
			"give a target size to centre-crop and resize them",
		err.Error())
	// With a target size they load.
	imgs, _, err := LoadDir(mixed, &Options{Size: 4})
	require.NoError(t, err)
	require.Len(t, imgs, 4)
	for _, m := range imgs {
		r, c := m.Dims()
		assert.Equal(t, [2]int{4, 4}, [2]int{r, c})
	}

	_, _, err = LoadDir(mixed, &Options{Rows: 3})
	assert.ErrorContains(t, err, "must be given together")
}

func TestLoadDirUnreadableFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions are not enforced")
	}
	dir := t.TempDir()
	p := writeTestFile(t, dir, "locked.png", pngBytes(t, grayImage(2, 2, 1)))
	require.NoError(t, os.Chmod(p, 0))
	_, _, err := LoadDir(dir, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), p)
}

func TestLoadPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	folder := filepath.Join(dir, "folder")
	require.NoError(t, os.Mkdir(folder, 0o755))
	writeTestFile(t, folder, "a.png", pngBytes(t, grayImage(2, 2, 10)))
	writeTestFile(t, folder, "b.gif", gifBytes(t, 2, 2))
	single := writeTestFile(t, dir, "single.image", pngBytes(t, grayImage(2, 2, 30)))
	stack := mat.NewDense(2, 2, []float64{0.5, -1, 2, 3})
	var buf bytes.Buffer
	require.NoError(t, WriteNPY(&buf, []*mat.Dense{stack, stack}))
	npy3 := writeTestFile(t, dir, "stack.npy", buf.Bytes())
	buf.Reset()
	require.NoError(t, WriteNPYMatrix(&buf, stack))
	npy2 := writeTestFile(t, dir, "one.NPY", buf.Bytes())

	imgs, names, err := LoadPaths([]string{folder, single, npy3, npy2}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		filepath.Join(folder, "a.png"), filepath.Join(folder, "b.gif"), single,
		npy3 + "[0]", npy3 + "[1]", npy2,
	}, names)
	require.Len(t, imgs, 6)
	assert.Equal(t, 10.0/255, imgs[0].At(0, 0))
	assert.Equal(t, 30.0/255, imgs[2].At(1, 1))
	for _, k := range []int{3, 4, 5} {
		assert.True(t, mat.Equal(stack, imgs[k]), "npy image %d keeps its values", k)
	}

	// Target size: images are resized, .npy arrays of another size error.
	_, _, err = LoadPaths([]string{folder}, &Options{Size: 3})
	assert.ErrorContains(t, err, "upscaling refused")
	imgs, _, err = LoadPaths([]string{folder}, &Options{Size: 3, Upscale: true})
	require.NoError(t, err)
	r, c := imgs[0].Dims()
	assert.Equal(t, [2]int{3, 3}, [2]int{r, c})
	_, _, err = LoadPaths([]string{npy3}, &Options{Size: 3})
	assert.ErrorContains(t, err, "arrays are 2×2 but the target size is 3×3")
	_, _, err = LoadPaths([]string{npy3}, &Options{Size: 2})
	assert.NoError(t, err)

	// Errors name the path at fault.
	other := writeTestFile(t, dir, "big.png", pngBytes(t, grayImage(3, 3, 1)))
	_, _, err = LoadPaths([]string{npy3, other}, nil)
	assert.ErrorContains(t, err, "3×3 (rows×cols): 1 file, e.g. "+other)
	_, _, err = LoadPaths([]string{npy3}, &Options{Color: true})
	assert.ErrorContains(t, err, npy3+": .npy arrays are grayscale")
	_, _, err = LoadPaths([]string{filepath.Join(dir, "missing")}, nil)
	assert.ErrorContains(t, err, filepath.Join(dir, "missing"))
	txt := writeTestFile(t, dir, "notes.txt", []byte("text"))
	_, _, err = LoadPaths([]string{txt}, nil)
	assert.ErrorContains(t, err, txt+": not a PNG, JPEG or GIF image")
	_, _, err = LoadPaths(nil, nil)
	assert.ErrorContains(t, err, "no input paths")
	emptyDir := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(emptyDir, 0o755))
	_, _, err = LoadPaths([]string{emptyDir}, nil)
	assert.ErrorContains(t, err, emptyDir+": no PNG")
}

func gifBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, gif.Encode(&buf, image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Gray{Y: 20}}), nil))
	return buf.Bytes()
}

func TestLoadDirPhotos96(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(photosDir); err != nil {
		t.Skipf("shared data set absent (%v): run from the project checkout with ../shared/data present", err)
	}
	imgs, names, err := LoadDir(photosDir, nil)
	require.NoError(t, err)
	require.Len(t, imgs, 256)
	require.Len(t, names, 256)
	assert.Equal(t, "astronaut_0000.png", names[0])
	for i, m := range imgs {
		r, c := m.Dims()
		require.Equal(t, [2]int{96, 96}, [2]int{r, c}, names[i])
		lo, hi := mat.Min(m), mat.Max(m)
		require.True(t, lo >= 0 && hi <= 1 && lo < hi, "%s: range [%v, %v]", names[i], lo, hi)
	}
	// Pixel values read with Pillow (numpy.array(Image.open(...)), mode
	// "L", 8 bit) via /usr/bin/python3: [0,0]=198, [10,20]=218,
	// [95,95]=221, [50,3]=38.
	m := imgs[0]
	assert.Equal(t, 198.0/255, m.At(0, 0))
	assert.Equal(t, 218.0/255, m.At(10, 20))
	assert.Equal(t, 221.0/255, m.At(95, 95))
	assert.Equal(t, 38.0/255, m.At(50, 3))
}

func BenchmarkLoadDirPhotos96(b *testing.B) {
	if _, err := os.Stat(photosDir); err != nil {
		b.Skipf("shared data set absent: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := LoadDir(photosDir, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadDirPhotos96Resize64(b *testing.B) {
	if _, err := os.Stat(photosDir); err != nil {
		b.Skipf("shared data set absent: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := LoadDir(photosDir, &Options{Size: 64}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLoadPathsOptions checks issue 15 item 14's loading: a file reached
// twice is loaded once (before the fix a folder given twice counted
// twice), Recursive reads subfolders, and SkipBad leaves out unreadable
// files and lists them.
func TestLoadPathsOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub", "deeper")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	a := writeTestFile(t, dir, "a.png", pngBytes(t, grayImage(2, 2, 10)))
	b := writeTestFile(t, sub, "b.png", pngBytes(t, grayImage(2, 2, 20)))
	bad := writeTestFile(t, dir, "c.png", []byte("not a png"))

	// The same folder twice, and a file inside it: loaded once.
	imgs, names, err := LoadPaths([]string{dir + "/", a, filepath.Join(dir, "..", filepath.Base(dir))}, nil)
	require.Error(t, err, "c.png is corrupt")
	assert.Contains(t, err.Error(), bad)
	require.NoError(t, os.Remove(bad))
	imgs, names, err = LoadPaths([]string{dir + "/", a, filepath.Join(dir, "..", filepath.Base(dir))}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "a.png")}, names)
	assert.Len(t, imgs, 1)
	r, err := LoadPathsOptions([]string{dir, dir}, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Duplicates)

	// Recursive: the subfolders too, in sorted path order.
	r, err = LoadPathsOptions([]string{dir}, nil, &LoadOptions{Recursive: true})
	require.NoError(t, err)
	assert.Equal(t, []string{a, b}, r.Names)

	// SkipBad: the corrupt file and a corrupt .npy are listed, not fatal.
	bad = writeTestFile(t, dir, "c.png", []byte("not a png"))
	badNPY := writeTestFile(t, dir, "d.npy", []byte("\x93NUMPY junk"))
	_, _, err = LoadPaths([]string{dir, badNPY}, nil)
	require.Error(t, err)
	r, err = LoadPathsOptions([]string{dir, badNPY}, nil, &LoadOptions{SkipBad: true, Recursive: true})
	require.NoError(t, err)
	assert.Equal(t, []string{a, b}, r.Names)
	require.Len(t, r.Skipped, 2)
	assert.Equal(t, bad, r.Skipped[0].Path)
	assert.Equal(t, badNPY, r.Skipped[1].Path)
	assert.Contains(t, r.Skipped[0].Err.Error(), "c.png")

	// Nothing left: an error.
	_, err = LoadPathsOptions([]string{bad}, nil, &LoadOptions{SkipBad: true})
	assert.ErrorContains(t, err, "all 1 files were skipped")
}
