package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

const versionExamples = `  cloudnoise version
`

// runVersion prints the version of the command: the module version (or
// "(devel)" for a build from a work tree), the commit and its time when the
// build recorded them, and the Go version and platform.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "\n\nPrints the version of cloudnoise: the module version, the source commit\n(when the build recorded it) and the Go version.", versionExamples)
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	if fs.NArg() > 0 {
		return fs.misuse(stderr, "unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(stdout, versionLine(debug.ReadBuildInfo()))
	return nil
}

// versionLine formats the build information (ok false: none recorded).
func versionLine(bi *debug.BuildInfo, ok bool) string {
	version, commit := "unknown", ""
	if ok {
		version = bi.Main.Version
		var rev, at, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = ", modified"
				}
			}
		}
		if rev != "" {
			commit = fmt.Sprintf(" (commit %.12s, %s%s)", rev, at, dirty)
		}
	}
	return fmt.Sprintf("cloudnoise %s%s, %s %s/%s", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
