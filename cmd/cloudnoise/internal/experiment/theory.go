package experiment

import (
	"fmt"
	"strings"

	"github.com/cloud-diffusion/noise/diffusion"
)

// TheoryResult is the exact outcome of sampling the Gaussian model of a
// data set (zero mean, the measured spectrum of the normalised training
// images, diagonal in Fourier space) under one noise with the optimal
// (Wiener) denoiser: what a perfectly trained network would give if the
// data were Gaussian (diffusion.GaussianTheory).
type TheoryResult struct {
	Noise string  // the diffusion.NoiseKind, by name
	Delta float64 // Δ of cloud noise, 0 otherwise
	// Information is what survives of the data at t = T, in nats.
	Information float64
	Rows        []*TheoryRow
	// Settle are the exact band settle times of DDIM at TrajectoryK.
	Settle []float64
}

// TheoryRow is the exact prediction for one sampler and K.
type TheoryRow struct {
	Method string // diffusion.DDIM or diffusion.DDPM
	K      int
	LSD    float64 // log-spectral distance to the data, dB
	KL     float64 // KL divergence per dimension, nats
	// BandPower is the output power error per band of eval.DefaultBandEdges, dB.
	BandPower []float64
}

// theoryResult predicts every sampler and K of cfg under the setup's
// noise.
func theoryResult(cfg Config, st *setup) (*TheoryResult, error) {
	tr := &TheoryResult{Noise: st.kind.String(), Delta: st.delta, Information: st.theory.Information(timeSteps)}
	add := func(m diffusion.Method, k int) error {
		p, err := st.theory.Predict(diffusion.TheoryOptions{SampleOptions: diffusion.SampleOptions{Method: m, Steps: k}, Edges: bandEdges, SettleThreshold: SettleThreshold})
		if err != nil {
			return err
		}
		tr.Rows = append(tr.Rows, &TheoryRow{Method: m.String(), K: k, LSD: p.LSD, KL: p.KL, BandPower: p.BandPower})
		if m == diffusion.DDIM && k == cfg.TrajectoryK {
			tr.Settle = p.Settle
		}
		return nil
	}
	for _, k := range cfg.Ks {
		if err := add(diffusion.DDIM, k); err != nil {
			return nil, err
		}
	}
	for _, k := range cfg.DDPMKs {
		if err := add(diffusion.DDPM, k); err != nil {
			return nil, err
		}
	}
	return tr, nil
}

// theoryLSDs lists the LSDs of one method, for the log.
func theoryLSDs(tr *TheoryResult, m diffusion.Method) string {
	var s []string
	for _, r := range tr.Rows {
		if r.Method == m.String() {
			s = append(s, fmt.Sprintf("%.2f", r.LSD))
		}
	}
	return strings.Join(s, "/")
}
