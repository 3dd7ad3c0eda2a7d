package noise

import (
	"math/rand/v2"
	"testing"
)

// TestPCGNormalMatchesMathRand checks that pcgNormal draws exactly what
// math/rand/v2 draws from the same seeds: normal deviates (2·10⁶ per seed
// in long mode, enough to pass through the ziggurat's rare tail and wedge
// branches thousands of times), uniform deviates and raw words.
func TestPCGNormalMatchesMathRand(t *testing.T) {
	t.Parallel()
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	for _, seed := range [][2]uint64{{1, 2}, {0, 0}, {0x9e3779b97f4a7c15, 12345}} {
		r := rand.New(rand.NewPCG(seed[0], seed[1]))
		var p pcgNormal
		p.Seed(seed[0], seed[1])
		for i := range n {
			var want, got float64
			switch i % 5 {
			case 3:
				want, got = r.Float64(), p.Float64()
			case 4:
				w, g := r.Uint64(), p.Uint64()
				want, got = float64(w), float64(g)
				if w != g {
					t.Fatalf("seed %v draw %d: Uint64 %d, want %d", seed, i, g, w)
				}
			default:
				want, got = r.NormFloat64(), p.NormFloat64()
			}
			if got != want {
				t.Fatalf("seed %v draw %d: got %v, want %v", seed, i, got, want)
			}
		}
	}
}
