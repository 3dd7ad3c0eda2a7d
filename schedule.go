package noise

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// maxScheduleSteps bounds the number of steps of a Schedule so that a
// user-supplied step count cannot exhaust memory. A schedule holds three
// float64 tables of steps+1 entries.
const maxScheduleSteps = 1 << 22

// Schedule is a discrete diffusion noise schedule over the times t = 0, …, T
// where T = Steps(). It holds precomputed tables of
//
//	β_t                 the variance added by forward step t (eq. 33 of the paper),
//	ᾱ_t = Π_{i≤t}(1−β_i) the signal power after t steps, with ᾱ_0 = 1,
//	1 − ᾱ_t             the accumulated noise variance, computed without cancellation.
//
// The forward process of the paper, with any Gaussian noise ε that obeys the
// summation law (white or cloud noise of unit pixel variance), is
//
//	x_t = √(1−β_t) x_{t−1} + √β_t ε        (eq. 33, ForwardStep)
//	x_t = cos θ_t x_0 + sin θ_t ε           (eq. 34/35, Noisy; cos θ_t = √ᾱ_t)
//
// Time t = 0 is the clean data (ᾱ_0 = 1, θ_0 = 0); t = T is the noisiest
// level. Diffusers and the original DDPM code index their timesteps from 0;
// their timestep τ is time t = τ+1 here, with the same ᾱ.
//
// Every method that takes a time panics if t is outside its documented range.
// The methods that operate on fields accept *mat.Dense of any shape, panic
// with a "noise: ..." message if the shapes of the operands differ, never
// modify their inputs, and write the result to dst. If dst is nil a new
// matrix is allocated; if dst is empty (the zero mat.Dense) it is resized;
// otherwise it must have the shape of the inputs. The computation is
// elementwise, so dst may be one of the inputs (the same matrix, or a matrix
// sharing exactly the same storage), but it must not partially overlap an
// input (for example a shifted view of the same backing data).
//
// A Schedule is immutable after construction and safe for concurrent use.
// The zero Schedule has no tables; make one with a constructor.
type Schedule struct {
	beta     []float64 // β_t, t = 0..T; β_0 = 0.
	alphaBar []float64 // ᾱ_t, t = 0..T; ᾱ_0 = 1.
	noiseVar []float64 // 1 − ᾱ_t, t = 0..T; computed without cancellation.
}

// LinearSchedule returns the DDPM schedule of Ho et al. (2020) with β
// linear in t: β_t = β0 + (β1−β0)(t−1)/(steps−1) for t = 1, …, steps (the
// values of numpy.linspace(beta0, beta1, steps)), and ᾱ_t = Π_{i≤t}(1−β_i).
// The DDPM defaults are LinearSchedule(1000, 1e-4, 0.02).
//
// LinearSchedule panics if steps < 1 or steps is absurdly large, or if beta0
// or beta1 is not in the open interval (0, 1). Use NewLinearSchedule for
// user-supplied arguments.
func LinearSchedule(steps int, beta0, beta1 float64) *Schedule {
	s, err := NewLinearSchedule(steps, beta0, beta1)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// NewLinearSchedule is LinearSchedule returning an error instead of
// panicking on invalid arguments.
func NewLinearSchedule(steps int, beta0, beta1 float64) (*Schedule, error) {
	if err := checkScheduleSteps(steps); err != nil {
		return nil, err
	}
	if !(beta0 > 0 && beta0 < 1) {
		return nil, fmt.Errorf("noise: linear schedule β0 = %v outside (0, 1)", beta0)
	}
	if !(beta1 > 0 && beta1 < 1) {
		return nil, fmt.Errorf("noise: linear schedule β1 = %v outside (0, 1)", beta1)
	}
	// Same arithmetic as numpy.linspace: start + i*step, last value exact.
	betas := make([]float64, steps)
	if steps == 1 {
		betas[0] = beta0
	} else {
		step := (beta1 - beta0) / float64(steps-1)
		for i := range betas {
			betas[i] = beta0 + float64(i)*step
		}
		betas[steps-1] = beta1
	}
	return NewSchedule(betas)
}

// CosineSchedule returns the cosine schedule of Nichol & Dhariwal (2021),
// "Improved denoising diffusion probabilistic models", with offset s (their
// default is 0.008). With f(u) = cos²((u+s)/(1+s)·π/2),
//
//	β_t = min(1 − f(t/steps)/f((t−1)/steps), 0.999),  ᾱ_t = Π_{i≤t}(1−β_i),
//
// exactly as in their code (betas_for_alpha_bar): the cap at 0.999 keeps
// ᾱ_steps > 0, so ᾱ deviates from f(t)/f(0) at the last steps.
//
// CosineSchedule panics if steps < 1 or steps is absurdly large, or if s is
// negative or not finite. Use NewCosineSchedule for user-supplied arguments.
func CosineSchedule(steps int, s float64) *Schedule {
	sch, err := NewCosineSchedule(steps, s)
	if err != nil {
		panic(err.Error())
	}
	return sch
}

// NewCosineSchedule is CosineSchedule returning an error instead of
// panicking on invalid arguments.
func NewCosineSchedule(steps int, s float64) (*Schedule, error) {
	if err := checkScheduleSteps(steps); err != nil {
		return nil, err
	}
	if !(s >= 0) || math.IsInf(s, 1) {
		return nil, fmt.Errorf("noise: cosine schedule offset s = %v must be finite and ≥ 0", s)
	}
	const maxBeta = 0.999
	f := func(u float64) float64 {
		c := math.Cos((u + s) / (1 + s) * math.Pi / 2)
		return c * c
	}
	betas := make([]float64, steps)
	for i := range betas {
		b := 1 - f(float64(i+1)/float64(steps))/f(float64(i)/float64(steps))
		betas[i] = math.Min(b, maxBeta)
	}
	return NewSchedule(betas)
}

// OffsetCosineSchedule returns the offset-cosine angle schedule of the
// paper's code (the Keras DDIM example it builds on): the angle θ_t, with
// cos θ_t = √ᾱ_t the signal rate, is linear in t from θ_1 = acos(maxSignal)
// to θ_steps = acos(minSignal):
//
//	θ_t = θ_1 + (θ_steps − θ_1)(t−1)/(steps−1),  t = 1, …, steps,
//
// and θ_0 = 0 (clean data). A one-step schedule has θ_1 = acos(minSignal).
// The paper's defaults are maxSignal = 0.95 and minSignal = 0.02. That code
// (after Foster, "Generative Deep Learning", 2nd ed.) uses a continuous
// diffusion time u in [0, 1] with θ = θ(0) + u (θ(1) − θ(0)); here
// u = (t−1)/(steps−1), so both ends of its range are steps of the table,
// and t = 0 is added as the clean data the continuous version never reaches.
//
// OffsetCosineSchedule panics if steps < 1 or steps is absurdly large, if
// either bound is outside (0, 1], or if minSignal ≥ maxSignal while
// steps > 1 (the schedule would not be monotone). Use NewOffsetCosineSchedule
// for user-supplied arguments.
func OffsetCosineSchedule(steps int, maxSignal, minSignal float64) *Schedule {
	s, err := NewOffsetCosineSchedule(steps, maxSignal, minSignal)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// NewOffsetCosineSchedule is OffsetCosineSchedule returning an error
// instead of panicking on invalid arguments.
func NewOffsetCosineSchedule(steps int, maxSignal, minSignal float64) (*Schedule, error) {
	if err := checkScheduleSteps(steps); err != nil {
		return nil, err
	}
	if !(maxSignal > 0 && maxSignal <= 1) {
		return nil, fmt.Errorf("noise: offset cosine schedule maxSignal = %v outside (0, 1]", maxSignal)
	}
	if !(minSignal > 0 && minSignal <= 1) {
		return nil, fmt.Errorf("noise: offset cosine schedule minSignal = %v outside (0, 1]", minSignal)
	}
	if steps > 1 && minSignal >= maxSignal {
		return nil, fmt.Errorf("noise: offset cosine schedule not monotone: minSignal = %v ≥ maxSignal = %v", minSignal, maxSignal)
	}
	if steps == 1 && minSignal == 1 {
		return nil, errors.New("noise: offset cosine schedule adds no noise: minSignal = 1")
	}
	th0, th1 := math.Acos(maxSignal), math.Acos(minSignal)
	ab := make([]float64, steps+1)
	nv := make([]float64, steps+1)
	ab[0] = 1
	for t := 1; t <= steps; t++ {
		th := th1
		if steps > 1 {
			th = th0 + (th1-th0)*float64(t-1)/float64(steps-1)
		}
		c, sn := math.Cos(th), math.Sin(th)
		ab[t] = c * c
		nv[t] = sn * sn
	}
	return newScheduleAlphaBar(ab, nv), nil
}

// NewSchedule returns the schedule with the user-given variances
// betas[t−1] = β_t, t = 1, …, len(betas), and ᾱ_t = Π_{i≤t}(1−β_i).
// It returns an error if betas is empty or absurdly long, if any β is NaN or
// outside the open interval (0, 1), or if ᾱ underflows to 0. The slice is
// copied.
func NewSchedule(betas []float64) (*Schedule, error) {
	if len(betas) == 0 {
		return nil, errors.New("noise: empty β table")
	}
	if err := checkScheduleSteps(len(betas)); err != nil {
		return nil, err
	}
	for i, b := range betas {
		if !(b > 0 && b < 1) {
			return nil, fmt.Errorf("noise: β_%d = %v outside (0, 1)", i+1, b)
		}
	}
	n := len(betas)
	s := &Schedule{
		beta:     make([]float64, n+1),
		alphaBar: make([]float64, n+1),
		noiseVar: make([]float64, n+1),
	}
	copy(s.beta[1:], betas)
	s.alphaBar[0] = 1
	var logAB float64
	for t := 1; t <= n; t++ {
		// The product in the order numpy.cumprod uses; 1−ᾱ from the log
		// sum so that it keeps full relative precision when ᾱ is near 1.
		s.alphaBar[t] = s.alphaBar[t-1] * (1 - s.beta[t])
		logAB += math.Log1p(-s.beta[t])
		s.noiseVar[t] = -math.Expm1(logAB)
		if s.alphaBar[t] == 0 {
			return nil, fmt.Errorf("noise: ᾱ underflows to 0 at t = %d", t)
		}
	}
	return s, nil
}

// NewAlphaBarSchedule returns the schedule with the user-given signal powers
// alphaBar[t−1] = ᾱ_t, t = 1, …, len(alphaBar) (ᾱ_0 = 1 is implied), and
// β_t = 1 − ᾱ_t/ᾱ_{t−1}. It returns an error if the table is empty or
// absurdly long, if any value is NaN or outside the open interval (0, 1), or
// if the table is not strictly decreasing. The slice is copied.
func NewAlphaBarSchedule(alphaBar []float64) (*Schedule, error) {
	if len(alphaBar) == 0 {
		return nil, errors.New("noise: empty ᾱ table")
	}
	if err := checkScheduleSteps(len(alphaBar)); err != nil {
		return nil, err
	}
	prev := 1.0
	for i, a := range alphaBar {
		if !(a > 0 && a < 1) {
			return nil, fmt.Errorf("noise: ᾱ_%d = %v outside (0, 1)", i+1, a)
		}
		if a >= prev {
			return nil, fmt.Errorf("noise: ᾱ table not strictly decreasing: ᾱ_%d = %v ≥ ᾱ_%d = %v", i+1, a, i, prev)
		}
		prev = a
	}
	ab := make([]float64, len(alphaBar)+1)
	nv := make([]float64, len(alphaBar)+1)
	ab[0] = 1
	copy(ab[1:], alphaBar)
	for t := 1; t < len(ab); t++ {
		nv[t] = 1 - ab[t]
	}
	return newScheduleAlphaBar(ab, nv), nil
}

// newScheduleAlphaBar builds a schedule from ᾱ_t and 1−ᾱ_t for t = 0..T,
// which must be valid (ab[0] = 1, nv[0] = 0, ab non-increasing and > 0).
// It takes ownership of the slices.
func newScheduleAlphaBar(ab, nv []float64) *Schedule {
	beta := make([]float64, len(ab))
	for t := 1; t < len(ab); t++ {
		// β_t = 1 − ᾱ_t/ᾱ_{t−1} = ((1−ᾱ_t) − (1−ᾱ_{t−1}))/ᾱ_{t−1}: the
		// second form where ᾱ is near 1, the first where it is small, so
		// that neither subtraction cancels badly.
		var b float64
		if nv[t] < ab[t-1] {
			b = (nv[t] - nv[t-1]) / ab[t-1]
		} else {
			b = 1 - ab[t]/ab[t-1]
		}
		beta[t] = math.Min(math.Max(b, 0), 1)
	}
	return &Schedule{beta: beta, alphaBar: ab, noiseVar: nv}
}

func checkScheduleSteps(steps int) error {
	if steps < 1 {
		return fmt.Errorf("noise: schedule steps = %d < 1", steps)
	}
	if steps > maxScheduleSteps {
		return fmt.Errorf("noise: schedule steps = %d exceeds the limit %d", steps, maxScheduleSteps)
	}
	return nil
}

// Shift returns the schedule with its log-SNR shifted for a resolution res
// different from the base resolution the schedule was designed for ("simple
// diffusion", Hoogeboom, Heek & Salimans 2023):
//
//	logSNR'(t) = logSNR(t) + 2 log(base/res),
//
// so ᾱ'_t = sigmoid(logSNR'(t)). A higher resolution (res > base) lowers the
// SNR at every t. Shift(base, base) returns an equal schedule. The receiver
// is not modified.
//
// Shift panics if base or res is not finite and positive, or if the shifted
// ᾱ underflows to 0. Use NewShiftedSchedule for user-supplied arguments.
func (s *Schedule) Shift(base, res float64) *Schedule {
	sh, err := NewShiftedSchedule(s, base, res)
	if err != nil {
		panic(err.Error())
	}
	return sh
}

// NewShiftedSchedule is s.Shift(base, res) returning an error instead of
// panicking on invalid arguments.
func NewShiftedSchedule(s *Schedule, base, res float64) (*Schedule, error) {
	if s == nil {
		return nil, errors.New("noise: shift of a nil schedule")
	}
	if !(base > 0) || math.IsInf(base, 1) {
		return nil, fmt.Errorf("noise: shift base resolution = %v must be finite and > 0", base)
	}
	if !(res > 0) || math.IsInf(res, 1) {
		return nil, fmt.Errorf("noise: shift resolution = %v must be finite and > 0", res)
	}
	shift := 2 * math.Log(base/res)
	T := s.Steps()
	ab := make([]float64, T+1)
	nv := make([]float64, T+1)
	ab[0] = 1
	for t := 1; t <= T; t++ {
		if s.noiseVar[t] == 0 {
			ab[t] = 1 // log-SNR +∞ stays +∞.
			continue
		}
		l := math.Log(s.alphaBar[t]) - math.Log(s.noiseVar[t]) + shift
		ab[t] = 1 / (1 + math.Exp(-l))
		nv[t] = 1 / (1 + math.Exp(l))
		if ab[t] == 0 {
			return nil, fmt.Errorf("noise: shifted ᾱ underflows to 0 at t = %d (shift %v)", t, shift)
		}
		if nv[t] == 0 {
			return nil, fmt.Errorf("noise: shifted 1−ᾱ underflows to 0 at t = %d (shift %v)", t, shift)
		}
	}
	return newScheduleAlphaBar(ab, nv), nil
}

// Steps returns the number of steps T; times run from 0 to T.
func (s *Schedule) Steps() int { return len(s.alphaBar) - 1 }

func (s *Schedule) checkT(op string, t int) {
	if t < 0 || t >= len(s.alphaBar) {
		panic(fmt.Sprintf("noise: %s: t = %d outside 0..%d", op, t, len(s.alphaBar)-1))
	}
}

func (s *Schedule) checkStep(op string, t int) {
	if t < 1 || t >= len(s.alphaBar) {
		panic(fmt.Sprintf("noise: %s: t = %d outside 1..%d", op, t, len(s.alphaBar)-1))
	}
}

// AlphaBar returns ᾱ_t, the signal power at time t, for t in 0..Steps().
// AlphaBar(0) = 1.
func (s *Schedule) AlphaBar(t int) float64 {
	s.checkT("AlphaBar", t)
	return s.alphaBar[t]
}

// Theta returns the angle θ_t in [0, π/2] with cos θ_t = √ᾱ_t and
// sin θ_t = √(1−ᾱ_t), for t in 0..Steps(). Theta(0) = 0.
func (s *Schedule) Theta(t int) float64 {
	s.checkT("Theta", t)
	return math.Atan2(math.Sqrt(s.noiseVar[t]), math.Sqrt(s.alphaBar[t]))
}

// Beta returns β_t, the variance added by forward step t (eq. 33), for t in
// 1..Steps(). It panics for t = 0, which is not a step.
func (s *Schedule) Beta(t int) float64 {
	s.checkStep("Beta", t)
	return s.beta[t]
}

// SignalRate returns √ᾱ_t = cos θ_t, the coefficient of x_0 in x_t, for t in
// 0..Steps().
func (s *Schedule) SignalRate(t int) float64 {
	s.checkT("SignalRate", t)
	return math.Sqrt(s.alphaBar[t])
}

// NoiseRate returns √(1−ᾱ_t) = sin θ_t, the coefficient of ε in x_t, for t in
// 0..Steps().
func (s *Schedule) NoiseRate(t int) float64 {
	s.checkT("NoiseRate", t)
	return math.Sqrt(s.noiseVar[t])
}

// NoiseVariance returns 1 − ᾱ_t, the accumulated noise variance at time t,
// for t in 0..Steps(). It is computed without cancellation, so it keeps full
// relative precision where ᾱ_t is close to 1.
func (s *Schedule) NoiseVariance(t int) float64 {
	s.checkT("NoiseVariance", t)
	return s.noiseVar[t]
}

// SNR returns the signal-to-noise ratio ᾱ_t/(1−ᾱ_t) = cot² θ_t at time t,
// for t in 0..Steps(). SNR(0) = +Inf.
func (s *Schedule) SNR(t int) float64 {
	s.checkT("SNR", t)
	return s.alphaBar[t] / s.noiseVar[t]
}

// LogSNR returns log(ᾱ_t/(1−ᾱ_t)), the natural log of SNR(t), for t in
// 0..Steps(). LogSNR(0) = +Inf.
func (s *Schedule) LogSNR(t int) float64 {
	s.checkT("LogSNR", t)
	return math.Log(s.alphaBar[t]) - math.Log(s.noiseVar[t])
}

// Noisy computes the jump trick (eq. 34/35 of the paper),
//
//	x_t = cos θ_t x_0 + sin θ_t ε = √ᾱ_t x_0 + √(1−ᾱ_t) ε,
//
// stores it in dst and returns dst. ε is the caller's noise: white or cloud
// noise of unit pixel variance, drawn fresh for each sample. By the
// summation law this has the distribution of t forward steps (ForwardStep)
// with fresh noise of the same kind.
//
// Noisy panics if t is outside 0..Steps() or if the shapes of dst, x0 and eps
// differ. If dst is nil a new matrix is allocated. dst may be x0 or eps.
func (s *Schedule) Noisy(dst, x0, eps *mat.Dense, t int) *mat.Dense {
	s.checkT("Noisy", t)
	dst = schedPrepare("Noisy", dst, "x0", x0, "eps", eps)
	schedCombine(dst, math.Sqrt(s.alphaBar[t]), x0, math.Sqrt(s.noiseVar[t]), eps, 0, nil)
	return dst
}

// ForwardStep computes one step of the forward process (eq. 33 of the
// paper),
//
//	x_t = √(1−β_t) x_{t−1} + √β_t ε,
//
// stores it in dst and returns dst. ε is the caller's fresh noise.
//
// ForwardStep panics if t is outside 1..Steps() or if the shapes of dst,
// xPrev and eps differ. If dst is nil a new matrix is allocated. dst may be
// xPrev or eps.
func (s *Schedule) ForwardStep(dst, xPrev, eps *mat.Dense, t int) *mat.Dense {
	s.checkStep("ForwardStep", t)
	dst = schedPrepare("ForwardStep", dst, "xPrev", xPrev, "eps", eps)
	b := s.beta[t]
	schedCombine(dst, math.Sqrt(1-b), xPrev, math.Sqrt(b), eps, 0, nil)
	return dst
}

// PredictX0 inverts the jump trick for x_0 given the (predicted) noise ε̂,
//
//	x̂_0 = (x_t − √(1−ᾱ_t) ε̂)/√ᾱ_t,
//
// stores it in dst and returns dst. With the ε that generated x_t it
// recovers x_0 up to rounding.
//
// PredictX0 panics if t is outside 0..Steps() or if the shapes of dst, xt and
// epsHat differ. If dst is nil a new matrix is allocated. dst may be xt or
// epsHat.
func (s *Schedule) PredictX0(dst, xt, epsHat *mat.Dense, t int) *mat.Dense {
	s.checkT("PredictX0", t)
	dst = schedPrepare("PredictX0", dst, "xt", xt, "epsHat", epsHat)
	sa := math.Sqrt(s.alphaBar[t])
	schedCombine(dst, 1/sa, xt, -math.Sqrt(s.noiseVar[t])/sa, epsHat, 0, nil)
	return dst
}

// PredictEps inverts the jump trick for the noise given the (predicted)
// clean data x̂_0,
//
//	ε̂ = (x_t − √ᾱ_t x̂_0)/√(1−ᾱ_t),
//
// stores it in dst and returns dst.
//
// PredictEps panics if t is outside 0..Steps(), if the schedule has no noise
// at t (1−ᾱ_t = 0, as at t = 0), or if the shapes of dst, xt and x0Hat differ.
// If dst is nil a new matrix is allocated. dst may be xt or x0Hat.
func (s *Schedule) PredictEps(dst, xt, x0Hat *mat.Dense, t int) *mat.Dense {
	s.checkT("PredictEps", t)
	if s.noiseVar[t] == 0 {
		panic(fmt.Sprintf("noise: PredictEps: no noise at t = %d (1−ᾱ_t = 0)", t))
	}
	dst = schedPrepare("PredictEps", dst, "xt", xt, "x0Hat", x0Hat)
	sn := math.Sqrt(s.noiseVar[t])
	schedCombine(dst, 1/sn, xt, -math.Sqrt(s.alphaBar[t])/sn, x0Hat, 0, nil)
	return dst
}

// Velocity computes the v-prediction target of Salimans & Ho (2022),
//
//	v = cos θ_t ε − sin θ_t x_0 = √ᾱ_t ε − √(1−ᾱ_t) x_0,
//
// stores it in dst and returns dst.
//
// Velocity panics if t is outside 0..Steps() or if the shapes of dst, x0 and
// eps differ. If dst is nil a new matrix is allocated. dst may be x0 or eps.
func (s *Schedule) Velocity(dst, x0, eps *mat.Dense, t int) *mat.Dense {
	s.checkT("Velocity", t)
	dst = schedPrepare("Velocity", dst, "x0", x0, "eps", eps)
	schedCombine(dst, -math.Sqrt(s.noiseVar[t]), x0, math.Sqrt(s.alphaBar[t]), eps, 0, nil)
	return dst
}

// PredictX0FromV converts a (predicted) velocity v̂ to the clean data,
//
//	x̂_0 = cos θ_t x_t − sin θ_t v̂,
//
// stores it in dst and returns dst.
//
// PredictX0FromV panics if t is outside 0..Steps() or if the shapes of dst,
// xt and vHat differ. If dst is nil a new matrix is allocated. dst may be xt
// or vHat.
func (s *Schedule) PredictX0FromV(dst, xt, vHat *mat.Dense, t int) *mat.Dense {
	s.checkT("PredictX0FromV", t)
	dst = schedPrepare("PredictX0FromV", dst, "xt", xt, "vHat", vHat)
	schedCombine(dst, math.Sqrt(s.alphaBar[t]), xt, -math.Sqrt(s.noiseVar[t]), vHat, 0, nil)
	return dst
}

// PredictEpsFromV converts a (predicted) velocity v̂ to the noise,
//
//	ε̂ = sin θ_t x_t + cos θ_t v̂,
//
// stores it in dst and returns dst.
//
// PredictEpsFromV panics if t is outside 0..Steps() or if the shapes of dst,
// xt and vHat differ. If dst is nil a new matrix is allocated. dst may be xt
// or vHat.
func (s *Schedule) PredictEpsFromV(dst, xt, vHat *mat.Dense, t int) *mat.Dense {
	s.checkT("PredictEpsFromV", t)
	dst = schedPrepare("PredictEpsFromV", dst, "xt", xt, "vHat", vHat)
	schedCombine(dst, math.Sqrt(s.noiseVar[t]), xt, math.Sqrt(s.alphaBar[t]), vHat, 0, nil)
	return dst
}

// PosteriorCoefficients returns the coefficients of the mean of the DDPM
// forward-process posterior q(x_{t−1} | x_t, x_0) = N(c0 x_0 + ct x_t, β̃_t),
//
//	c0 = √ᾱ_{t−1} β_t/(1−ᾱ_t),  ct = √(1−β_t) (1−ᾱ_{t−1})/(1−ᾱ_t)
//
// (Ho et al. 2020, eq. 7), for t in 1..Steps(). If the schedule adds no noise
// up to t (1−ᾱ_t = 0) the posterior is the point x_{t−1} = x_t and
// PosteriorCoefficients returns (0, 1).
func (s *Schedule) PosteriorCoefficients(t int) (c0, ct float64) {
	s.checkStep("PosteriorCoefficients", t)
	return s.posteriorCoefficients(t)
}

func (s *Schedule) posteriorCoefficients(t int) (c0, ct float64) {
	if s.noiseVar[t] == 0 {
		return 0, 1
	}
	c0 = math.Sqrt(s.alphaBar[t-1]) * s.beta[t] / s.noiseVar[t]
	ct = math.Sqrt(1-s.beta[t]) * s.noiseVar[t-1] / s.noiseVar[t]
	return c0, ct
}

// PosteriorVariance returns β̃_t = β_t (1−ᾱ_{t−1})/(1−ᾱ_t), the variance of
// the DDPM forward-process posterior q(x_{t−1} | x_t, x_0) (Ho et al. 2020,
// eq. 7), for t in 1..Steps(). β̃_1 = 0.
func (s *Schedule) PosteriorVariance(t int) float64 {
	s.checkStep("PosteriorVariance", t)
	return s.posteriorVariance(t)
}

func (s *Schedule) posteriorVariance(t int) float64 {
	if s.noiseVar[t] == 0 {
		return 0
	}
	return s.beta[t] * s.noiseVar[t-1] / s.noiseVar[t]
}

// PosteriorMean computes the mean of the DDPM forward-process posterior
// q(x_{t−1} | x_t, x_0),
//
//	μ̃_t = c0 x̂_0 + ct x_t   (see PosteriorCoefficients),
//
// stores it in dst and returns dst. Callers that clip or threshold x̂_0 do so
// before calling PosteriorMean.
//
// PosteriorMean panics if t is outside 1..Steps() or if the shapes of dst, xt
// and x0Hat differ. If dst is nil a new matrix is allocated. dst may be xt or
// x0Hat.
func (s *Schedule) PosteriorMean(dst, xt, x0Hat *mat.Dense, t int) *mat.Dense {
	s.checkStep("PosteriorMean", t)
	dst = schedPrepare("PosteriorMean", dst, "xt", xt, "x0Hat", x0Hat)
	c0, ct := s.posteriorCoefficients(t)
	schedCombine(dst, ct, xt, c0, x0Hat, 0, nil)
	return dst
}

// DDPMStep computes one ancestral sampling step of DDPM (Ho et al. 2020,
// Algorithm 2) with the caller's noise z,
//
//	x_{t−1} = μ̃_t(x_t, x̂_0) + √β̃_t z,  x̂_0 = PredictX0(x_t, ε̂),
//
// which equals 1/√(1−β_t) (x_t − β_t/√(1−ᾱ_t) ε̂) + √β̃_t z. The variance is
// the posterior variance β̃_t ("fixed small"); x̂_0 is not clipped (use
// PredictX0 and PosteriorMean to clip). For cloud diffusion z is fresh cloud
// noise of unit pixel variance at every step.
//
// z may be nil only where β̃_t = 0 (t = 1); DDPMStep panics if z is nil
// elsewhere, if t is outside 1..Steps() or if the shapes of dst, xt, epsHat
// and z differ. If dst is nil a new matrix is allocated. dst may be xt,
// epsHat or z.
func (s *Schedule) DDPMStep(dst, xt, epsHat, z *mat.Dense, t int) *mat.Dense {
	s.checkStep("DDPMStep", t)
	v := s.posteriorVariance(t)
	if z == nil && v != 0 {
		panic(fmt.Sprintf("noise: DDPMStep: noise is nil but the posterior variance at t = %d is %v", t, v))
	}
	if z != nil {
		dst = schedPrepare("DDPMStep", dst, "xt", xt, "epsHat", epsHat, "z", z)
	} else {
		dst = schedPrepare("DDPMStep", dst, "xt", xt, "epsHat", epsHat)
	}
	c0, ct := s.posteriorCoefficients(t)
	sa := math.Sqrt(s.alphaBar[t])
	// μ̃ = c0 (x_t − √(1−ᾱ_t) ε̂)/√ᾱ_t + ct x_t.
	a := c0/sa + ct
	b := -c0 * math.Sqrt(s.noiseVar[t]) / sa
	schedCombine(dst, a, xt, b, epsHat, math.Sqrt(v), z)
	return dst
}

// DDIMStep computes one step of DDIM (Song, Meng & Ermon 2021, eq. 12) from
// time t to an earlier time prev with the caller's noise z,
//
//	x_prev = √ᾱ_prev x̂_0 + √(1−ᾱ_prev−σ²) ε̂ + σ z,  x̂_0 = PredictX0(x_t, ε̂),
//	σ = η √((1−ᾱ_prev)/(1−ᾱ_t)) √(1−ᾱ_t/ᾱ_prev),
//
// stores it in dst and returns dst. η = 0 is the deterministic DDIM sampler
// and η = 1 has the DDPM posterior variance. prev = 0 gives x̂_0 itself
// (ᾱ_0 = 1), which is how diffusers finishes with set_alpha_to_one.
// Sampling with K < T steps walks t through Timesteps(K, spacing) and then
// prev = 0. For a model that predicts v or x_0, convert its output to ε̂
// first with PredictEpsFromV or PredictEps.
//
// z may be nil only where σ = 0 (η = 0, or prev = 0). DDIMStep panics if z is
// nil elsewhere, if η is outside [0, 1], unless 0 ≤ prev < t ≤ Steps(), or if
// the shapes of dst, xt, epsHat and z differ. If dst is nil a new matrix is
// allocated. dst may be xt, epsHat or z.
func (s *Schedule) DDIMStep(dst, xt, epsHat, z *mat.Dense, t, prev int, eta float64) *mat.Dense {
	s.checkStep("DDIMStep", t)
	if prev < 0 || prev >= t {
		panic(fmt.Sprintf("noise: DDIMStep: prev = %d outside 0..%d (t = %d)", prev, t-1, t))
	}
	if !(eta >= 0 && eta <= 1) {
		panic(fmt.Sprintf("noise: DDIMStep: η = %v outside [0, 1]", eta))
	}
	abT, nvT := s.alphaBar[t], s.noiseVar[t]
	abP, nvP := s.alphaBar[prev], s.noiseVar[prev]
	var sigma2 float64
	if eta != 0 && nvP != 0 {
		// 1 − ᾱ_t/ᾱ_prev = ((1−ᾱ_t) − (1−ᾱ_prev))/ᾱ_prev.
		sigma2 = eta * eta * nvP / nvT * (nvT - nvP) / abP
	}
	if z == nil && sigma2 != 0 {
		panic(fmt.Sprintf("noise: DDIMStep: noise is nil but σ² = %v (η = %v, t = %d, prev = %d)", sigma2, eta, t, prev))
	}
	if z != nil {
		dst = schedPrepare("DDIMStep", dst, "xt", xt, "epsHat", epsHat, "z", z)
	} else {
		dst = schedPrepare("DDIMStep", dst, "xt", xt, "epsHat", epsHat)
	}
	dir := math.Sqrt(math.Max(nvP-sigma2, 0))
	r := math.Sqrt(abP / abT)
	// √ᾱ_prev (x_t − √(1−ᾱ_t) ε̂)/√ᾱ_t + dir ε̂ + σ z.
	schedCombine(dst, r, xt, dir-r*math.Sqrt(nvT), epsHat, math.Sqrt(sigma2), z)
	return dst
}

// Spacing selects how Timesteps places K < T sampling steps among the T
// training steps. The names and formulas are those of diffusers'
// timestep_spacing (Lin et al. 2024, "Common diffusion noise schedules and
// sample steps are flawed", compare them).
type Spacing int

const (
	// Linspace rounds K evenly spaced points from the first to the last step.
	Linspace Spacing = iota
	// Leading takes every ⌊T/K⌋-th step starting from the first; it never
	// reaches the last (noisiest) step.
	Leading
	// Trailing takes steps T/K apart ending at the last (noisiest) step.
	Trailing
)

// String returns "linspace", "leading" or "trailing".
func (sp Spacing) String() string {
	switch sp {
	case Linspace:
		return "linspace"
	case Leading:
		return "leading"
	case Trailing:
		return "trailing"
	}
	return fmt.Sprintf("Spacing(%d)", int(sp))
}

// ParseSpacing returns the Spacing named "linspace", "leading" or
// "trailing" (case-insensitive), or an error.
func ParseSpacing(name string) (Spacing, error) {
	switch strings.ToLower(name) {
	case "linspace":
		return Linspace, nil
	case "leading":
		return Leading, nil
	case "trailing":
		return Trailing, nil
	}
	return 0, fmt.Errorf("noise: unknown timestep spacing %q (want linspace, leading or trailing)", name)
}

// Timesteps returns k distinct times in 1..Steps(), in decreasing (sampling)
// order, for sampling with k steps. With T = Steps() and diffusers' timestep
// τ = t−1, they are exactly those of diffusers' DDIMScheduler.set_timesteps
// with steps_offset 0:
//
//	Linspace: τ_i = round(i (T−1)/(k−1)),  i = k−1, …, 0  (round half to even)
//	Leading:  τ_i = i ⌊T/k⌋,               i = k−1, …, 0
//	Trailing: τ_i = round(T − i T/k) − 1,  i = 0, …, k−1
//
// For T = 1000 and k = 10, Leading gives t = 901, 801, …, 1 and Trailing
// gives t = 1000, 900, …, 100. A sampler steps from each time to the next and
// from the last one to 0 (see DDIMStep).
//
// Timesteps panics if k is outside 1..Steps() or spacing is unknown. A new
// slice is allocated.
func (s *Schedule) Timesteps(k int, spacing Spacing) []int {
	T := s.Steps()
	if k < 1 || k > T {
		panic(fmt.Sprintf("noise: Timesteps: k = %d outside 1..%d", k, T))
	}
	ts := make([]int, k)
	switch spacing {
	case Linspace:
		if k == 1 {
			ts[0] = 1 // numpy.linspace(0, T−1, 1) = [0].
			break
		}
		// numpy.linspace: i*step, last value exact.
		step := float64(T-1) / float64(k-1)
		for i := 0; i < k; i++ {
			tau := math.RoundToEven(float64(i) * step)
			if i == k-1 {
				tau = float64(T - 1)
			}
			ts[k-1-i] = int(tau) + 1
		}
	case Leading:
		r := T / k
		for i := 0; i < k; i++ {
			ts[k-1-i] = i*r + 1
		}
	case Trailing:
		// numpy.arange(T, 0, −T/k) computes T + i*(−T/k).
		r := float64(T) / float64(k)
		for i := 0; i < k; i++ {
			ts[i] = int(math.RoundToEven(float64(T) - float64(i)*r)) // τ+1.
		}
	default:
		panic(fmt.Sprintf("noise: Timesteps: unknown spacing %v", spacing))
	}
	return ts
}

// schedPrepare checks that the operands (name, matrix pairs) are non-nil,
// non-empty and of one shape (panicking with mat.ErrShape otherwise), and
// returns dst ready to receive the result (see prepareDst).
func schedPrepare(op string, dst *mat.Dense, operands ...any) *mat.Dense {
	var r, c int
	for i := 0; i < len(operands); i += 2 {
		name := operands[i].(string)
		m := operands[i+1].(*mat.Dense)
		if m == nil {
			panic(fmt.Sprintf("noise: %s: %s is nil", op, name))
		}
		if m.IsEmpty() {
			panic(fmt.Sprintf("noise: %s: %s is empty", op, name))
		}
		if i == 0 {
			r, c = m.Dims()
			continue
		}
		checkDims(m, r, c)
	}
	return prepareDst(dst, r, c)
}

// schedCombine sets dst = a x + b y + c z elementwise, on raw slices. z may
// be nil, in which case c is ignored. All operands have the shape of dst.
// Each element of dst is written after the elements of x, y and z at the
// same index are read, so dst may share storage exactly with any operand.
func schedCombine(dst *mat.Dense, a float64, x *mat.Dense, b float64, y *mat.Dense, c float64, z *mat.Dense) {
	rows, cols := dst.Dims()
	dr, xr, yr := dst.RawMatrix(), x.RawMatrix(), y.RawMatrix()
	if z == nil {
		for i := 0; i < rows; i++ {
			d := dr.Data[i*dr.Stride : i*dr.Stride+cols]
			xs := xr.Data[i*xr.Stride : i*xr.Stride+cols]
			ys := yr.Data[i*yr.Stride : i*yr.Stride+cols]
			for j := range d {
				d[j] = a*xs[j] + b*ys[j]
			}
		}
		return
	}
	zr := z.RawMatrix()
	for i := 0; i < rows; i++ {
		d := dr.Data[i*dr.Stride : i*dr.Stride+cols]
		xs := xr.Data[i*xr.Stride : i*xr.Stride+cols]
		ys := yr.Data[i*yr.Stride : i*yr.Stride+cols]
		zs := zr.Data[i*zr.Stride : i*zr.Stride+cols]
		for j := range d {
			d[j] = a*xs[j] + b*ys[j] + c*zs[j]
		}
	}
}
