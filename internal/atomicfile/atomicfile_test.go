package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")

	require.NoError(t, Write("noise", p, func(w io.Writer) error {
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
	err = Write("noise", p, func(w io.Writer) error {
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
		_ = Write("noise", p, func(w io.Writer) error {
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
	require.NoError(t, Write("noise", p, func(w io.Writer) error {
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
	err = Write("noise", missing, func(io.Writer) error { return nil })
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "noise: writing "+missing), "%v", err)
	err = Write("noise", dir, func(io.Writer) error { return nil })
	assert.ErrorContains(t, err, "not a regular file")
	err = Write("noise", dir+"/", func(io.Writer) error { return nil })
	assert.ErrorContains(t, err, "not a file name")
	assert.Equal(t, []string{"out.bin"}, atomicTestEntries(t, dir))
}

func TestWriteReadOnlyDir(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root: directory permissions are not enforced")
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	err := Write("noise", filepath.Join(dir, "x.png"), func(io.Writer) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "x.png"))
}

func TestErrorPrefix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	cases := []struct {
		prefix string
		cause  error
		want   string
	}{
		// The caller's prefix leads; a cause carrying the same prefix
		// loses it, any other text is kept.
		{"imageio", errors.New("imageio: EncodePNG: bad"), "imageio: writing " + p + ": EncodePNG: bad"},
		{"imageio", errors.New("noise: bad"), "imageio: writing " + p + ": noise: bad"},
		{"", errors.New("noise: bad"), "writing " + p + ": noise: bad"},
	}
	for i, c := range cases {
		err := Write(c.prefix, p, func(io.Writer) error { return c.cause })
		require.ErrorIs(t, err, c.cause, "case %d", i)
		assert.Equal(t, c.want, err.Error(), "case %d", i)
		var e *Error
		require.ErrorAs(t, err, &e, "case %d", i)
		assert.Equal(t, p, e.Path, "case %d", i)
	}
	err := Write("", dir+"/", func(io.Writer) error { return nil })
	assert.Equal(t, fmt.Sprintf("%q: not a file name", dir+"/"), err.Error())
	_, err = os.Stat(p)
	assert.True(t, os.IsNotExist(err), "a failed first write creates no file")
}
