//go:build race

package gemm

// raceEnabled reports a build with the race detector, under which the
// numerical tests check a sample of their cases (the full set runs without
// it): the detector is there for the concurrency, not the arithmetic.
const raceEnabled = true
