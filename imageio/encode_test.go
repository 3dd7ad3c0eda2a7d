package imageio

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestSavePNGAndNPY(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := mat.NewDense(2, 3, []float64{0, 0.2, 0.4, 0.6, 0.8, 1})
	p := filepath.Join(dir, "m.png")
	require.NoError(t, SavePNG(p, m, 0, 1, 16))
	got, err := Load(p, nil)
	require.NoError(t, err)
	assert.InDeltaSlice(t, m.RawMatrix().Data, got.RawMatrix().Data, 0.5/65535)

	// An encoding error leaves the previous file in place and no
	// temporary file.
	bad := mat.NewDense(1, 1, []float64{0})
	bad.Set(0, 0, nan())
	err = SavePNG(p, bad, 0, 1, 8)
	require.Error(t, err)
	assert.Equal(t, "imageio: writing "+p+": EncodePNG: non-finite value NaN at row 0, col 0", err.Error())
	again, err := Load(p, nil)
	require.NoError(t, err)
	assert.True(t, mat.Equal(got, again))

	q := filepath.Join(dir, "m.npy")
	require.NoError(t, SaveNPY(q, []*mat.Dense{m, m}))
	back, err := LoadNPY(q)
	require.NoError(t, err)
	require.Len(t, back, 2)
	assert.True(t, mat.Equal(m, back[1]))
	require.Error(t, SaveNPY(q, []*mat.Dense{bad}))
	back, err = LoadNPY(q)
	require.NoError(t, err)
	assert.Len(t, back, 2, "failed save must keep the old file")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"m.png", "m.npy"}, names, "no temporary file may remain")
}

func nan() float64 {
	var zero float64
	return zero / zero
}
