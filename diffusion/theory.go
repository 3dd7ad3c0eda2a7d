package diffusion

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/eval"
)

// DefaultSettleThreshold is the relative squared band error below which a
// band counts as settled: 0.1, an error of about 32% in amplitude (the
// experiment's threshold).
const DefaultSettleThreshold = 0.1

// GaussianTheory is the exact theory of diffusion sampling with the optimal
// denoiser, for Gaussian data and Gaussian noise that are both diagonal in
// the orthonormal real Fourier basis F_R (noise.RealFFT2): every coordinate
// k of F_R x_0 is independent N(0, P_k) and every coordinate of F_R ε is
// independent N(0, N_k). Stationary fields on the periodic rows×cols grid
// with spectra P(k) and N(k) are exactly of this form; for other fields
// (images, or the paper's padded-and-cropped cloud noise) it is the
// diagonal approximation with their expected spectra.
//
// # The closed form
//
// Per coordinate, x_t = a x_0 + s ε with a = cos θ_t, s = sin θ_t has
// variance V = a²P + s²N, and the optimal (posterior-mean) denoiser is the
// Wiener filter
//
//	ε̂ = (sN/V) x_t,   x̂_0 = (aP/V) x_t = (x_t − s ε̂)/a.
//
// Every sampler step of Sampler.Sample is linear in x_t and ε̂ plus fresh
// noise z of variance N, x′ = A x_t + B ε̂ + σ z, so one step maps the
// variance v of a coordinate to
//
//	v′ = g² v + σ² N,   g = A + B sN/V,
//
// where DDIM (noise.Schedule.DDIMStep, from t to t′) has A = √(ᾱ′/ᾱ),
// B = √(1−ᾱ′−σ²) − A s and σ² = η² (1−ᾱ′)/(1−ᾱ) (1 − ᾱ/ᾱ′), and DDPM
// (noise.Schedule.DDPMStep, used where t′ = t−1) has A = c0/a + ct,
// B = −c0 s/a and σ² = β̃_t. For η = 0, g = (a′aP + s′sN)/V: one DDIM step
// multiplies each coefficient by the ratio of the two Wiener mixtures.
// Sampling starts from x = ε (variance N) at the first of the K times the
// sampler visits (noise.Schedule.Timesteps) and ends with the jump to
// x̂_0 at t = 0, so the expected output power is
//
//	v_K = N Π_i g_i² + Σ_i σ_i² N Π_{j>i} g_j².
//
// Matched noise (N = P) makes every g the same for all k; for η = 0,
// g = cos(θ − θ′) and v_K/P = cos²θ_{t_K} Π cos²(θ_{t_i} − θ_{t_{i+1}}).
// Where P = 0 the denoiser returns x̂_0 = 0 and the output is exactly 0, so
// such coordinates are outside the data and take no part in the metrics.
// Where P > 0 but N = 0 the sampler never creates the coordinate: it is
// unreached (v_K = 0), the KL divergence is infinite, and so is the
// log-spectral distance if a whole radial bin is unreached.
//
// A GaussianTheory is immutable and safe for concurrent use.
type GaussianTheory struct {
	rows, cols int
	data, nois []float64 // P_k and N_k, centred layout, row-major
	sched      *noise.Schedule
}

// NewGaussianTheory returns the theory for data with the power spectrum
// data (P_k, the variance of coordinate k of F_R x_0) and noise with the
// power spectrum noise (N_k), both rows×cols in the centred layout, under
// the schedule sched. For stationary fields these are the expected spectra
// E[(F_R x)_k²] = E|Z_k|² of Spectrum.Power (which normalises to unit mean
// pixel variance; any scale is accepted here, but white noise is N = 1
// everywhere and the sampler's noise has unit pixel variance, so the data's
// scale matters for white noise). The spectra are copied.
//
// NewGaussianTheory returns an error if a spectrum is nil, empty, of a
// different shape than the other, holds a negative, NaN or infinite value or
// is zero everywhere, or if sched is nil.
func NewGaussianTheory(data, noiseSpec mat.Matrix, sched *noise.Schedule) (*GaussianTheory, error) {
	if sched == nil {
		return nil, errors.New("diffusion: GaussianTheory needs a schedule")
	}
	p, rows, cols, err := spectrumValues("data", data, 0, 0)
	if err != nil {
		return nil, err
	}
	n, _, _, err := spectrumValues("noise", noiseSpec, rows, cols)
	if err != nil {
		return nil, err
	}
	return &GaussianTheory{rows: rows, cols: cols, data: p, nois: n, sched: sched}, nil
}

// spectrumValues checks a power spectrum and returns a copy of its values
// in row-major order. A positive rows or cols is the shape it must have.
func spectrumValues(name string, m mat.Matrix, rows, cols int) ([]float64, int, int, error) {
	if m == nil {
		return nil, 0, 0, fmt.Errorf("diffusion: %s spectrum is nil", name)
	}
	if d, ok := m.(*mat.Dense); ok && (d == nil || d.IsEmpty()) {
		return nil, 0, 0, fmt.Errorf("diffusion: %s spectrum is empty", name)
	}
	r, c := m.Dims()
	if r < 1 || c < 1 {
		return nil, 0, 0, fmt.Errorf("diffusion: %s spectrum is empty", name)
	}
	if rows > 0 && (r != rows || c != cols) {
		return nil, 0, 0, fmt.Errorf("diffusion: %s spectrum is %d×%d, want %d×%d", name, r, c, rows, cols)
	}
	if r*c > noise.MaxPixels {
		return nil, 0, 0, fmt.Errorf("diffusion: %s spectrum of %d×%d exceeds %d values", name, r, c, noise.MaxPixels)
	}
	out := make([]float64, r*c)
	var any bool
	for i := range r {
		for j := range c {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, 0, 0, fmt.Errorf("diffusion: %s spectrum has the value %v at (%d, %d): want finite and ≥ 0", name, v, i, j)
			}
			out[i*c+j] = v
			any = any || v > 0
		}
	}
	if !any {
		return nil, 0, 0, fmt.Errorf("diffusion: %s spectrum is zero everywhere", name)
	}
	return out, r, c, nil
}

// Dims returns the shape of the spectra.
func (g *GaussianTheory) Dims() (rows, cols int) { return g.rows, g.cols }

// Schedule returns the theory's schedule.
func (g *GaussianTheory) Schedule() *noise.Schedule { return g.sched }

// Data returns a copy of the data spectrum P.
func (g *GaussianTheory) Data() *mat.Dense {
	return mat.NewDense(g.rows, g.cols, append([]float64(nil), g.data...))
}

// Noise returns a copy of the noise spectrum N.
func (g *GaussianTheory) Noise() *mat.Dense {
	return mat.NewDense(g.rows, g.cols, append([]float64(nil), g.nois...))
}

// TheoryOptions configures GaussianTheory.Predict. The zero value predicts
// the default of Sampler.Sample (50-step deterministic DDIM, linspace
// spacing) with the experiment's bands and settle threshold.
type TheoryOptions struct {
	// Method, Steps, Eta and Spacing select the sampler exactly as for
	// Sampler.Sample; Batch, Trajectory and Frames are ignored.
	SampleOptions
	// Edges are the radial band edges in cycles per pixel (strictly
	// increasing, the first ≥ 0); nil means eval.DefaultBandEdges(), the
	// bands of the white-vs-cloud experiment, so that exact and measured
	// settle times can be compared.
	Edges []float64
	// SettleThreshold is the band error below which a band counts as
	// settled; 0 means DefaultSettleThreshold.
	SettleThreshold float64
}

// Prediction is the exact outcome of sampling under a GaussianTheory.
type Prediction struct {
	// Times are the K times the sampler visits, noisiest first; it then
	// jumps to t = 0.
	Times []int
	// Power is the expected power v_K of each coordinate of F_R of the
	// samples, in the centred layout.
	Power *mat.Dense
	// LSD is the log-spectral distance in dB between the samples and the
	// data, with the radial bins and formula of eval.LogSpectralError
	// applied to the expected spectra: √(mean_b (10 log₁₀(Σ_b v/Σ_b P))²)
	// over the bins b = round(min(rows, cols)·|k|) = 1…⌊min(rows, cols)/2⌋.
	// It is +Inf if a bin holds data power but no sample power, and NaN if
	// the grid has no bin (fewer than 2 pixels along an axis) or a bin has
	// no data power.
	LSD float64
	// KL is the Kullback–Leibler divergence of the samples' distribution
	// from the data's, per dimension (divided by rows·cols), in nats:
	//
	//	KL = (1/D) Σ_{k: P_k>0} ½ (v_k/P_k − 1 − ln(v_k/P_k)),
	//
	// the KL of N(0, diag v) from N(0, diag P). It is +Inf if a coordinate
	// is unreached.
	KL float64
	// Unreached is the number of coordinates where the data has power and
	// the samples have none (P_k > 0, v_k = 0: the noise has no power there).
	Unreached int
	// Edges are the band edges used. BandPower[b] is the power error of
	// band b (edges[b] < |k| ≤ edges[b+1]) in dB, 10 log₁₀(Σ_b v/Σ_b P)
	// (NaN for a band without data power).
	Edges     []float64
	BandPower []float64
	// BandErrors[i][b] is the expected relative squared error of band b of
	// the prediction x̂_0 at step i against the final sample, the definition
	// of eval.BandErrors with expectations in place of sums
	// over images:
	//
	//	e_b(i) = Σ_{k∈b} E[(x̂_{0,i} − x_0)_k²] / Σ_{k∈b} E[(x_0)_k²].
	//
	// It is NaN for a band with no sample power.
	BandErrors [][]float64
	// Settle[b] is the settle time of band b as eval.SettleTimes computes it from BandErrors: Times[i]/T for the first step
	// i from which on every band error is below the threshold (the last
	// time if none). Larger values mean earlier settling.
	Settle []float64
}

// stepCoeffs are the coefficients of one sampler step:
// x′ = A x + B ε̂ + σ z at a time with signal rate a and noise rate s.
type stepCoeffs struct {
	a, s   float64
	A, B   float64
	sigma2 float64
}

// samplerPlan resolves options as Sampler.Sample does and returns the
// times and the coefficients of every step.
func samplerPlan(sched *noise.Schedule, opts SampleOptions) ([]int, []stepCoeffs, error) {
	method, k, eta, err := opts.resolve(sched.Steps())
	if err != nil {
		return nil, nil, err
	}
	times := sched.Timesteps(k, opts.Spacing)
	steps := make([]stepCoeffs, len(times))
	for i, t := range times {
		prev := 0
		if i+1 < len(times) {
			prev = times[i+1]
		}
		abT, nvT := sched.AlphaBar(t), sched.NoiseVariance(t)
		a, s := math.Sqrt(abT), math.Sqrt(nvT)
		st := stepCoeffs{a: a, s: s}
		if method == DDPM && prev == t-1 {
			// noise.Schedule.DDPMStep.
			c0, ct := sched.PosteriorCoefficients(t)
			st.A = c0/a + ct
			st.B = -c0 * s / a
			st.sigma2 = sched.PosteriorVariance(t)
		} else {
			// noise.Schedule.DDIMStep.
			abP, nvP := sched.AlphaBar(prev), sched.NoiseVariance(prev)
			if eta != 0 && nvP != 0 {
				st.sigma2 = eta * eta * nvP / nvT * (nvT - nvP) / abP
			}
			dir := math.Sqrt(math.Max(nvP-st.sigma2, 0))
			st.A = math.Sqrt(abP / abT)
			st.B = dir - st.A*s
		}
		if prev == 0 {
			st.sigma2 = 0 // the sampler draws no noise for the last step.
		}
		steps[i] = st
	}
	return times, steps, nil
}

// resolve validates the options as Sampler.Sample does and returns the
// method, the number of steps and η it uses.
func (o SampleOptions) resolve(T int) (method Method, k int, eta float64, err error) {
	method = o.Method
	k = o.Steps
	switch {
	case !enumValid(method, methodNames):
		return 0, 0, 0, fmt.Errorf("diffusion: unknown sampling method %v (want %s)", method, enumList(methodNames))
	case k < 0 || k > T:
		return 0, 0, 0, fmt.Errorf("diffusion: %d sampling steps outside 1…%d (the training steps)", k, T)
	case !(o.Eta >= 0 && o.Eta <= 1):
		return 0, 0, 0, fmt.Errorf("diffusion: DDIM η = %v outside [0, 1]", o.Eta)
	case o.Batch < 0:
		return 0, 0, 0, fmt.Errorf("diffusion: sampling batch %d is negative", o.Batch)
	case o.Spacing != noise.Linspace && o.Spacing != noise.Leading && o.Spacing != noise.Trailing:
		return 0, 0, 0, fmt.Errorf("diffusion: unknown timestep spacing %v", o.Spacing)
	}
	if k == 0 {
		k = T
		if method == DDIM {
			k = min(50, T)
		}
	}
	eta = o.Eta
	if method == DDPM {
		eta = 1
	}
	return method, k, eta, nil
}

// defaultBands returns the band of each centred frequency of a rows×cols
// grid for eval.DefaultBandEdges() (see eval.Bands) and the number of bands.
func defaultBands(rows, cols int) (band []int, nb int) {
	band, err := eval.Bands(rows, cols, nil)
	if err != nil {
		panic(err) // unreachable: the default edges are valid
	}
	return band, len(eval.DefaultBandEdges()) - 1
}

// Predict returns the exact outcome of Sampler.Sample with the options opts
// and the optimal denoiser: the expected power of the samples, its
// log-spectral distance and KL divergence to the data, the power error and
// the settling of each band. It costs O(K·rows·cols).
//
// Predict returns an error for the options Sampler.Sample rejects (an
// unknown method or spacing, Steps outside 0…T, η outside [0, 1]), invalid
// band edges or a settle threshold that is negative or not finite.
func (g *GaussianTheory) Predict(opts TheoryOptions) (*Prediction, error) {
	times, steps, err := samplerPlan(g.sched, opts.SampleOptions)
	if err != nil {
		return nil, err
	}
	edges := opts.Edges
	if edges == nil {
		edges = eval.DefaultBandEdges()
	}
	band, err := eval.Bands(g.rows, g.cols, edges)
	if err != nil {
		return nil, fmt.Errorf("diffusion: Predict: %w", err)
	}
	thr := opts.SettleThreshold
	if thr == 0 {
		thr = DefaultSettleThreshold
	}
	if !(thr > 0) || math.IsInf(thr, 0) {
		return nil, fmt.Errorf("diffusion: settle threshold %v must be finite and > 0", thr)
	}
	K := len(steps)
	nb := len(edges) - 1
	out := &Prediction{
		Times:     times,
		Power:     mat.NewDense(g.rows, g.cols, nil),
		Edges:     append([]float64(nil), edges...),
		BandPower: make([]float64, nb),
	}
	power := out.Power.RawMatrix().Data
	// Per-coordinate scratch: variance before step i, x̂_0 gain at step i,
	// step gain g_i.
	vs, hs, gs := make([]float64, K), make([]float64, K), make([]float64, K)
	errSum := make([]float64, K*nb) // Σ_{k∈b} E[(x̂_{0,i} − x_0)_k²]
	finSum := make([]float64, nb)   // Σ_{k∈b} v_K
	dataSum := make([]float64, nb)  // Σ_{k∈b} P
	var kl float64
	for p, P := range g.data {
		N := g.nois[p]
		b := band[p]
		if b >= 0 {
			dataSum[b] += P
		}
		v := N
		for i, st := range steps {
			V := st.a*st.a*P + st.s*st.s*N
			var e, h float64 // ε̂ = e x, x̂_0 = h x
			if V > 0 {
				e, h = st.s*N/V, st.a*P/V
			}
			gi := st.A + st.B*e
			vs[i], hs[i], gs[i] = v, h, gi
			v = gi*gi*v + st.sigma2*N
		}
		power[p] = v
		if P > 0 {
			if v == 0 {
				out.Unreached++
			} else {
				r := v / P
				kl += 0.5 * (r - 1 - math.Log(r))
			}
		}
		if b < 0 {
			continue
		}
		finSum[b] += v
		// Backwards: G = Π_{j≥i} g_j, R = noise variance added from step i.
		G, R := 1.0, 0.0
		for i := K - 1; i >= 0; i-- {
			R += G * G * steps[i].sigma2 * N
			G *= gs[i]
			d := hs[i] - G
			errSum[i*nb+b] += d*d*vs[i] + R
		}
	}
	out.KL = kl / float64(len(g.data))
	if out.Unreached > 0 {
		out.KL = math.Inf(1)
	}
	for b := range nb {
		out.BandPower[b] = math.NaN()
		if dataSum[b] > 0 {
			out.BandPower[b] = 10 * math.Log10(finSum[b]/dataSum[b])
		}
	}
	out.BandErrors = make([][]float64, K)
	for i := range K {
		row := make([]float64, nb)
		for b := range nb {
			row[b] = math.NaN()
			if finSum[b] > 0 {
				row[b] = errSum[i*nb+b] / finSum[b]
			}
		}
		out.BandErrors[i] = row
	}
	if out.Settle, err = eval.SettleTimes(out.BandErrors, times, g.sched.Steps(), thr); err != nil {
		return nil, fmt.Errorf("diffusion: %w", err) // unreachable: K ≥ 1 rows of nb bands
	}
	out.LSD = logSpectralDistance(power, g.data, g.rows, g.cols)
	return out, nil
}

// LogSpectralDistance returns the log-spectral distance in dB between two
// power spectra in the centred layout (for example the mean of (F_R x)² over
// a set of samples, and a model's expected spectrum): eval.LogSpectralError
// applied to spectra instead of sample sets, the RMS over the radial bins
// b = round(L|k|) = 1…⌊L/2⌋, L = min(rows, cols), of 10 log₁₀ of the ratio
// of the bins' sums. It is +Inf if a bin of ref has power and the bin of x
// has none. It returns an error if a spectrum is invalid (see
// NewGaussianTheory), the shapes differ, the grid has no bin (fewer than 2
// pixels along an axis) or a bin of ref has no power.
func LogSpectralDistance(x, ref mat.Matrix) (float64, error) {
	xs, rows, cols, err := spectrumValues("first", x, 0, 0)
	if err != nil {
		return 0, err
	}
	ys, _, _, err := spectrumValues("reference", ref, rows, cols)
	if err != nil {
		return 0, err
	}
	if min(rows, cols) < 2 {
		return 0, fmt.Errorf("diffusion: LogSpectralDistance of %d×%d spectra: no radial bin", rows, cols)
	}
	d := logSpectralDistance(xs, ys, rows, cols)
	if math.IsNaN(d) {
		return 0, errors.New("diffusion: LogSpectralDistance: a radial bin of the reference has no power")
	}
	return d, nil
}

// logSpectralDistance is eval.LogSpectralError for expected power spectra
// x and y (centred layout): the RMS over the radial bins
// b = round(L|k|) = 1…⌊L/2⌋, L = min(rows, cols), of 10 log₁₀ of the ratio
// of the bin means. It is +Inf if a bin of y has power and the bin of x has
// none, and NaN if there is no bin or a bin of y has no power.
func logSpectralDistance(x, y []float64, rows, cols int) float64 {
	l := min(rows, cols)
	nb := l / 2
	if nb < 1 {
		return math.NaN()
	}
	sx, sy := make([]float64, nb), make([]float64, nb)
	for i := range rows {
		fy := float64(i-rows/2) / float64(rows)
		for j := range cols {
			fx := float64(j-cols/2) / float64(cols)
			b := int(math.Floor(float64(l)*math.Hypot(fy, fx) + 0.5))
			if b < 1 || b > nb {
				continue
			}
			sx[b-1] += x[i*cols+j]
			sy[b-1] += y[i*cols+j]
		}
	}
	var s float64
	for b := range nb {
		switch {
		case !(sy[b] > 0):
			return math.NaN()
		case !(sx[b] > 0):
			return math.Inf(1)
		}
		r := 10 * math.Log10(sx[b]/sy[b])
		s += r * r
	}
	return math.Sqrt(s / float64(nb))
}

// Information returns the mutual information I(x_0; x_t) in nats between the
// data and the noisy data at time t,
//
//	I = ½ Σ_k ln(1 + a_t² P_k / (s_t² N_k)),
//
// over the coordinates with P_k > 0: what survives of the data at t. At
// t = T it measures how far the sampler's start, pure noise, is from the
// true distribution of x_T; with white noise and a terminal signal rate of
// 0.02 it is a fraction of a nat for natural-image spectra. It is +Inf if
// some coordinate has data power and no noise power, and 0 only if a_t = 0.
// Information panics if t is outside 1…T.
func (g *GaussianTheory) Information(t int) float64 {
	if t < 1 || t > g.sched.Steps() {
		panic(fmt.Sprintf("diffusion: GaussianTheory.Information: t = %d outside 1…%d", t, g.sched.Steps()))
	}
	a2, s2 := g.sched.AlphaBar(t), g.sched.NoiseVariance(t)
	var sum float64
	for p, P := range g.data {
		if P == 0 {
			continue
		}
		N := g.nois[p]
		if N == 0 {
			return math.Inf(1)
		}
		sum += math.Log1p(a2 * P / (s2 * N))
	}
	return 0.5 * sum
}

// FlowLimit returns the expected output power of deterministic DDIM as the
// number of steps K grows without bound, on a schedule whose first sampling
// time is T and whose last is 1 (linspace spacing): the exact probability-
// flow ODE from x_T = ε to t = 1, followed by the jump to x̂_0,
//
//	v_∞ = N · (V_1/V_T) · (a_1 P/V_1)²,   V_t = a_t² P + s_t² N,
//
// per coordinate (the ODE keeps x/√V_t fixed, so the start's mismatch N/V_T
// survives, and the final jump shrinks by the Wiener gain at t = 1). The
// result is rows×cols in the centred layout; a new matrix is allocated.
func (g *GaussianTheory) FlowLimit() *mat.Dense {
	T := g.sched.Steps()
	aT2, sT2 := g.sched.AlphaBar(T), g.sched.NoiseVariance(T)
	a12, s12 := g.sched.AlphaBar(1), g.sched.NoiseVariance(1)
	out := mat.NewDense(g.rows, g.cols, nil)
	raw := out.RawMatrix().Data
	for p, P := range g.data {
		N := g.nois[p]
		VT, V1 := aT2*P+sT2*N, a12*P+s12*N
		if VT == 0 || V1 == 0 {
			continue
		}
		raw[p] = N * a12 * P * P / (VT * V1)
	}
	return out
}

// X0Error returns the mean squared error of the optimal denoiser's x̂_0 at
// time t, per pixel, E‖x̂_0 − x_0‖²/D with D = rows·cols:
//
//	(1/D) Σ_k P_k s_t² N_k / V_k,   V_k = a_t² P_k + s_t² N_k,
//
// the posterior variance of each coordinate (0 where V_k = 0), and the mean
// of the same per coordinate in each band of eval.DefaultBandEdges() (NaN for a
// band without coordinates). It is the Gaussian bound a trained network's
// x̂_0 error is measured against (MeasureX0Error). X0Error panics if t is
// outside 1…T.
func (g *GaussianTheory) X0Error(t int) (total float64, bands []float64) {
	if t < 1 || t > g.sched.Steps() {
		panic(fmt.Sprintf("diffusion: GaussianTheory.X0Error: t = %d outside 1…%d", t, g.sched.Steps()))
	}
	a2, s2 := g.sched.AlphaBar(t), g.sched.NoiseVariance(t)
	band, nb := defaultBands(g.rows, g.cols)
	sum := make([]float64, nb)
	count := make([]int, nb)
	for p, P := range g.data {
		N := g.nois[p]
		var e float64
		if V := a2*P + s2*N; V > 0 {
			e = P * s2 * N / V
		}
		total += e
		if b := band[p]; b >= 0 {
			sum[b] += e
			count[b]++
		}
	}
	bands = make([]float64, nb)
	for b := range bands {
		bands[b] = math.NaN()
		if count[b] > 0 {
			bands[b] = sum[b] / float64(count[b])
		}
	}
	return total / float64(len(g.data)), bands
}
