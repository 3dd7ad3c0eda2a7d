package main

import (
	"bytes"
	"crypto/sha256"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fuzzArgs splits a fuzz input into an argument list (one argument per
// line) and reports whether the fuzz target runs it. It refuses, to keep
// every execution short and inside its temporary directory:
//   - paths that leave the directory: absolute paths, "..", "~";
//   - the commands demo, experiment and theory unless asked for help
//     (their defaults run for seconds to minutes);
//   - numbers of magnitude between 64 and 10^15: small sizes and counts
//     run quickly, and absurd ones (≥ 10^15) must be refused at once.
func fuzzArgs(in string) ([]string, bool) {
	if len(in) > 400 {
		return nil, false
	}
	args := strings.Split(in, "\n")
	if len(args) > 16 {
		return nil, false
	}
	help := false
	for _, a := range args {
		v := a
		if i := strings.IndexByte(a, '='); i >= 0 {
			v = a[i+1:]
		}
		switch a {
		case "-h", "-help", "--help", "help":
			help = true
		}
		if filepath.IsAbs(v) || strings.Contains(v, "..") || strings.HasPrefix(v, "~") || strings.ContainsRune(a, 0) {
			return nil, false
		}
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ':' || r == ' ' }) {
			x, err := strconv.ParseFloat(f, 64)
			if err == nil && math.Abs(x) > 64 && math.Abs(x) < 1e15 {
				return nil, false
			}
		}
	}
	if len(args) > 0 {
		switch args[0] {
		case "demo", "experiment", "theory":
			if !help {
				return nil, false
			}
		}
	}
	return args, true
}

// fuzzTree returns the SHA-256 of every regular file under the current
// directory, by slash-separated relative path.
func fuzzTree(t *testing.T) map[string][32]byte {
	t.Helper()
	files := make(map[string][32]byte)
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(p)] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// fuzzDefaults returns the default values of the flags of the command
// named name, from its usage text ((default "cloud.png")): an output
// flag's default names an output as much as an argument does.
func fuzzDefaults(name string) []string {
	var stdout bytes.Buffer
	_ = run([]string{name, "-h"}, &stdout, io.Discard)
	var out []string
	for _, m := range regexp.MustCompile(`\(default "([^"]*)"\)`).FindAllStringSubmatch(stdout.String(), -1) {
		out = append(out, m[1])
	}
	return out
}

// fuzzNamed reports whether an argument names the file p as an output:
// the argument (or its value after "=") is p, a directory holding p, or a
// file name whose stem begins p's name in the same directory (sample
// -split writes f-000.png for -o f.png).
func fuzzNamed(p string, args []string) bool {
	for _, a := range args {
		if i := strings.IndexByte(a, '='); i >= 0 {
			a = a[i+1:]
		}
		if a == "" {
			continue
		}
		v := filepath.ToSlash(filepath.Clean(a))
		stem := strings.TrimSuffix(filepath.Base(v), filepath.Ext(v))
		switch {
		case p == v, strings.HasPrefix(p, v+"/"):
			return true
		case filepath.Dir(p) == filepath.Dir(v) && strings.HasPrefix(filepath.Base(p), stem):
			return true
		}
	}
	return false
}

// FuzzRun runs the command on fuzzed argument lists (see fuzzArgs) in an
// empty temporary directory holding one unrelated file. Properties: run
// returns nil or an error and never panics (a recovered panic is an
// "internal error"); a usage error maps to exit status 2; every file
// created or changed is one an argument names as an output (no stray or
// temporary file, nothing else overwritten), and the unrelated file is
// untouched (an output flag's default names an output too). The seed corpus (testdata/fuzz/FuzzRun) holds the usage
// examples of sample, fit, snr, distance, train and generate shrunk to small
// sizes, help forms, bad flags and values, flags after positional
// arguments and after "--", and absurd sizes.
func FuzzRun(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		args, ok := fuzzArgs(in)
		if !ok {
			t.Skip("argument list outside the fuzzed set")
		}
		dir := t.TempDir()
		t.Chdir(dir)
		if err := os.WriteFile("keep.txt", []byte("not an output"), 0o644); err != nil {
			t.Fatal(err)
		}
		before := fuzzTree(t)
		var stdout, stderr bytes.Buffer
		err := run(args, &stdout, &stderr)
		if err != nil && strings.HasPrefix(err.Error(), "internal error") {
			t.Fatalf("run(%q) panicked: %v", args, err)
		}
		named := args
		if len(args) > 0 {
			named = append(fuzzDefaults(args[0]), args...)
		}
		for p, sum := range fuzzTree(t) {
			if old, ok := before[p]; ok && old == sum {
				continue
			}
			if p == "keep.txt" || !fuzzNamed(p, named) {
				t.Fatalf("run(%q) (error %v) wrote %s, which no argument names as an output", args, err, p)
			}
		}
	})
}
