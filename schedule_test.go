package noise

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"
)

// Tolerances.
const (
	schedTestGoldenTol = 1e-12 // relative, against numpy float64 values
	schedTestAlgTol    = 1e-12 // algebraic identities after a few roundings
)

// schedTestRel reports whether got and want agree to a relative tolerance
// (absolute where want is 0).
func schedTestRel(got, want, tol float64) bool {
	return scalar.EqualWithinAbsOrRel(got, want, tol, tol)
}

// schedTestPanics checks that f panics with a string starting "noise: " and
// containing want.
func schedTestPanics(t *testing.T, name string, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic, want one containing %q", name, want)
			return
		}
		msg, ok := r.(string)
		if !ok {
			t.Errorf("%s: panic value %T(%v), want string", name, r, r)
			return
		}
		if !strings.HasPrefix(msg, "noise: ") || !strings.Contains(msg, want) {
			t.Errorf("%s: panic %q, want prefix \"noise: \" and %q", name, msg, want)
		}
	}()
	f()
}

// schedTestField returns a rows×cols matrix with entries from rnd.
func schedTestField(rnd *rand.Rand, rows, cols int) *mat.Dense {
	m := mat.NewDense(rows, cols, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m.Set(i, j, rnd.NormFloat64())
		}
	}
	return m
}

// schedTestView returns a rows×cols view into a larger matrix, so that its
// stride differs from its column count, filled from rnd.
func schedTestView(rnd *rand.Rand, rows, cols int) *mat.Dense {
	big := schedTestField(rnd, rows+2, cols+3)
	return big.Slice(1, rows+1, 2, cols+2).(*mat.Dense)
}

// schedTestCombine is the naive At/Set reference for a x + b y + c z.
func schedTestCombine(a float64, x *mat.Dense, b float64, y *mat.Dense, c float64, z *mat.Dense) *mat.Dense {
	r, cols := x.Dims()
	m := mat.NewDense(r, cols, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < cols; j++ {
			v := a*x.At(i, j) + b*y.At(i, j)
			if z != nil {
				v += c * z.At(i, j)
			}
			m.Set(i, j, v)
		}
	}
	return m
}

// schedTestSchedules are the schedules most tests sweep over.
func schedTestSchedules() map[string]*Schedule {
	return map[string]*Schedule{
		"linear":         LinearSchedule(1000, 1e-4, 0.02),
		"linear10":       LinearSchedule(10, 0.05, 0.3),
		"cosine":         CosineSchedule(1000, 0.008),
		"cosine7":        CosineSchedule(7, 0.008),
		"offsetCosine":   OffsetCosineSchedule(1000, 0.95, 0.02),
		"offsetCosine1":  OffsetCosineSchedule(1, 0.95, 0.02),
		"offsetCosineM1": OffsetCosineSchedule(20, 1, 0.02),
		"shifted":        CosineSchedule(1000, 0.008).Shift(64, 256),
		"oneStep":        LinearSchedule(1, 0.3, 0.3),
	}
}

func TestScheduleLinearGolden(t *testing.T) {
	t.Parallel()
	s := LinearSchedule(1000, 1e-4, 0.02)
	require.Equal(t, 1000, s.Steps())
	// Golden values computed with numpy 1.24 via /usr/bin/python3:
	//  b = np.linspace(1e-4, 0.02, 1000); ab = np.cumprod(1 - b); ab[t-1].
	for _, test := range []struct {
		t    int
		want float64
	}{
		{0, 1},
		{1, 0.9999},
		{2, 0.9997800920720721},
		{10, 0.9981052047858344},
		{500, 0.07858724288177824},
		{999, 4.118193638138445e-05},
		{1000, 4.035829765375676e-05},
	} {
		got := s.AlphaBar(test.t)
		assert.True(t, schedTestRel(got, test.want, schedTestGoldenTol), "t=%d: got %v want %v", test.t, got, test.want)
	}
	assert.Equal(t, 1e-4, s.Beta(1))
	assert.Equal(t, 0.02, s.Beta(1000))
}

// TestScheduleLinearBig checks the whole linear table against an
// independent computation in 256-bit arithmetic: β_t from the exact
// rational formula and ᾱ_t = Π(1−β_i); 1−ᾱ_t is checked to full relative
// precision (it is computed without cancellation).
func TestScheduleLinearBig(t *testing.T) {
	t.Parallel()
	const T = 1000
	s := LinearSchedule(T, 1e-4, 0.02)
	prec := uint(256)
	b0 := new(big.Float).SetPrec(prec).SetFloat64(1e-4)
	b1 := new(big.Float).SetPrec(prec).SetFloat64(0.02)
	ab := new(big.Float).SetPrec(prec).SetInt64(1)
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	for i := 1; i <= T; i++ {
		// β_i = b0 + (b1−b0)(i−1)/(T−1)
		beta := new(big.Float).SetPrec(prec).Sub(b1, b0)
		beta.Mul(beta, new(big.Float).SetPrec(prec).SetInt64(int64(i-1)))
		beta.Quo(beta, new(big.Float).SetPrec(prec).SetInt64(T-1))
		beta.Add(beta, b0)
		ab.Mul(ab, new(big.Float).SetPrec(prec).Sub(one, beta))
		wantAB, _ := ab.Float64()
		wantNV, _ := new(big.Float).SetPrec(prec).Sub(one, ab).Float64()
		wantBeta, _ := beta.Float64()
		if !schedTestRel(s.AlphaBar(i), wantAB, 1e-13) {
			t.Errorf("t=%d: ᾱ = %v, want %v", i, s.AlphaBar(i), wantAB)
		}
		if !schedTestRel(s.NoiseVariance(i), wantNV, 1e-14) {
			t.Errorf("t=%d: 1−ᾱ = %v, want %v", i, s.NoiseVariance(i), wantNV)
		}
		if !schedTestRel(s.Beta(i), wantBeta, 1e-15) {
			t.Errorf("t=%d: β = %v, want %v", i, s.Beta(i), wantBeta)
		}
	}
}

func TestScheduleCosineGolden(t *testing.T) {
	t.Parallel()
	// Golden values computed with numpy via /usr/bin/python3, following
	// improved-diffusion's betas_for_alpha_bar: f(u) = cos((u+s)/(1+s)·π/2)²,
	// β_i = min(1 − f((i+1)/T)/f(i/T), 0.999), ᾱ = np.cumprod(1 − β).
	for _, test := range []struct {
		steps, t int
		want     float64
	}{
		{1000, 1, 0.999958715775178},
		{1000, 250, 0.847012161326905},
		{1000, 500, 0.4938435904406382},
		{1000, 750, 0.14427210238573596},
		{1000, 999, 2.4287669070348544e-06},
		{1000, 1000, 2.4287669070348567e-09},
		{50, 1, 0.9982524864661346},
		{50, 25, 0.4938435904406377},
		{50, 49, 0.0009711930298712562},
		{50, 50, 9.71193029871257e-07},
	} {
		s := CosineSchedule(test.steps, 0.008)
		got := s.AlphaBar(test.t)
		assert.True(t, schedTestRel(got, test.want, schedTestGoldenTol), "T=%d t=%d: got %v want %v", test.steps, test.t, got, test.want)
	}
	s := CosineSchedule(1000, 0.008)
	// β values from the same numpy computation; the last one is capped.
	assert.True(t, schedTestRel(s.Beta(1), 4.128422482196914e-05, 1e-11))
	assert.True(t, schedTestRel(s.Beta(500), 0.0031458862304780677, 1e-12))
	assert.Equal(t, 0.999, s.Beta(1000))

	// Closed form: where no β is capped, ᾱ_t = f(t/T)/f(0) (the product
	// telescopes). For T = 1000 only the last step is capped.
	f := func(u float64) float64 {
		c := math.Cos((u + 0.008) / 1.008 * math.Pi / 2)
		return c * c
	}
	for tt := 0; tt < 1000; tt++ {
		want := f(float64(tt)/1000) / f(0)
		if !schedTestRel(s.AlphaBar(tt), want, 1e-11) {
			t.Errorf("t=%d: ᾱ = %v, closed form %v", tt, s.AlphaBar(tt), want)
		}
	}
}

func TestScheduleOffsetCosine(t *testing.T) {
	t.Parallel()
	const T = 1000
	s := OffsetCosineSchedule(T, 0.95, 0.02)
	// Golden values computed with Python's math via /usr/bin/python3:
	// θ = acos(0.95) + (t−1)/(T−1)·(acos(0.02) − acos(0.95)), ᾱ = cos²θ.
	for _, test := range []struct {
		t         int
		ab, theta float64
	}{
		{1, 0.9025, 0.3175604292915215},
		{2, 0.9017663946132805, 0.31879489832448443},
		{500, 0.35399649983404874, 0.9335604767400324},
		{1000, 0.00039999999999999877, 1.5507949932215062},
	} {
		assert.True(t, schedTestRel(s.AlphaBar(test.t), test.ab, schedTestGoldenTol), "t=%d: ᾱ %v want %v", test.t, s.AlphaBar(test.t), test.ab)
		assert.True(t, schedTestRel(s.Theta(test.t), test.theta, schedTestGoldenTol), "t=%d: θ %v want %v", test.t, s.Theta(test.t), test.theta)
	}
	assert.Equal(t, 1.0, s.AlphaBar(0))
	assert.Equal(t, 0.0, s.Theta(0))
	assert.InDelta(t, 0.95, s.SignalRate(1), 1e-15)
	assert.InDelta(t, 0.02, s.SignalRate(T), 1e-15)
	// θ is linear in t for t ≥ 1: constant differences.
	d := s.Theta(2) - s.Theta(1)
	for tt := 2; tt <= T; tt++ {
		assert.InDelta(t, d, s.Theta(tt)-s.Theta(tt-1), 1e-13, "t=%d", tt)
	}
	// One step goes straight to the noisiest level.
	one := OffsetCosineSchedule(1, 0.95, 0.02)
	assert.InDelta(t, 0.02, one.SignalRate(1), 1e-15)
	// maxSignal = 1: t = 1 adds no noise.
	m1 := OffsetCosineSchedule(5, 1, 0.5)
	assert.Equal(t, 1.0, m1.AlphaBar(1))
	assert.Equal(t, 0.0, m1.Beta(1))
	assert.True(t, math.IsInf(m1.SNR(1), 1))
}

func TestScheduleShift(t *testing.T) {
	t.Parallel()
	s := CosineSchedule(1000, 0.008)
	sh := s.Shift(64, 256)
	// Golden values computed with numpy via /usr/bin/python3 from the numpy
	// cosine table: l = log(ab/(1−ab)) + 2 log(64/256), ᾱ' = 1/(1+exp(−l)).
	for _, test := range []struct {
		t    int
		want float64
	}{
		{1, 0.9993398612026263},
		{500, 0.05747482494295486},
		{1000, 1.5179793203531793e-10},
	} {
		assert.True(t, schedTestRel(sh.AlphaBar(test.t), test.want, 1e-10), "t=%d: got %v want %v", test.t, sh.AlphaBar(test.t), test.want)
	}
	shift := 2 * math.Log(64.0/256)
	for tt := 1; tt <= 1000; tt++ {
		assert.InDelta(t, s.LogSNR(tt)+shift, sh.LogSNR(tt), 1e-9, "t=%d", tt)
	}
	assert.Equal(t, 1.0, sh.AlphaBar(0))
	assert.True(t, math.IsInf(sh.LogSNR(0), 1))
	// No shift at equal resolutions.
	same := s.Shift(128, 128)
	for tt := 0; tt <= 1000; tt++ {
		assert.True(t, schedTestRel(same.AlphaBar(tt), s.AlphaBar(tt), 1e-12), "t=%d", tt)
	}
	// Shifting back undoes a shift.
	back := sh.Shift(256, 64)
	for tt := 0; tt <= 1000; tt++ {
		assert.True(t, schedTestRel(back.AlphaBar(tt), s.AlphaBar(tt), 1e-10), "t=%d", tt)
	}
	// The receiver is not modified.
	assert.Equal(t, CosineSchedule(1000, 0.008).alphaBar, s.alphaBar)
}

// TestScheduleAccessors checks the accessors against each other and the
// definitions, for every schedule kind.
func TestScheduleAccessors(t *testing.T) {
	t.Parallel()
	for name, s := range schedTestSchedules() {
		T := s.Steps()
		assert.Equal(t, 1.0, s.AlphaBar(0), name)
		assert.Equal(t, 0.0, s.NoiseVariance(0), name)
		assert.True(t, math.IsInf(s.SNR(0), 1), name)
		assert.True(t, math.IsInf(s.LogSNR(0), 1), name)
		for tt := 0; tt <= T; tt++ {
			ab := s.AlphaBar(tt)
			require.True(t, ab > 0 && ab <= 1, "%s t=%d: ᾱ = %v", name, tt, ab)
			assert.InDelta(t, 1, ab+s.NoiseVariance(tt), 4e-16*float64(tt+1)+1e-15, "%s t=%d", name, tt)
			c := math.Cos(s.Theta(tt))
			assert.InDelta(t, ab, c*c, 1e-14, "%s t=%d", name, tt)
			assert.InDelta(t, math.Sqrt(ab), s.SignalRate(tt), 1e-15, "%s t=%d", name, tt)
			sr, nr := s.SignalRate(tt), s.NoiseRate(tt)
			assert.InDelta(t, 1, sr*sr+nr*nr, 4e-16*float64(tt+1)+1e-15, "%s t=%d", name, tt)
			assert.InDelta(t, math.Sin(s.Theta(tt)), nr, 1e-14, "%s t=%d", name, tt)
			if tt == 0 {
				continue
			}
			assert.LessOrEqual(t, ab, s.AlphaBar(tt-1), "%s t=%d: not monotone", name, tt)
			// β_t = 1 − ᾱ_t/ᾱ_{t−1}.
			assert.InDelta(t, 1-ab/s.AlphaBar(tt-1), s.Beta(tt), 1e-12, "%s t=%d", name, tt)
			if s.NoiseVariance(tt) > 0 {
				snr := ab / (1 - ab)
				assert.True(t, schedTestRel(s.SNR(tt), snr, 1e-9), "%s t=%d: SNR %v want %v", name, tt, s.SNR(tt), snr)
				assert.InDelta(t, math.Log(s.SNR(tt)), s.LogSNR(tt), 1e-12, "%s t=%d", name, tt)
			}
		}
	}
}

func TestScheduleTables(t *testing.T) {
	t.Parallel()
	// A β table reproduces the linear schedule exactly.
	lin := LinearSchedule(100, 1e-3, 0.05)
	betas := make([]float64, 100)
	for i := range betas {
		betas[i] = lin.Beta(i + 1)
	}
	orig := append([]float64(nil), betas...)
	s, err := NewSchedule(betas)
	require.NoError(t, err)
	assert.Equal(t, lin.alphaBar, s.alphaBar)
	betas[0] = 0.5
	assert.Equal(t, lin.alphaBar, s.alphaBar, "table not copied")
	betas[0] = orig[0]

	// An ᾱ table reproduces the cosine schedule.
	cos := CosineSchedule(50, 0.008)
	abs := make([]float64, 50)
	for i := range abs {
		abs[i] = cos.AlphaBar(i + 1)
	}
	s2, err := NewAlphaBarSchedule(abs)
	require.NoError(t, err)
	for tt := 1; tt <= 50; tt++ {
		assert.Equal(t, cos.AlphaBar(tt), s2.AlphaBar(tt))
		assert.True(t, schedTestRel(s2.Beta(tt), cos.Beta(tt), 1e-12), "t=%d: β %v want %v", tt, s2.Beta(tt), cos.Beta(tt))
	}
}

// TestScheduleBadInput covers every invalid argument listed in issue 6: the
// error-returning constructors return a "noise: " error and the panicking
// ones panic with the same message.
func TestScheduleBadInput(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	halves := make([]float64, 1200) // 0.5^1200 underflows to 0.
	for i := range halves {
		halves[i] = 0.5
	}
	cos := CosineSchedule(100, 0.008)
	for _, test := range []struct {
		name string
		want string
		f    func() (*Schedule, error)
		p    func() // panicking variant, if any
	}{
		{"linear steps 0", "steps = 0", func() (*Schedule, error) { return NewLinearSchedule(0, 1e-4, 0.02) }, func() { LinearSchedule(0, 1e-4, 0.02) }},
		{"linear steps -1", "steps = -1", func() (*Schedule, error) { return NewLinearSchedule(-1, 1e-4, 0.02) }, func() { LinearSchedule(-1, 1e-4, 0.02) }},
		{"linear steps absurd", "exceeds", func() (*Schedule, error) { return NewLinearSchedule(1<<40, 1e-4, 0.02) }, func() { LinearSchedule(1<<40, 1e-4, 0.02) }},
		{"linear β0 0", "β0", func() (*Schedule, error) { return NewLinearSchedule(10, 0, 0.02) }, func() { LinearSchedule(10, 0, 0.02) }},
		{"linear β0 negative", "β0", func() (*Schedule, error) { return NewLinearSchedule(10, -1e-4, 0.02) }, func() { LinearSchedule(10, -1e-4, 0.02) }},
		{"linear β1 1", "β1", func() (*Schedule, error) { return NewLinearSchedule(10, 1e-4, 1) }, func() { LinearSchedule(10, 1e-4, 1) }},
		{"linear β1 >1", "β1", func() (*Schedule, error) { return NewLinearSchedule(10, 1e-4, 1.5) }, func() { LinearSchedule(10, 1e-4, 1.5) }},
		{"linear β NaN", "β0", func() (*Schedule, error) { return NewLinearSchedule(10, nan, 0.02) }, func() { LinearSchedule(10, nan, 0.02) }},
		{"linear β Inf", "β1", func() (*Schedule, error) { return NewLinearSchedule(10, 1e-4, inf) }, func() { LinearSchedule(10, 1e-4, inf) }},
		{"cosine steps 0", "steps = 0", func() (*Schedule, error) { return NewCosineSchedule(0, 0.008) }, func() { CosineSchedule(0, 0.008) }},
		{"cosine s negative", "offset s", func() (*Schedule, error) { return NewCosineSchedule(10, -0.1) }, func() { CosineSchedule(10, -0.1) }},
		{"cosine s NaN", "offset s", func() (*Schedule, error) { return NewCosineSchedule(10, nan) }, func() { CosineSchedule(10, nan) }},
		{"cosine s Inf", "offset s", func() (*Schedule, error) { return NewCosineSchedule(10, inf) }, func() { CosineSchedule(10, inf) }},
		{"offset steps 0", "steps = 0", func() (*Schedule, error) { return NewOffsetCosineSchedule(0, 0.95, 0.02) }, func() { OffsetCosineSchedule(0, 0.95, 0.02) }},
		{"offset max 0", "maxSignal", func() (*Schedule, error) { return NewOffsetCosineSchedule(10, 0, 0.02) }, func() { OffsetCosineSchedule(10, 0, 0.02) }},
		{"offset max >1", "maxSignal", func() (*Schedule, error) { return NewOffsetCosineSchedule(10, 1.01, 0.02) }, func() { OffsetCosineSchedule(10, 1.01, 0.02) }},
		{"offset max NaN", "maxSignal", func() (*Schedule, error) { return NewOffsetCosineSchedule(10, nan, 0.02) }, func() { OffsetCosineSchedule(10, nan, 0.02) }},
		{"offset min 0", "minSignal", func() (*Schedule, error) { return NewOffsetCosineSchedule(10, 0.95, 0) }, func() { OffsetCosineSchedule(10, 0.95, 0) }},
		{"offset min negative", "minSignal", func() (*Schedule, error) { return NewOffsetCosineSchedule(10, 0.95, -0.02) }, func() { OffsetCosineSchedule(10, 0.95, -0.02) }},
		{"offset min >1", "minSignal", func() (*Schedule, error) { return NewOffsetCosineSchedule(10, 0.95, 2) }, func() { OffsetCosineSchedule(10, 0.95, 2) }},
		{"offset not monotone", "not monotone", func() (*Schedule, error) { return NewOffsetCosineSchedule(10, 0.02, 0.95) }, func() { OffsetCosineSchedule(10, 0.02, 0.95) }},
		{"offset equal bounds", "not monotone", func() (*Schedule, error) { return NewOffsetCosineSchedule(10, 0.5, 0.5) }, func() { OffsetCosineSchedule(10, 0.5, 0.5) }},
		{"offset no noise", "no noise", func() (*Schedule, error) { return NewOffsetCosineSchedule(1, 1, 1) }, func() { OffsetCosineSchedule(1, 1, 1) }},
		{"β table empty", "empty", func() (*Schedule, error) { return NewSchedule(nil) }, nil},
		{"β table 0", "β_2 = 0", func() (*Schedule, error) { return NewSchedule([]float64{0.1, 0, 0.2}) }, nil},
		{"β table 1", "β_3 = 1", func() (*Schedule, error) { return NewSchedule([]float64{0.1, 0.2, 1}) }, nil},
		{"β table negative", "β_1 = -0.1", func() (*Schedule, error) { return NewSchedule([]float64{-0.1}) }, nil},
		{"β table NaN", "β_2 = NaN", func() (*Schedule, error) { return NewSchedule([]float64{0.1, nan}) }, nil},
		{"β table Inf", "β_1 = +Inf", func() (*Schedule, error) { return NewSchedule([]float64{inf}) }, nil},
		{"β table underflow", "underflows", func() (*Schedule, error) { return NewSchedule(halves) }, nil},
		{"ᾱ table empty", "empty", func() (*Schedule, error) { return NewAlphaBarSchedule([]float64{}) }, nil},
		{"ᾱ table not monotone", "not strictly decreasing", func() (*Schedule, error) { return NewAlphaBarSchedule([]float64{0.9, 0.5, 0.6}) }, nil},
		{"ᾱ table flat", "not strictly decreasing", func() (*Schedule, error) { return NewAlphaBarSchedule([]float64{0.9, 0.9}) }, nil},
		{"ᾱ table 1", "ᾱ_1 = 1", func() (*Schedule, error) { return NewAlphaBarSchedule([]float64{1, 0.5}) }, nil},
		{"ᾱ table 0", "ᾱ_2 = 0", func() (*Schedule, error) { return NewAlphaBarSchedule([]float64{0.5, 0}) }, nil},
		{"ᾱ table NaN", "ᾱ_1 = NaN", func() (*Schedule, error) { return NewAlphaBarSchedule([]float64{nan}) }, nil},
		{"shift nil", "nil schedule", func() (*Schedule, error) { return NewShiftedSchedule(nil, 64, 128) }, nil},
		{"shift base 0", "base", func() (*Schedule, error) { return NewShiftedSchedule(cos, 0, 128) }, func() { cos.Shift(0, 128) }},
		{"shift base negative", "base", func() (*Schedule, error) { return NewShiftedSchedule(cos, -64, 128) }, func() { cos.Shift(-64, 128) }},
		{"shift base NaN", "base", func() (*Schedule, error) { return NewShiftedSchedule(cos, nan, 128) }, func() { cos.Shift(nan, 128) }},
		{"shift res Inf", "resolution", func() (*Schedule, error) { return NewShiftedSchedule(cos, 64, inf) }, func() { cos.Shift(64, inf) }},
		{"shift res 0", "resolution", func() (*Schedule, error) { return NewShiftedSchedule(cos, 64, 0) }, func() { cos.Shift(64, 0) }},
		{"shift underflow", "underflows", func() (*Schedule, error) { return NewShiftedSchedule(cos, 1, 1e200) }, func() { cos.Shift(1, 1e200) }},
		{"shift underflow 1−ᾱ", "underflows", func() (*Schedule, error) { return NewShiftedSchedule(cos, 1e200, 1) }, func() { cos.Shift(1e200, 1) }},
	} {
		s, err := test.f()
		assert.Nil(t, s, test.name)
		if assert.Error(t, err, test.name) {
			assert.True(t, strings.HasPrefix(err.Error(), "noise: "), "%s: %q lacks the noise: prefix", test.name, err)
			assert.Contains(t, err.Error(), test.want, test.name)
		}
		if test.p != nil {
			schedTestPanics(t, test.name, test.want, test.p)
		}
	}
}

// TestScheduleTimeRange checks that every method panics with a clear message
// for t outside its range.
func TestScheduleTimeRange(t *testing.T) {
	t.Parallel()
	s := LinearSchedule(10, 1e-4, 0.02)
	x := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	y := mat.NewDense(2, 2, []float64{1, 0, 0, 1})
	methods := map[string]func(t int){
		"AlphaBar":        func(t int) { s.AlphaBar(t) },
		"Theta":           func(t int) { s.Theta(t) },
		"SignalRate":      func(t int) { s.SignalRate(t) },
		"NoiseRate":       func(t int) { s.NoiseRate(t) },
		"NoiseVariance":   func(t int) { s.NoiseVariance(t) },
		"SNR":             func(t int) { s.SNR(t) },
		"LogSNR":          func(t int) { s.LogSNR(t) },
		"Noisy":           func(t int) { s.Noisy(nil, x, y, t) },
		"PredictX0":       func(t int) { s.PredictX0(nil, x, y, t) },
		"PredictEps":      func(t int) { s.PredictEps(nil, x, y, t) },
		"Velocity":        func(t int) { s.Velocity(nil, x, y, t) },
		"PredictX0FromV":  func(t int) { s.PredictX0FromV(nil, x, y, t) },
		"PredictEpsFromV": func(t int) { s.PredictEpsFromV(nil, x, y, t) },
	}
	// Methods of a step: t = 0 is also out of range.
	stepMethods := map[string]func(t int){
		"Beta":                  func(t int) { s.Beta(t) },
		"ForwardStep":           func(t int) { s.ForwardStep(nil, x, y, t) },
		"PosteriorCoefficients": func(t int) { s.PosteriorCoefficients(t) },
		"PosteriorVariance":     func(t int) { s.PosteriorVariance(t) },
		"PosteriorMean":         func(t int) { s.PosteriorMean(nil, x, y, t) },
		"DDPMStep":              func(t int) { s.DDPMStep(nil, x, y, y, t) },
		"DDIMStep":              func(t int) { s.DDIMStep(nil, x, y, nil, t, 0, 0) },
	}
	for name, f := range methods {
		schedTestPanics(t, name+"(-1)", "t = -1 outside 0..10", func() { f(-1) })
		schedTestPanics(t, name+"(11)", "t = 11 outside 0..10", func() { f(11) })
		assert.NotPanics(t, func() { f(10) }, name)
		if name != "PredictEps" {
			assert.NotPanics(t, func() { f(0) }, name)
		}
	}
	for name, f := range stepMethods {
		schedTestPanics(t, name+"(0)", "t = 0 outside 1..10", func() { f(0) })
		schedTestPanics(t, name+"(-3)", "t = -3 outside 1..10", func() { f(-3) })
		schedTestPanics(t, name+"(11)", "t = 11 outside 1..10", func() { f(11) })
		assert.NotPanics(t, func() { f(1) }, name)
		assert.NotPanics(t, func() { f(10) }, name)
	}
	schedTestPanics(t, "PredictEps(0)", "no noise at t = 0", func() { s.PredictEps(nil, x, y, 0) })
	schedTestPanics(t, "DDIMStep prev = t", "prev = 5 outside 0..4", func() { s.DDIMStep(nil, x, y, nil, 5, 5, 0) })
	schedTestPanics(t, "DDIMStep prev < 0", "prev = -1 outside 0..4", func() { s.DDIMStep(nil, x, y, nil, 5, -1, 0) })
	schedTestPanics(t, "DDIMStep η < 0", "η = -0.1 outside [0, 1]", func() { s.DDIMStep(nil, x, y, y, 5, 3, -0.1) })
	schedTestPanics(t, "DDIMStep η > 1", "η = 1.5 outside [0, 1]", func() { s.DDIMStep(nil, x, y, y, 5, 3, 1.5) })
	schedTestPanics(t, "DDIMStep η NaN", "η = NaN outside [0, 1]", func() { s.DDIMStep(nil, x, y, y, 5, 3, math.NaN()) })
	schedTestPanics(t, "DDIMStep nil noise", "noise is nil", func() { s.DDIMStep(nil, x, y, nil, 5, 3, 0.5) })
	schedTestPanics(t, "DDPMStep nil noise", "noise is nil", func() { s.DDPMStep(nil, x, y, nil, 2) })
	schedTestPanics(t, "Timesteps k 0", "k = 0 outside 1..10", func() { s.Timesteps(0, Leading) })
	schedTestPanics(t, "Timesteps k 11", "k = 11 outside 1..10", func() { s.Timesteps(11, Trailing) })
	schedTestPanics(t, "Timesteps spacing", "unknown spacing", func() { s.Timesteps(3, Spacing(7)) })
}

// TestScheduleShapes checks shape checking and dst handling of every field
// operation.
func TestScheduleShapes(t *testing.T) {
	t.Parallel()
	s := LinearSchedule(10, 1e-4, 0.02)
	a := mat.NewDense(2, 3, nil)
	b := mat.NewDense(3, 2, nil)
	c := mat.NewDense(2, 3, nil)
	ops := map[string]func(dst, x, y *mat.Dense) *mat.Dense{
		"Noisy":           func(dst, x, y *mat.Dense) *mat.Dense { return s.Noisy(dst, x, y, 3) },
		"ForwardStep":     func(dst, x, y *mat.Dense) *mat.Dense { return s.ForwardStep(dst, x, y, 3) },
		"PredictX0":       func(dst, x, y *mat.Dense) *mat.Dense { return s.PredictX0(dst, x, y, 3) },
		"PredictEps":      func(dst, x, y *mat.Dense) *mat.Dense { return s.PredictEps(dst, x, y, 3) },
		"Velocity":        func(dst, x, y *mat.Dense) *mat.Dense { return s.Velocity(dst, x, y, 3) },
		"PredictX0FromV":  func(dst, x, y *mat.Dense) *mat.Dense { return s.PredictX0FromV(dst, x, y, 3) },
		"PredictEpsFromV": func(dst, x, y *mat.Dense) *mat.Dense { return s.PredictEpsFromV(dst, x, y, 3) },
		"PosteriorMean":   func(dst, x, y *mat.Dense) *mat.Dense { return s.PosteriorMean(dst, x, y, 3) },
		"DDPMStep":        func(dst, x, y *mat.Dense) *mat.Dense { return s.DDPMStep(dst, x, y, c, 3) },
		"DDIMStep":        func(dst, x, y *mat.Dense) *mat.Dense { return s.DDIMStep(dst, x, y, c, 3, 1, 0.5) },
	}
	for name, f := range ops {
		assert.PanicsWithValue(t, mat.ErrShape, func() { f(nil, a, b) }, name+" x/y")
		assert.PanicsWithValue(t, mat.ErrShape, func() { f(mat.NewDense(3, 2, nil), a, c) }, name+" dst")
		schedTestPanics(t, name+" nil x", "is nil", func() { f(nil, nil, a) })
		schedTestPanics(t, name+" nil y", "is nil", func() { f(nil, a, nil) })
		schedTestPanics(t, name+" empty x", "is empty", func() { f(nil, &mat.Dense{}, a) })
		got := f(nil, a, c)
		r, cc := got.Dims()
		assert.Equal(t, [2]int{2, 3}, [2]int{r, cc}, name)
		var empty mat.Dense
		got = f(&empty, a, c)
		assert.Same(t, &empty, got, name)
		r, cc = empty.Dims()
		assert.Equal(t, [2]int{2, 3}, [2]int{r, cc}, name)
	}
	assert.PanicsWithValue(t, mat.ErrShape, func() { s.DDPMStep(nil, a, c, b, 3) }, "DDPMStep z shape")
	assert.PanicsWithValue(t, mat.ErrShape, func() { s.DDIMStep(nil, a, c, b, 3, 1, 0.5) }, "DDIMStep z shape")
}

// TestScheduleFieldOps checks every field operation against the naive
// At/Set formula, over odd, even and rectangular shapes and strided views,
// with dst nil, separate, or aliasing each input, and that inputs are not
// modified.
func TestScheduleFieldOps(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	type op struct {
		name string
		f    func(s *Schedule, dst, x, y, z *mat.Dense, t int) *mat.Dense
		// coef returns the reference coefficients of x, y and z.
		coef  func(s *Schedule, t int) (a, b, c float64)
		first int // first valid t
		z     bool
	}
	sq := math.Sqrt
	ops := []op{
		{"Noisy", func(s *Schedule, dst, x, y, _ *mat.Dense, t int) *mat.Dense { return s.Noisy(dst, x, y, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				return sq(s.AlphaBar(t)), sq(1 - s.AlphaBar(t)), 0
			}, 0, false},
		{"ForwardStep", func(s *Schedule, dst, x, y, _ *mat.Dense, t int) *mat.Dense { return s.ForwardStep(dst, x, y, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				b := 1 - s.AlphaBar(t)/s.AlphaBar(t-1)
				return sq(1 - b), sq(b), 0
			}, 1, false},
		{"PredictX0", func(s *Schedule, dst, x, y, _ *mat.Dense, t int) *mat.Dense { return s.PredictX0(dst, x, y, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				ab := s.AlphaBar(t)
				return 1 / sq(ab), -sq(1-ab) / sq(ab), 0
			}, 0, false},
		{"PredictEps", func(s *Schedule, dst, x, y, _ *mat.Dense, t int) *mat.Dense { return s.PredictEps(dst, x, y, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				ab := s.AlphaBar(t)
				return 1 / sq(1-ab), -sq(ab) / sq(1-ab), 0
			}, 2, false},
		{"Velocity", func(s *Schedule, dst, x, y, _ *mat.Dense, t int) *mat.Dense { return s.Velocity(dst, x, y, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				return -math.Sin(s.Theta(t)), math.Cos(s.Theta(t)), 0
			}, 0, false},
		{"PredictX0FromV", func(s *Schedule, dst, x, y, _ *mat.Dense, t int) *mat.Dense { return s.PredictX0FromV(dst, x, y, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				return math.Cos(s.Theta(t)), -math.Sin(s.Theta(t)), 0
			}, 0, false},
		{"PredictEpsFromV", func(s *Schedule, dst, x, y, _ *mat.Dense, t int) *mat.Dense { return s.PredictEpsFromV(dst, x, y, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				return math.Sin(s.Theta(t)), math.Cos(s.Theta(t)), 0
			}, 0, false},
		{"PosteriorMean", func(s *Schedule, dst, x, y, _ *mat.Dense, t int) *mat.Dense { return s.PosteriorMean(dst, x, y, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				// Ho et al. 2020 eq. 7, with x = x_t and y = x̂_0.
				ab, abp := s.AlphaBar(t), s.AlphaBar(t-1)
				alpha := ab / abp
				return sq(alpha) * (1 - abp) / (1 - ab), sq(abp) * (1 - alpha) / (1 - ab), 0
			}, 2, false},
		{"DDPMStep", func(s *Schedule, dst, x, y, z *mat.Dense, t int) *mat.Dense { return s.DDPMStep(dst, x, y, z, t) },
			func(s *Schedule, t int) (float64, float64, float64) {
				// Ho et al. 2020 Algorithm 2 with σ² = β̃_t.
				ab, abp := s.AlphaBar(t), s.AlphaBar(t-1)
				alpha := ab / abp
				beta := 1 - alpha
				return 1 / sq(alpha), -beta / sq(1-ab) / sq(alpha), sq(beta * (1 - abp) / (1 - ab))
			}, 2, true},
		{"DDIMStep", func(s *Schedule, dst, x, y, z *mat.Dense, t int) *mat.Dense {
			return s.DDIMStep(dst, x, y, z, t, t/2, 0.7)
		},
			func(s *Schedule, t int) (float64, float64, float64) {
				// Song et al. 2021 eq. 12 with η = 0.7 and prev = t/2.
				ab, abp := s.AlphaBar(t), s.AlphaBar(t/2)
				sigma := 0.7 * sq((1-abp)/(1-ab)) * sq(1-ab/abp)
				a := sq(abp) / sq(ab)
				return a, -a*sq(1-ab) + sq(1-abp-sigma*sigma), sigma
			}, 2, true},
	}
	shapes := [][2]int{{1, 1}, {3, 5}, {4, 4}, {7, 2}, {6, 9}}
	s := LinearSchedule(50, 1e-3, 0.1)
	const tol = 1e-12
	for _, o := range ops {
		for _, sh := range shapes {
			for _, tt := range []int{o.first, 3, 25, 50} {
				x := schedTestView(rnd, sh[0], sh[1])
				y := schedTestField(rnd, sh[0], sh[1])
				var z *mat.Dense
				if o.z {
					z = schedTestView(rnd, sh[0], sh[1])
				}
				a, b, c := o.coef(s, tt)
				want := schedTestCombine(a, x, b, y, c, z)
				xc, yc := mat.DenseCopyOf(x), mat.DenseCopyOf(y)
				got := o.f(s, nil, x, y, z, tt)
				name := fmt.Sprintf("%s %v t=%d", o.name, sh, tt)
				assert.True(t, mat.EqualApprox(got, want, tol), "%s: got\n%v\nwant\n%v", name, mat.Formatted(got), mat.Formatted(want))
				assert.True(t, mat.Equal(x, xc) && mat.Equal(y, yc), "%s: input modified", name)

				dst := schedTestView(rnd, sh[0], sh[1])
				assert.Same(t, dst, o.f(s, dst, x, y, z, tt), name)
				assert.True(t, mat.EqualApprox(dst, want, tol), "%s: strided dst", name)

				// dst aliasing each input.
				xa := mat.DenseCopyOf(x)
				o.f(s, xa, xa, y, z, tt)
				assert.True(t, mat.EqualApprox(xa, want, tol), "%s: dst = x", name)
				ya := mat.DenseCopyOf(y)
				o.f(s, ya, x, ya, z, tt)
				assert.True(t, mat.EqualApprox(ya, want, tol), "%s: dst = y", name)
				if z != nil {
					za := mat.DenseCopyOf(z)
					o.f(s, za, x, y, za, tt)
					assert.True(t, mat.EqualApprox(za, want, tol), "%s: dst = z", name)
				}
			}
		}
	}
}

// TestScheduleRoundTrip checks that the conversions invert the jump trick
// exactly (up to rounding), for every schedule kind.
func TestScheduleRoundTrip(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 4))
	for name, s := range schedTestSchedules() {
		T := s.Steps()
		for _, tt := range []int{0, 1, T / 2, T} {
			x0 := schedTestField(rnd, 5, 4)
			eps := schedTestField(rnd, 5, 4)
			xt := s.Noisy(nil, x0, eps, tt)
			// Recovering x0 divides by √ᾱ_t, so the rounding error of x_t
			// grows like 1/√ᾱ_t.
			tol := 1e-13 / s.SignalRate(tt)
			assert.True(t, mat.EqualApprox(s.PredictX0(nil, xt, eps, tt), x0, tol), "%s t=%d: PredictX0", name, tt)
			if s.NoiseVariance(tt) > 0 {
				assert.True(t, mat.EqualApprox(s.PredictEps(nil, xt, x0, tt), eps, 1e-13/s.NoiseRate(tt)), "%s t=%d: PredictEps", name, tt)
			}
			v := s.Velocity(nil, x0, eps, tt)
			assert.True(t, mat.EqualApprox(s.PredictX0FromV(nil, xt, v, tt), x0, 1e-13), "%s t=%d: PredictX0FromV", name, tt)
			assert.True(t, mat.EqualApprox(s.PredictEpsFromV(nil, xt, v, tt), eps, 1e-13), "%s t=%d: PredictEpsFromV", name, tt)
		}
	}
}

// TestSchedulePosterior checks the DDPM posterior against Gaussian
// conditioning done independently: x_{t−1} | x_0 ~ N(√ᾱ_{t−1} x_0, 1−ᾱ_{t−1})
// and x_t = √α_t x_{t−1} + √β_t ε, so
//
//	E[x_{t−1} | x_t, x_0] = √ᾱ_{t−1} x_0 + C/V (x_t − √ᾱ_t x_0),
//	Var[x_{t−1} | x_t, x_0] = (1−ᾱ_{t−1}) − C²/V,
//
// with C = √α_t (1−ᾱ_{t−1}) and V = 1−ᾱ_t.
func TestSchedulePosterior(t *testing.T) {
	t.Parallel()
	for name, s := range schedTestSchedules() {
		for tt := 1; tt <= s.Steps(); tt++ {
			ab, abp := s.AlphaBar(tt), s.AlphaBar(tt-1)
			if ab == 1 {
				c0, ct := s.PosteriorCoefficients(tt)
				assert.Equal(t, [2]float64{0, 1}, [2]float64{c0, ct}, "%s t=%d", name, tt)
				assert.Equal(t, 0.0, s.PosteriorVariance(tt))
				continue
			}
			alpha := ab / abp
			C := math.Sqrt(alpha) * (1 - abp)
			V := 1 - ab
			wantCt := C / V
			wantC0 := math.Sqrt(abp) - wantCt*math.Sqrt(ab)
			wantVar := (1 - abp) - C*C/V
			c0, ct := s.PosteriorCoefficients(tt)
			assert.InDelta(t, wantC0, c0, 1e-9, "%s t=%d: c0", name, tt)
			assert.InDelta(t, wantCt, ct, 1e-9, "%s t=%d: ct", name, tt)
			assert.InDelta(t, wantVar, s.PosteriorVariance(tt), 1e-9, "%s t=%d: variance", name, tt)
		}
		assert.Equal(t, 0.0, s.PosteriorVariance(1), name)
	}
	// DDPMStep at t = 1 may take nil noise: it returns the posterior mean.
	s := LinearSchedule(10, 1e-4, 0.02)
	xt := mat.NewDense(1, 2, []float64{0.5, -1})
	eps := mat.NewDense(1, 2, []float64{0.1, 0.2})
	got := s.DDPMStep(nil, xt, eps, nil, 1)
	want := s.PosteriorMean(nil, xt, s.PredictX0(nil, xt, eps, 1), 1)
	assert.True(t, mat.EqualApprox(got, want, 1e-12))
}

// TestScheduleDDIM checks the DDIM step: η = 0 is deterministic and ignores
// the noise; with the true ε it moves exactly along the jump trick, so a full
// deterministic chain recovers x_0; η = 1 with prev = t−1 is the DDPM step.
func TestScheduleDDIM(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(5, 6))
	for name, s := range schedTestSchedules() {
		T := s.Steps()
		x0 := schedTestField(rnd, 4, 6)
		eps := schedTestField(rnd, 4, 6)
		z := schedTestField(rnd, 4, 6)
		xt := s.Noisy(nil, x0, eps, T)

		a := s.DDIMStep(nil, xt, eps, nil, T, T/2, 0)
		b := s.DDIMStep(nil, xt, eps, nil, T, T/2, 0)
		c := s.DDIMStep(nil, xt, eps, z, T, T/2, 0)
		assert.True(t, mat.Equal(a, b), "%s: η = 0 not deterministic", name)
		assert.True(t, mat.Equal(a, c), "%s: η = 0 used the noise", name)
		assert.True(t, mat.EqualApprox(a, s.Noisy(nil, x0, eps, T/2), 1e-12/s.SignalRate(T)), "%s: η = 0 step left the jump-trick path", name)

		for _, sp := range []Spacing{Linspace, Leading, Trailing} {
			for _, k := range []int{1, 3, T} {
				if k > T {
					continue
				}
				ts := s.Timesteps(k, sp)
				x := s.Noisy(nil, x0, eps, ts[0])
				for i, ti := range ts {
					prev := 0
					if i+1 < len(ts) {
						prev = ts[i+1]
					}
					s.DDIMStep(x, x, eps, nil, ti, prev, 0)
				}
				assert.True(t, mat.EqualApprox(x, x0, 1e-9/s.SignalRate(T)), "%s %v k=%d: chain did not recover x0", name, sp, k)
			}
		}

		// prev = 0 has σ = 0 for any η: nil noise is allowed, the result is x̂_0.
		last := s.DDIMStep(nil, xt, eps, nil, T, 0, 1)
		assert.True(t, mat.EqualApprox(last, x0, 1e-12/s.SignalRate(T)), "%s: η = 1, prev = 0", name)

		for _, tt := range []int{2, T} {
			if tt > T || tt < 2 {
				continue
			}
			xt := s.Noisy(nil, x0, eps, tt)
			ddim := s.DDIMStep(nil, xt, eps, z, tt, tt-1, 1)
			ddpm := s.DDPMStep(nil, xt, eps, z, tt)
			assert.True(t, mat.EqualApprox(ddim, ddpm, 1e-9/s.SignalRate(tt)), "%s t=%d: DDIM η = 1 differs from DDPM", name, tt)
		}
	}
}

func TestScheduleTimesteps(t *testing.T) {
	t.Parallel()
	// Expected values: diffusers' DDIMScheduler.set_timesteps formulas
	// evaluated with numpy via /usr/bin/python3, plus 1 (diffusers' τ is our
	// t−1). For T = 1000, k = 10 these are the documented outputs
	// leading [900 … 0], trailing [999 … 99].
	plus1 := func(v []int) []int {
		w := make([]int, len(v))
		for i := range v {
			w[i] = v[i] + 1
		}
		return w
	}
	for _, test := range []struct {
		T, k                        int
		linspace, leading, trailing []int
	}{
		{1000, 10,
			[]int{999, 888, 777, 666, 555, 444, 333, 222, 111, 0},
			[]int{900, 800, 700, 600, 500, 400, 300, 200, 100, 0},
			[]int{999, 899, 799, 699, 599, 499, 399, 299, 199, 99}},
		{1000, 7,
			[]int{999, 832, 666, 500, 333, 166, 0},
			[]int{852, 710, 568, 426, 284, 142, 0},
			[]int{999, 856, 713, 570, 428, 285, 142}},
		{1000, 3,
			[]int{999, 500, 0},
			[]int{666, 333, 0},
			[]int{999, 666, 332}},
		{10, 4,
			[]int{9, 6, 3, 0},
			[]int{6, 4, 2, 0},
			[]int{9, 7, 4, 1}},
		{10, 1, []int{0}, []int{0}, []int{9}},
	} {
		s := LinearSchedule(test.T, 1e-4, 0.02)
		assert.Equal(t, plus1(test.linspace), s.Timesteps(test.k, Linspace), "T=%d k=%d linspace", test.T, test.k)
		assert.Equal(t, plus1(test.leading), s.Timesteps(test.k, Leading), "T=%d k=%d leading", test.T, test.k)
		assert.Equal(t, plus1(test.trailing), s.Timesteps(test.k, Trailing), "T=%d k=%d trailing", test.T, test.k)
	}
	// k = T: every step, for every spacing.
	s := LinearSchedule(50, 1e-4, 0.02)
	all := make([]int, 50)
	for i := range all {
		all[i] = 50 - i
	}
	for _, sp := range []Spacing{Linspace, Leading, Trailing} {
		assert.Equal(t, all, s.Timesteps(50, sp), sp.String())
	}
}

// TestScheduleTimestepsProperty checks that every spacing gives k distinct,
// decreasing times in 1..T, with trailing ending at T.
func TestScheduleTimestepsProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		T := rapid.IntRange(1, 3000).Draw(rt, "T")
		k := rapid.IntRange(1, T).Draw(rt, "k")
		sp := rapid.SampledFrom([]Spacing{Linspace, Leading, Trailing}).Draw(rt, "spacing")
		s := &Schedule{alphaBar: make([]float64, T+1)} // only Steps is used
		ts := s.Timesteps(k, sp)
		if len(ts) != k {
			rt.Fatalf("len %d, want %d", len(ts), k)
		}
		for i, v := range ts {
			if v < 1 || v > T {
				rt.Fatalf("ts[%d] = %d outside 1..%d", i, v, T)
			}
			if i > 0 && v >= ts[i-1] {
				rt.Fatalf("not strictly decreasing at %d: %v", i, ts)
			}
		}
		if sp == Trailing && ts[0] != T || sp == Linspace && k > 1 && ts[0] != T {
			rt.Fatalf("%v starts at %d, want T = %d", sp, ts[0], T)
		}
		if sp != Trailing && ts[k-1] != 1 {
			rt.Fatalf("%v ends at %d, want 1", sp, ts[k-1])
		}
	})
}

func TestScheduleSpacingNames(t *testing.T) {
	t.Parallel()
	for _, sp := range []Spacing{Linspace, Leading, Trailing} {
		got, err := ParseSpacing(strings.ToUpper(sp.String()))
		require.NoError(t, err)
		assert.Equal(t, sp, got)
	}
	_, err := ParseSpacing("karras")
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "noise: "))
	assert.Equal(t, "Spacing(9)", Spacing(9).String())
}

// TestScheduleForwardIdentity is the exact algebraic form of the summation
// law: running ForwardStep t times from x_0 with a fresh, orthogonal noise
// direction at every step gives the coefficient Π√(1−β_i) = √ᾱ_t on x_0 and
// the accumulated noise variance Σ_i β_i Π_{j>i}(1−β_j) = 1−ᾱ_t, for random
// β tables. The field is 1×(T+1): entry 0 carries x_0 and entry i the noise
// of step i, so the noise variance is the sum of squares of entries 1..t.
func TestScheduleForwardIdentity(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		T := rapid.IntRange(1, 60).Draw(rt, "T")
		betas := rapid.SliceOfN(rapid.Float64Range(1e-6, 0.999), T, T).Draw(rt, "betas")
		s, err := NewSchedule(betas)
		if err != nil {
			rt.Fatalf("NewSchedule: %v", err)
		}
		x := mat.NewDense(1, T+1, nil)
		x.Set(0, 0, 1)
		eps := mat.NewDense(1, T+1, nil)
		prod := 1.0
		for tt := 1; tt <= T; tt++ {
			eps.Zero()
			eps.Set(0, tt, 1)
			s.ForwardStep(x, x, eps, tt)
			prod *= 1 - betas[tt-1]
			var v float64
			for i := 1; i <= tt; i++ {
				v += x.At(0, i) * x.At(0, i)
			}
			if !schedTestRel(x.At(0, 0), s.SignalRate(tt), schedTestAlgTol) {
				rt.Fatalf("t=%d: signal coefficient %v, √ᾱ = %v", tt, x.At(0, 0), s.SignalRate(tt))
			}
			if !schedTestRel(v, s.NoiseVariance(tt), schedTestAlgTol) {
				rt.Fatalf("t=%d: noise variance %v, 1−ᾱ = %v", tt, v, s.NoiseVariance(tt))
			}
			if !schedTestRel(prod, s.AlphaBar(tt), schedTestAlgTol) {
				rt.Fatalf("t=%d: Π(1−β) = %v, ᾱ = %v", tt, prod, s.AlphaBar(tt))
			}
		}
	})
}

func BenchmarkScheduleNoisy(b *testing.B) {
	s := LinearSchedule(1000, 1e-4, 0.02)
	for _, n := range []int{64, 256} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rnd := rand.New(rand.NewPCG(1, 1))
			x0 := schedTestField(rnd, n, n)
			eps := schedTestField(rnd, n, n)
			dst := mat.NewDense(n, n, nil)
			b.ReportAllocs()
			b.SetBytes(int64(8 * n * n))
			for b.Loop() {
				s.Noisy(dst, x0, eps, 500)
			}
		})
	}
}

func BenchmarkScheduleDDIMStep(b *testing.B) {
	s := LinearSchedule(1000, 1e-4, 0.02)
	for _, n := range []int{64, 256} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rnd := rand.New(rand.NewPCG(1, 1))
			xt := schedTestField(rnd, n, n)
			eps := schedTestField(rnd, n, n)
			z := schedTestField(rnd, n, n)
			b.ReportAllocs()
			b.SetBytes(int64(8 * n * n))
			for b.Loop() {
				s.DDIMStep(xt, xt, eps, z, 500, 400, 0.5)
			}
		})
	}
}

// TestScheduleNoAllocs checks that field operations with a dst allocate
// nothing.
func TestScheduleNoAllocs(t *testing.T) {
	s := LinearSchedule(1000, 1e-4, 0.02)
	rnd := rand.New(rand.NewPCG(1, 1))
	x := schedTestField(rnd, 16, 16)
	y := schedTestField(rnd, 16, 16)
	z := schedTestField(rnd, 16, 16)
	dst := mat.NewDense(16, 16, nil)
	for name, f := range map[string]func(){
		"Noisy":    func() { s.Noisy(dst, x, y, 500) },
		"DDPMStep": func() { s.DDPMStep(dst, x, y, z, 500) },
		"DDIMStep": func() { s.DDIMStep(dst, x, y, z, 500, 400, 0.5) },
	} {
		assert.Equal(t, 0.0, testing.AllocsPerRun(20, f), name)
	}
}

// schedTestMoments accumulates the mean and standard error of a statistic
// over independent replicates.
type schedTestMoments struct {
	n         int
	sum, sum2 float64
}

func (m *schedTestMoments) add(v float64) { m.n++; m.sum += v; m.sum2 += v * v }
func (m *schedTestMoments) mean() float64 { return m.sum / float64(m.n) }

// se is the standard error of the mean: the sample standard deviation over
// √n.
func (m *schedTestMoments) se() float64 {
	n := float64(m.n)
	v := (m.sum2 - m.sum*m.sum/n) / (n - 1)
	return math.Sqrt(math.Max(v, 0) / n)
}

// schedTestResidualStats returns three statistics of the normalised
// residual r = (x − √ᾱ x0)/√(1−ᾱ) of one replicate: its projection on x0,
// Σ r x0 / ‖x0‖ (mean 0; a wrong signal coefficient shifts it by a multiple
// of ‖x0‖), its mean square (mean: the pixel variance of the noise) and its
// mean horizontal lag-1 product (mean: the lag-1 covariance of the noise).
func schedTestResidualStats(x, x0 *mat.Dense, sr, nr float64) [3]float64 {
	rows, cols := x.Dims()
	r := mat.NewDense(rows, cols, nil)
	var proj, norm2, m2, c1 float64
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v := (x.At(i, j) - sr*x0.At(i, j)) / nr
			r.Set(i, j, v)
			proj += v * x0.At(i, j)
			norm2 += x0.At(i, j) * x0.At(i, j)
			m2 += v * v
		}
	}
	for i := 0; i < rows; i++ {
		for j := 0; j+1 < cols; j++ {
			c1 += r.At(i, j) * r.At(i, j+1)
		}
	}
	return [3]float64{proj / math.Sqrt(norm2), m2 / float64(rows*cols), c1 / float64(rows*(cols-1))}
}

// schedTestSummation runs n replicates of t forward steps with fresh noise
// from the sampler and n replicates of one jump with one noise field, and
// checks the statistics of the two against each other and against the
// sampler's closed forms (mean projection 0, pixel variance 1, lag-1
// covariance Sampler.Covariance(0, 1)). A difference fails when it exceeds
// k standard errors, the standard error of a difference of independent
// means being √(se_a² + se_b²).
func schedTestSummation(s *Schedule, smp *Sampler, x0 *mat.Dense, t, n int, k float64) error {
	rows, cols := x0.Dims()
	sr, nr := s.SignalRate(t), s.NoiseRate(t)
	var multi, jump [3]schedTestMoments
	x := mat.NewDense(rows, cols, nil)
	eps := mat.NewDense(rows, cols, nil)
	for rep := 0; rep < n; rep++ {
		x.Copy(x0)
		for step := 1; step <= t; step++ {
			s.ForwardStep(x, x, smp.Sample(eps), step)
		}
		st := schedTestResidualStats(x, x0, sr, nr)
		for i := range st {
			multi[i].add(st[i])
		}
		s.Noisy(x, x0, smp.Sample(eps), t)
		st = schedTestResidualStats(x, x0, sr, nr)
		for i := range st {
			jump[i].add(st[i])
		}
	}
	names := [3]string{"projection on x0", "pixel variance", "lag-1 covariance"}
	want := [3]float64{0, 1, smp.Covariance(0, 1)}
	for i := range names {
		a, b := multi[i], jump[i]
		if d, se := a.mean()-b.mean(), math.Hypot(a.se(), b.se()); math.Abs(d) > k*se {
			return fmt.Errorf("%s: %d steps %v ± %v, one jump %v ± %v: difference %v > %v·%v",
				names[i], t, a.mean(), a.se(), b.mean(), b.se(), d, k, se)
		}
		for _, m := range []schedTestMoments{a, b} {
			if d := m.mean() - want[i]; math.Abs(d) > k*m.se() {
				return fmt.Errorf("%s: %v ± %v, closed form %v", names[i], m.mean(), m.se(), want[i])
			}
		}
	}
	return nil
}

// TestScheduleSummationLaw checks statistically, with cloud-noise fields
// from the Sampler, that t forward steps with fresh noise (eq. 33) have the
// distribution of one jump (eq. 34/35) — the summation law — for one fixed,
// well-sampled case. Seeds are fixed, so the outcome is deterministic; the
// tolerance of 4.5 standard errors would be crossed by chance with
// probability below 1e-5 per statistic for a correct implementation, while
// a wrong coefficient (√β for β, ᾱ_{t−1} for ᾱ_t) moves the statistics by
// tens of standard errors.
func TestScheduleSummationLaw(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("statistical test")
	}
	s := LinearSchedule(12, 0.01, 0.2)
	for _, delta := range []float64{0, 1.5} {
		smp, err := NewSampler(Spec{Rows: 12, Cols: 10, Delta: delta}, rand.NewPCG(1, 2))
		require.NoError(t, err)
		x0 := schedTestField(rand.New(rand.NewPCG(3, 4)), 12, 10)
		x0.Scale(2, x0)
		for _, tt := range []int{3, 12} {
			err := schedTestSummation(s, smp, x0, tt, 2000, 4.5)
			assert.NoError(t, err, "Δ=%v t=%d", delta, tt)
		}
	}
}

// TestScheduleSummationLawProperty is the rapid property version over
// random shapes, Δ, schedules and times. rapid draws different parameters on
// each run, so the tolerance is 6 standard errors: a chance failure has
// probability about 1e-6 per run of 100 checks, and a coefficient error
// still moves the statistics far beyond it.
func TestScheduleSummationLawProperty(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("statistical test")
	}
	rapid.Check(t, func(rt *rapid.T) {
		rows := rapid.IntRange(3, 10).Draw(rt, "rows")
		cols := rapid.IntRange(3, 10).Draw(rt, "cols")
		delta := rapid.SampledFrom([]float64{0, 1, 1.5, 2}).Draw(rt, "delta")
		T := rapid.IntRange(2, 8).Draw(rt, "T")
		var s *Schedule
		switch rapid.IntRange(0, 2).Draw(rt, "kind") {
		case 0:
			b0 := rapid.Float64Range(1e-3, 0.2).Draw(rt, "beta0")
			b1 := rapid.Float64Range(b0, 0.5).Draw(rt, "beta1")
			s = LinearSchedule(T, b0, b1)
		case 1:
			s = CosineSchedule(T, 0.008)
		default:
			s = OffsetCosineSchedule(T, 0.95, 0.02)
		}
		tt := rapid.IntRange(2, T).Draw(rt, "t")
		smp, err := NewSampler(Spec{Rows: rows, Cols: cols, Delta: delta}, rand.NewPCG(11, 12))
		if err != nil {
			rt.Fatalf("NewSampler: %v", err)
		}
		x0 := schedTestField(rand.New(rand.NewPCG(13, 14)), rows, cols)
		if err := schedTestSummation(s, smp, x0, tt, 400, 6); err != nil {
			rt.Fatal(err)
		}
	})
}
