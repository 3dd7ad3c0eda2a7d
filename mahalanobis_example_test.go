package noise_test

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/imageio"
)

func ExampleMetric_Distance() {
	m, err := noise.NewMetric(4, 4, 1.5, 1) // Q0 = N(0, |k|^(−3)), 4×4 images
	if err != nil {
		log.Fatal(err)
	}
	x := mat.NewDense(4, 4, []float64{
		1, 2, 3, 4,
		2, 3, 4, 5,
		3, 4, 5, 6,
		4, 5, 6, 7,
	})
	y := mat.NewDense(4, 4, nil)
	// Checked with numpy: sqrt(sum(|fft2(x, norm="ortho")|² |k|³)), k ≠ 0.
	fmt.Printf("d(x, 0 | Q0)    = %.6f\n", m.Norm(x))
	fmt.Printf("d(x, y | Q0)    = %.6f\n", m.Distance(x, y))

	// The mean (k = 0) is excluded: adding a constant changes nothing.
	y.Apply(func(i, j int, v float64) float64 { return x.At(i, j) + 10 }, y)
	fmt.Printf("d(x, x+10 | Q0) = %.6f\n", m.Distance(x, y))
	// Output:
	// d(x, 0 | Q0)    = 1.224745
	// d(x, y | Q0)    = 1.224745
	// d(x, x+10 | Q0) = 0.000000
}

func ExampleMetric_FromCenter() {
	// The expected distance of unit-variance white noise from the centre of
	// Q0, by Monte Carlo and by the closed form E[d²] = Σ_{k≠0}|k|^(2Δ)/A².
	const n = 32
	m, err := noise.NewMetric(n, n, 1.5, 1)
	if err != nil {
		log.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(2, 2))
	xs := make([]*mat.Dense, 1000)
	for i := range xs {
		xs[i] = mat.NewDense(n, n, nil)
		xs[i].Apply(func(int, int, float64) float64 { return rnd.NormFloat64() }, xs[i])
	}
	e := m.FromCenter(xs)

	white := mat.NewDense(n, n, nil) // Var X_k = 1 at every k
	white.Apply(func(int, int, float64) float64 { return 1 }, white)
	e2, err := m.ExpectedSquared(white, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Monte Carlo E[d] = %.3f ± %.3f over %d fields\n", e.Mean, e.StdErr, e.N)
	fmt.Printf("closed form √E[d²] = %.3f (numpy: 8.976)\n", math.Sqrt(e2))

	// Between pairs distinct elements when given the same set twice.
	b := m.Between(xs, xs)
	r := b.Mean / e.Mean
	se := r * math.Hypot(b.StdErr/b.Mean, e.StdErr/e.Mean)
	fmt.Printf("d(x, x′)/d(x|Q0) = %.3f ± %.3f over %d pairs (√2 = 1.414)\n", r, se, b.N)
	// Output:
	// Monte Carlo E[d] = 8.971 ± 0.008 over 1000 fields
	// closed form √E[d²] = 8.976 (numpy: 8.976)
	// d(x, x′)/d(x|Q0) = 1.416 ± 0.002 over 500 pairs (√2 = 1.414)
}

func ExampleDistanceTable() {
	// The paper's table on a small synthetic image set (16×16 cloud noise of
	// Δ = 1.8), with Q0 and the cloud noise at Δ = 1.5.
	s, err := noise.NewSampler(noise.Spec{Rows: 16, Cols: 16, Delta: 1.8}, rand.NewPCG(3, 4))
	if err != nil {
		log.Fatal(err)
	}
	images := s.SampleBatch(make([]*mat.Dense, 100))
	t, err := noise.DistanceTable(images, &noise.TableOptions{Delta: 1.5}, rand.NewPCG(5, 6))
	if err != nil {
		log.Fatal(err)
	}
	// The ratio grows with the image size (more high frequencies, where
	// white noise is far from Q0): about 9.9 at 96×96.
	fmt.Printf("d(white|Q0)/d(cloud|Q0) = %.1f\n", t.White.Mean/t.Cloud.Mean)
	fmt.Printf("cloud noise is closer to the images than white noise: %v\n", t.CloudData.Mean < t.WhiteData.Mean)
	// Output:
	// d(white|Q0)/d(cloud|Q0) = 4.0
	// cloud noise is closer to the images than white noise: true
}

func ExampleSpectralLoss() {
	// The paper's Mahalanobis loss for a diffusion trainer: weights |k|^(2Δ),
	// floored at the lowest frequency and normalised to mean 1.
	l, err := noise.NewSpectralLoss(8, 8, 1.5)
	if err != nil {
		log.Fatal(err)
	}
	w := l.Weights()
	// Weights checked with numpy: w = max(|k|, 1/8)³, w /= w.mean().
	fmt.Printf("mean weight %.3f, at k=0 %.4f, at the corner %.3f\n", mat.Sum(w)/64, w.At(4, 4), w.At(0, 0))

	// A residual at the highest frequency (a checkerboard) costs far more
	// than one at the lowest, for the same mean squared error of 1.
	checker := mat.NewDense(8, 8, nil)
	checker.Apply(func(i, j int, _ float64) float64 { return float64(1 - 2*((i+j)%2)) }, checker)
	ramp := mat.NewDense(8, 8, nil)
	ramp.Apply(func(i, j int, _ float64) float64 { return math.Sqrt2 * math.Cos(2*math.Pi*float64(j)/8) }, ramp)
	fmt.Printf("loss: checkerboard %.3f, slow wave %.4f\n", l.Loss(checker), l.Loss(ramp))
	// Output:
	// mean weight 1.000, at k=0 0.0236, at the corner 4.264
	// loss: checkerboard 4.264, slow wave 0.0236
}

// TestDistanceTablePhotos measures the table on the shared photo set
// (256 photos, 96×96) when it is available: cloud noise must be far closer
// to the photos than white noise. It needs ../shared/data and skips
// without it, and in short mode.
func TestDistanceTablePhotos(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("photo table: skipped in short mode")
	}
	const dir = "../shared/data/photos96"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no shared photo set at %s (a clone outside the team setup): %v", dir, err)
	}
	photos, _, err := imageio.LoadDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The paper's Δ, on the published scale.
	for _, opts := range []*noise.TableOptions{{Delta: 1.49977, A: noise.PaperAmplitude}} {
		tab, err := noise.DistanceTable(photos, opts, rand.NewPCG(1, 2))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%v", tab)
		// 5 standard errors of the difference of independent estimates.
		if d, se := tab.WhiteData.Mean-tab.CloudData.Mean, math.Hypot(tab.WhiteData.StdErr, tab.CloudData.StdErr); d < 5*se {
			t.Errorf("d(white, images) − d(cloud, images) = %v ± %v: cloud noise not significantly closer", d, se)
		}
	}
}
