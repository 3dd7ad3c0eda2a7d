// Command cloudnoise-beam estimates the spectrum Γ(k) and the scaling
// parameter Δ of an image set with Apache Beam, locally on the in-process
// prism runner by default, or on Dataflow, Flink or Spark for sets too large
// for one machine. It writes the power-law fit as JSON and Γ as a NumPy
// .npy array. See the module's README for running it on a cluster.
//
// Usage:
//
//	cloudnoise-beam -input 'photos/*.png' [-size 96] [-out result.json] [-spectrum power.npy]
//	                [-cross 4] [-method ols|binned|whittle] [-kmin K] [-kmax K] [Beam options]
//
// Exit status: 0 on success, 2 on misuse, 1 on failure (including a run in
// which no image could be used).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "cloudnoise-beam:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "cloudnoise-beam:", err)
		os.Exit(1)
	}
}
