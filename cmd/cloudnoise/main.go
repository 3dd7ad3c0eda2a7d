// Command cloudnoise draws cloud noise, measures the scaling parameter Δ
// of image sets, computes the paper's Mahalanobis distance table and
// per-frequency signal-to-noise curves, and trains and samples a small
// diffusion model with white or cloud noise.
//
// Usage:
//
//	cloudnoise demo                       the whole pipeline on built-in dead-leaves images
//	cloudnoise sample -n 96 -delta 1.5 -o cloud.png
//	cloudnoise fit [-json] [-plot spectrum.png] PATH...
//	cloudnoise distance [-delta D] [-plot bars.png] PATH...
//	cloudnoise snr [-delta D | PATH...] [-plot snr.png]
//	cloudnoise train -size 32 -noise cloud -steps 2000 -ckpt model.ckpt PATH...
//	cloudnoise generate -ckpt model.ckpt -count 16 -o grid.png
//
// Run "cloudnoise COMMAND -h" for the flags of each command. The command
// is a thin layer over the library github.com/cloud-diffusion/noise: every
// number it prints comes from an exported function documented there.
//
// Exit status: 0 on success, 1 on failure, 2 on misuse (unknown command
// or flag, bad flag value); every error is a single line starting with
// "cloudnoise: ", followed after a misuse by a line pointing to -h.
package main

import (
	"fmt"
	"os"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, errorLine(err))
		if hint := usageHint(err); hint != "" {
			fmt.Fprintln(os.Stderr, hint)
		}
	}
	os.Exit(exitCode(err))
}
