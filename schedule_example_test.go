package noise_test

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

func ExampleLinearSchedule() {
	// The DDPM defaults of Ho et al. (2020).
	s := noise.LinearSchedule(1000, 1e-4, 0.02)
	for _, t := range []int{0, 1, 500, 1000} {
		fmt.Printf("t=%4d  ᾱ=%.6g  θ=%.4f  log-SNR=%.3f\n", t, s.AlphaBar(t), s.Theta(t), s.LogSNR(t))
	}
	// Output:
	// t=   0  ᾱ=1  θ=0.0000  log-SNR=+Inf
	// t=   1  ᾱ=0.9999  θ=0.0100  log-SNR=9.210
	// t= 500  ᾱ=0.0785872  θ=1.2867  log-SNR=-2.462
	// t=1000  ᾱ=4.03583e-05  θ=1.5644  log-SNR=-10.118
}

func ExampleSchedule_Noisy() {
	s := noise.CosineSchedule(1000, 0.008)
	x0 := mat.NewDense(2, 2, []float64{1, -1, 0.5, 0})
	// Any noise of unit pixel variance: white, or cloud noise from a Sampler.
	eps := mat.NewDense(2, 2, []float64{0.3, -1.2, 0.8, 0.1})

	xt := s.Noisy(nil, x0, eps, 500) // x_t = cos θ x_0 + sin θ ε

	// With the noise that made x_t, PredictX0 recovers x_0.
	x0Hat := s.PredictX0(nil, xt, eps, 500)
	fmt.Printf("x_500 = %.4f\n", mat.Formatted(xt, mat.Prefix("        ")))
	fmt.Println("recovered x0:", mat.EqualApprox(x0Hat, x0, 1e-12))
	// Output:
	// x_500 = ⎡ 0.9162  -1.5565⎤
	//         ⎣ 0.9205   0.0711⎦
	// recovered x0: true
}

func ExampleSchedule_DDIMStep() {
	// Deterministic DDIM (η = 0) with 10 trailing steps of a 1000-step
	// schedule. The "network" here is an oracle that returns the true noise,
	// so the sampler must land exactly on x_0.
	s := noise.LinearSchedule(1000, 1e-4, 0.02)
	x0 := mat.NewDense(2, 3, []float64{0.2, -0.4, 0.6, 1, 0, -1})
	eps := mat.NewDense(2, 3, []float64{1.1, -0.3, 0.7, -1.5, 0.2, 0.9})
	oracle := func(xt *mat.Dense, t int) *mat.Dense { return eps }

	ts := s.Timesteps(10, noise.Trailing)
	fmt.Println("timesteps:", ts)
	x := s.Noisy(nil, x0, eps, ts[0])
	for i, t := range ts {
		prev := 0 // after the last step, go to the clean data
		if i+1 < len(ts) {
			prev = ts[i+1]
		}
		// η = 0: no noise is needed (nil). With η > 0 pass fresh noise of
		// the kind the model was trained with, e.g. cloud noise.
		s.DDIMStep(x, x, oracle(x, t), nil, t, prev, 0)
	}
	fmt.Println("landed on x0:", mat.EqualApprox(x, x0, 1e-9))
	// Output:
	// timesteps: [1000 900 800 700 600 500 400 300 200 100]
	// landed on x0: true
}

func ExampleSchedule_Shift() {
	// A schedule designed at 64×64, used at 256×256: simple diffusion shifts
	// the log-SNR by 2 log(64/256) so that images are noised as much.
	s := noise.CosineSchedule(1000, 0.008)
	sh := s.Shift(64, 256)
	fmt.Printf("log-SNR(500): %.4f → %.4f (shift %.4f)\n", s.LogSNR(500), sh.LogSNR(500), 2*math.Log(64.0/256))
	// Output:
	// log-SNR(500): -0.0246 → -2.7972 (shift -2.7726)
}

func ExampleSchedule_RadialSNR() {
	// The paper's Figure 17: data with a power spectrum 1/|k|^3 (Δ = 1.5),
	// noised with white noise or with cloud noise of the same Δ.
	const n = 32
	wn := func(i, j int) float64 {
		ky, kx := float64(i-n/2)/n, float64(j-n/2)/n
		return math.Hypot(ky, kx)
	}
	data := mat.NewDense(n, n, nil)
	cloud := mat.NewDense(n, n, nil)
	white := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			white.Set(i, j, 1)
			if k := wn(i, j); k > 0 {
				data.Set(i, j, 1e-3*math.Pow(k, -3))
				cloud.Set(i, j, 1e-3*math.Pow(k, -3))
			}
		}
	}
	s := noise.LinearSchedule(1000, 1e-4, 0.02)
	k, snrWhite, _ := s.RadialSNR(data, white, 300, 4)
	_, snrCloud, _ := s.RadialSNR(data, cloud, 300, 4)
	fmt.Println("|k|    white    cloud")
	for i := range k {
		fmt.Printf("%.3f  %7.4f  %7.4f\n", k[i], snrWhite[i], snrCloud[i])
	}
	// With white noise the fine scales are drowned first; with cloud noise
	// every scale has the same SNR.

	// Output:
	// |k|    white    cloud
	// 0.117   1.7720   0.6568
	// 0.274   0.0406   0.6568
	// 0.441   0.0082   0.6568
	// 0.583   0.0034   0.6568
}

func ExampleSchedule_DDPMStep() {
	// Ancestral DDPM sampling with cloud noise at every step: the noise is
	// an argument, so any Sampler (or white noise) can be fed in.
	const n = 16
	s := noise.LinearSchedule(100, 1e-4, 0.02)
	smp, err := noise.NewSampler(noise.Spec{Rows: n, Cols: n, Delta: noise.CloudDelta}, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	// A stand-in for a trained network: it predicts no noise at all.
	model := func(xt *mat.Dense, t int) *mat.Dense { return mat.NewDense(n, n, nil) }

	x := smp.Sample(nil) // x_T: pure cloud noise
	z := mat.NewDense(n, n, nil)
	for t := s.Steps(); t >= 1; t-- {
		var zt *mat.Dense // the last step (t = 1) adds no noise
		if t > 1 {
			zt = smp.Sample(z)
		}
		s.DDPMStep(x, x, model(x, t), zt, t)
	}
	r, c := x.Dims()
	fmt.Printf("sampled a %d×%d image in %d steps\n", r, c, s.Steps())
	// Output:
	// sampled a 16×16 image in 100 steps
}
