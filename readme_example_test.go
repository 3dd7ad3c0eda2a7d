package noise_test

import (
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// Example_readme is the library snippet of the README, verbatim between the
// markers (TestReadmeSnippet checks that the README shows this code and
// its output), so that the README cannot drift from what the code prints.
func Example_readme() {
	// README begin
	field := noise.Cloud(96, 1.5) // a 96×96 cloud-noise field, unit pixel variance
	fmt.Println(field.Dims())

	// Reproducible batches: a Sampler with a seeded source.
	s, err := noise.NewSampler(noise.Spec{Rows: 64, Cols: 64, Delta: 1.5}, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	batch := s.SampleBatch(make([]*mat.Dense, 100))

	// Measure Δ back from the batch (the paper's estimator: per-pixel
	// standardisation, power spectrum, OLS fit with the central cross masked).
	fit, err := noise.FitImages(batch, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fit.PowerLaw)

	// Noise of any stationary spectrum: true white noise, or noise "matched" to
	// the measured spectrum of images (periodic, Pad 1: its expected spectrum,
	// Sampler.Power, is the measured one at every frequency).
	white, err := noise.NewSampler(noise.Spec{Rows: 64, Cols: 64, Density: noise.WhiteDensity()}, rand.NewPCG(3, 4))
	if err != nil {
		log.Fatal(err)
	}
	d, err := noise.MeasuredDensity(fit.Power, fit.Images, nil)
	if err != nil {
		log.Fatal(err)
	}
	matched, err := noise.NewSampler(noise.Spec{Rows: 64, Cols: 64, Density: d, Pad: 1}, rand.NewPCG(5, 6))
	if err != nil {
		log.Fatal(err)
	}
	x := matched.Sample(nil) // a 64×64 field
	r, c := x.Dims()
	// Sampler.Power is the exact expected spectrum of the fields: flat (1)
	// for white noise, the images' own for matched noise.
	f, err := noise.FitPowerLaw(matched.Power(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("white: Γ = %g; matched: %d×%d fields, Δ = %.3f\n", white.Power().At(0, 0), r, c, f.Delta)
	// README end

	// Output:
	// 96 96
	// Δ = 1.498 ± 0.0044, A = 0.02518 ± 0.00011 (OLS, R² = 0.986, 3249 points)
	// white: Γ = 1; matched: 64×64 fields, Δ = 1.498
}

// TestReadmeSnippet checks that the README's library snippet is the code of
// Example_readme, unindented, followed by its output.
func TestReadmeSnippet(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("readme_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	body = body[strings.Index(body, "// README begin\n")+len("// README begin\n") : strings.Index(body, "\t// README end")]
	var code []string
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		code = append(code, strings.TrimPrefix(line, "\t"))
	}
	out := string(src)
	out = out[strings.Index(out, "\t// Output:\n")+len("\t// Output:\n"):]
	out = out[:strings.Index(out, "}")]
	var want []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		want = append(want, strings.TrimPrefix(line, "\t// "))
	}
	block := "```go\n" + strings.Join(code, "\n") + "\n```\n\nprints\n\n```\n" + strings.Join(want, "\n") + "\n```\n"
	if !strings.Contains(string(readme), block) {
		t.Errorf("README.md does not show the code and output of Example_readme; it should contain:\n%s", block)
	}
}
