package main

import (
	"io"
	"path/filepath"
	"testing"
)

// BenchmarkDemo runs the README's main command with its defaults (256
// dead-leaves images of 96×96, the fit, the distance table, the SNR curves
// and four figures); the goal is well under a minute on 2 cores.
func BenchmarkDemo(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out := filepath.Join(b.TempDir(), "demo")
		if err := run([]string{"demo", "-o", out}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSample draws 64 cloud-noise fields of 96×96 to a .npy file.
func BenchmarkSample(b *testing.B) {
	b.ReportAllocs()
	out := filepath.Join(b.TempDir(), "s.npy")
	for b.Loop() {
		if err := run([]string{"sample", "-n", "96", "-count", "64", "-o", out}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
