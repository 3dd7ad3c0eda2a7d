// Package atomicfile writes files so that a reader never sees a partial
// file: the bytes go to a temporary file in the target's directory, which
// is synced and renamed over the target.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Write creates or replaces the file at path with the bytes that write
// produces. The bytes go to a buffered temporary file in the same directory
// (named "." + base name + ".tmp" + random digits), which is synced to disk,
// given mode 0644 (or the mode of the file it replaces) and renamed over
// path; the directory is then synced on a best-effort basis. If write or any
// step fails, or write panics, the temporary file is removed and an existing
// file at path is left untouched. A process killed mid-write can leave the
// temporary file behind, but never a partial file at path.
//
// Errors name path and begin with prefix + ": " (no prefix if prefix is
// empty), the package prefix of the caller, for example
// "imageio: writing out.png: ...". An error returned by write is wrapped
// (errors.Is and errors.As see it), and its text loses a leading
// prefix + ": " so that the prefix is not repeated.
func Write(prefix, path string, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("%s%q: not a file name", lead(prefix), path)
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s%s: exists and is not a regular file", lead(prefix), path)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp")
	if err != nil {
		return &Error{prefix, path, err}
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return &Error{prefix, path, err}
	}
	if err := bw.Flush(); err != nil {
		return &Error{prefix, path, err}
	}
	if err := f.Chmod(mode); err != nil {
		return &Error{prefix, path, err}
	}
	if err := f.Sync(); err != nil {
		return &Error{prefix, path, err}
	}
	if err := f.Close(); err != nil {
		return &Error{prefix, path, err}
	}
	if err := os.Rename(tmp, path); err != nil {
		return &Error{prefix, path, err}
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// lead returns prefix + ": ", or "" for an empty prefix.
func lead(prefix string) string {
	if prefix == "" {
		return ""
	}
	return prefix + ": "
}

// Error reports a failed Write: "PREFIX: writing PATH: CAUSE".
type Error struct {
	Prefix string // the caller's package prefix, without ": "; may be empty
	Path   string // the file that was to be written
	Err    error  // the cause: the error of write or of a file operation
}

func (e *Error) Error() string {
	p := lead(e.Prefix)
	cause := e.Err.Error()
	if p != "" {
		cause = strings.TrimPrefix(cause, p)
	}
	return p + "writing " + e.Path + ": " + cause
}

func (e *Error) Unwrap() error { return e.Err }
