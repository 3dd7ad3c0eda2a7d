package imageio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// atomicTestEntries returns the names in dir.
func atomicTestEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")

	require.NoError(t, WriteFileAtomic(p, func(w io.Writer) error {
		_, err := w.Write([]byte("first"))
		return err
	}))
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "first", string(got))
	assert.Equal(t, []string{"out.bin"}, atomicTestEntries(t, dir), "no temporary file may remain")
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

	// A failing write, after some bytes, keeps the old file and removes the
	// temporary one.
	errBoom := errors.New("boom")
	err = WriteFileAtomic(p, func(w io.Writer) error {
		_, _ = w.Write(bytes.Repeat([]byte("x"), 1<<20))
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	assert.Equal(t, "noise: writing "+p+": boom", err.Error())
	got, err = os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "first", string(got))
	assert.Equal(t, []string{"out.bin"}, atomicTestEntries(t, dir))

	// A panicking write: the same, and the panic propagates.
	assert.Panics(t, func() {
		_ = WriteFileAtomic(p, func(w io.Writer) error {
			_, _ = w.Write([]byte("partial"))
			panic("write panicked")
		})
	})
	got, err = os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "first", string(got))
	assert.Equal(t, []string{"out.bin"}, atomicTestEntries(t, dir))

	// Replacing keeps the mode of the replaced file.
	require.NoError(t, os.Chmod(p, 0o600))
	require.NoError(t, WriteFileAtomic(p, func(w io.Writer) error {
		_, err := w.Write([]byte("second"))
		return err
	}))
	got, err = os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "second", string(got))
	fi, err = os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// Unwritable targets.
	missing := filepath.Join(dir, "no", "such", "dir", "x.png")
	err = WriteFileAtomic(missing, func(io.Writer) error { return nil })
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "noise: writing "+missing), "%v", err)
	err = WriteFileAtomic(dir, func(io.Writer) error { return nil })
	assert.ErrorContains(t, err, "not a regular file")
	err = WriteFileAtomic(dir+"/", func(io.Writer) error { return nil })
	assert.ErrorContains(t, err, "not a file name")
	assert.Equal(t, []string{"out.bin"}, atomicTestEntries(t, dir))
}

func TestWriteFileAtomicReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: directory permissions are not enforced")
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	err := WriteFileAtomic(filepath.Join(dir, "x.png"), func(io.Writer) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "x.png"))
}

func TestSavePNGAndNPY(t *testing.T) {
	dir := t.TempDir()
	m := mat.NewDense(2, 3, []float64{0, 0.2, 0.4, 0.6, 0.8, 1})
	p := filepath.Join(dir, "m.png")
	require.NoError(t, SavePNG(p, m, 0, 1, 16))
	got, err := Load(p, nil)
	require.NoError(t, err)
	assert.InDeltaSlice(t, m.RawMatrix().Data, got.RawMatrix().Data, 0.5/65535)

	// An encoding error leaves the previous file in place and no
	// temporary file.
	bad := mat.NewDense(1, 1, []float64{0})
	bad.Set(0, 0, nan())
	err = SavePNG(p, bad, 0, 1, 8)
	require.Error(t, err)
	assert.Equal(t, "noise: writing "+p+": EncodePNG: non-finite value NaN at row 0, col 0", err.Error())
	again, err := Load(p, nil)
	require.NoError(t, err)
	assert.True(t, mat.Equal(got, again))

	q := filepath.Join(dir, "m.npy")
	require.NoError(t, SaveNPY(q, []*mat.Dense{m, m}))
	back, err := LoadNPY(q)
	require.NoError(t, err)
	require.Len(t, back, 2)
	assert.True(t, mat.Equal(m, back[1]))
	require.Error(t, SaveNPY(q, []*mat.Dense{bad}))
	back, err = LoadNPY(q)
	require.NoError(t, err)
	assert.Len(t, back, 2, "failed save must keep the old file")
	assert.ElementsMatch(t, []string{"m.png", "m.npy"}, atomicTestEntries(t, dir))
}

func nan() float64 {
	var zero float64
	return zero / zero
}
