package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/gonum/mat"
)

func TestEvalErrorMessages(t *testing.T) {
	t.Parallel()
	// Errors begin with "eval: ", name the function and the image at fault.
	good := histTestRandom(2, 4, 4, 1, 0, rand.NewPCG(1, 1))
	nan := histTestRandom(2, 4, 4, 1, 0, rand.NewPCG(1, 1))
	nan[1].Set(2, 3, math.NaN())
	odd := append(histTestRandom(1, 4, 4, 1, 0, rand.NewPCG(1, 1)), mat.NewDense(4, 5, nil))
	for i, c := range []struct {
		err  error
		want string
	}{
		{second(PixelWasserstein(nil, good)), "eval: PixelWasserstein: xs is empty"},
		{second(PixelTV(good, nan, 4, 0, 1)), "eval: PixelTV: ys[1] has a non-finite pixel NaN at (2, 3)"},
		{second(NearestCheck(odd, good)), "eval: NearestCheck: samples[1] is 4×5, want 4×4"},
		{second(NearestCheck(good, []*mat.Dense{good[0], nil})), "eval: NearestCheck: train[1] is nil"},
		{second(LogSpectralError(good, odd)), "eval: LogSpectralError: ys[1] is 4×5, want 4×4"},
		{second(BandErrors([][]*mat.Dense{{good[0], nil}}, good, []float64{0, 1})), "eval: BandErrors: traj[0][1] is nil"},
	} {
		assert.EqualError(t, c.err, c.want, "case %d", i)
	}
}

// second returns the error of a two-result call.
func second[T any](_ T, err error) error { return err }
