package noise_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/eval"
	"github.com/cloud-diffusion/noise/imageio"
)

// TestNilArguments checks issue 15 item 8 for package noise: every exported
// function and method, called with nil and empty arguments, returns (with
// or without an error) or panics with a documented panic: a "noise: "
// message or mat.ErrShape. A runtime panic (nil dereference, index out of
// range, division by zero) is a defect. See callWithNilArgs for the
// argument variants. The list of functions is checked against the source,
// so a new exported function or type must be added here.
func TestNilArguments(t *testing.T) {
	t.Chdir(t.TempDir()) // some functions take paths
	funcs := map[string]any{
		"NewCovarianceColumns":    noise.NewCovarianceColumns,
		"NewFourierColumns":       noise.NewFourierColumns,
		"CovarianceMatrix":        noise.CovarianceMatrix,
		"FourierCovarianceMatrix": noise.FourierCovarianceMatrix,
		"NewChannelCovariance":    noise.NewChannelCovariance,
		"WhiteDensity":            noise.WhiteDensity,
		"RadialDensity":           noise.RadialDensity,
		"TabulatedDensity":        noise.TabulatedDensity,
		"MeasuredDensity":         noise.MeasuredDensity,
		"UnitAmplitude":           noise.UnitAmplitude,
		"DistanceTable":           noise.DistanceTable,
		"Involution":              noise.Involution,
		"PartAt":                  noise.PartAt,
		"Packing":                 noise.Packing,
		"SelfConjugates":          noise.SelfConjugates,
		"NewMetric":               noise.NewMetric,
		"NewCovarianceMetric":     noise.NewCovarianceMetric,
		"NewSampler":              noise.NewSampler,
		"Fill":                    noise.Fill[float64],
		"Fill[float32]":           noise.Fill[float32],
		"Cloud":                   noise.Cloud,
		"Pink":                    noise.Pink,
		"Red":                     noise.Red,
		"White":                   noise.White,
		"FitPowerLaw":             noise.FitPowerLaw,
		"FitPowerLawJackknife":    noise.FitPowerLawJackknife,
		"ParseStandardization":    noise.ParseStandardization,
		"FitImages":               noise.FitImages,
		"RadialProfile":           noise.RadialProfile,
		"RadialPower":             noise.RadialPower,
		"NewRealFFT":              noise.NewRealFFT,
		"RealFFT2":                noise.RealFFT2,
		"InverseRealFFT2":         noise.InverseRealFFT2,
		"Wavenumbers":             noise.Wavenumbers,
		"LinearSchedule":          noise.LinearSchedule,
		"NewLinearSchedule":       noise.NewLinearSchedule,
		"CosineSchedule":          noise.CosineSchedule,
		"NewCosineSchedule":       noise.NewCosineSchedule,
		"OffsetCosineSchedule":    noise.OffsetCosineSchedule,
		"NewOffsetCosineSchedule": noise.NewOffsetCosineSchedule,
		"NewSchedule":             noise.NewSchedule,
		"NewAlphaBarSchedule":     noise.NewAlphaBarSchedule,
		"NewShiftedSchedule":      noise.NewShiftedSchedule,
		"ParseSpacing":            noise.ParseSpacing,
		"SpectralWeights":         noise.SpectralWeights,
		"NewSpectralLoss":         noise.NewSpectralLoss,
		"SpectralTest":            noise.SpectralTest,
		"NewSpectrum":             noise.NewSpectrum,
		"NewSpectrumOptions":      noise.NewSpectrumOptions,
	}
	src := func() rand.Source { return rand.NewPCG(1, 2) }
	must := func(v any, err error) any {
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	img := func() *mat.Dense { return noise.White(4) }
	// Receivers: a valid value of every exported type with methods.
	recvs := map[string]func() any{
		"FitMethod":         func() any { return noise.FitOLS },
		"LeafShape":         func() any { return noise.DeadLeaves{}.Shape },
		"Spacing":           func() any { return noise.Spacing(0) },
		"Standardization":   func() any { return noise.Standardization(0) },
		"Part":              func() any { return noise.PartAt(4, 4, 0, 0) },
		"Estimate":          func() any { return noise.Estimate{} },
		"Spec":              func() any { return noise.Spec{Rows: 4, Cols: 4, Delta: 1.5} },
		"PowerLaw":          func() any { return noise.PowerLaw{Delta: 1.5, A: 1} },
		"DeadLeaves":        func() any { return noise.DeadLeaves{Rows: 4, Cols: 4} },
		"Table":             func() any { return &noise.Table{} },
		"Density":           func() any { return noise.WhiteDensity() },
		"CovarianceColumns": func() any { return must(noise.NewCovarianceColumns(4, 4, [][2]int{{0, 0}})) },
		"FourierColumns":    func() any { return must(noise.NewFourierColumns(4, 4, [][2]int{{1, 1}})) },
		"ChannelCovariance": func() any {
			return must(noise.NewChannelCovariance([][3]*mat.Dense{{img(), img(), img()}, {img(), img(), img()}}))
		},
		"Sampler":          func() any { return must(noise.NewSampler(noise.Spec{Rows: 4, Cols: 4, Delta: 1.5}, src())) },
		"RealFFT":          func() any { return must(noise.NewRealFFT(4, 4)) },
		"Schedule":         func() any { return noise.CosineSchedule(10, 0.008) },
		"SpectralLoss":     func() any { return must(noise.NewSpectralLoss(4, 4, 1.5)) },
		"Spectrum":         func() any { return noise.NewSpectrum(4, 4) },
		"CovarianceMetric": func() any { return must(noise.NewCovarianceMetric(mat.NewSymDense(2, []float64{1, 0, 0, 1}))) },
		"Metric":           func() any { return must(noise.NewMetric(4, 4, 1.5, 1)) },
	}
	checkNilArguments(t, ".", "noise: ", funcs, recvs)
}

// TestNilArgumentsImageio is TestNilArguments for package imageio (its
// panics and errors carry "imageio: ").
func TestNilArgumentsImageio(t *testing.T) {
	t.Chdir(t.TempDir()) // the functions take paths
	funcs := map[string]any{
		"Decode":         imageio.Decode,
		"DecodeRGB":      imageio.DecodeRGB,
		"Load":           imageio.Load,
		"LoadRGB":        imageio.LoadRGB,
		"DecodeConfig":   imageio.DecodeConfig,
		"IsImageFile":    imageio.IsImageFile,
		"IsNPYFile":      imageio.IsNPYFile,
		"LoadDir":        imageio.LoadDir,
		"LoadPaths":      imageio.LoadPaths,
		"EncodePNG":      imageio.EncodePNG,
		"SavePNG":        imageio.SavePNG,
		"LoadNPY":        imageio.LoadNPY,
		"ReadNPY":        imageio.ReadNPY,
		"WriteNPY":       imageio.WriteNPY,
		"WriteNPYMatrix": imageio.WriteNPYMatrix,
		"SaveNPY":        imageio.SaveNPY,
	}
	checkNilArguments(t, "imageio", "imageio: ", funcs, nil)
	// The cases of the issue, with a path that could be written.
	img := noise.White(4)
	for _, f := range []func() error{
		func() error { return imageio.SaveNPY("x.npy", []*mat.Dense{nil}) },
		func() error { return imageio.SaveNPY("x.npy", []*mat.Dense{img, nil}) },
		func() error { return imageio.WriteNPY(io.Discard, []*mat.Dense{img, {}}) },
		func() error { return imageio.SavePNG("x.png", nil, 0, 1, 8) },
		func() error { _, err := imageio.Decode(nil, nil); return err },
	} {
		if msg := callRecover(reflect.ValueOf(f), nil, "imageio: "); msg != "" {
			t.Error(msg)
		} else if err := f(); err == nil || !strings.HasPrefix(err.Error(), "imageio: ") {
			t.Errorf("want an imageio: error, got %v", err)
		}
	}
}

// checkNilArguments checks that funcs holds every exported function of the
// package in dir and recvs every exported type with exported methods, then
// calls each function and each method with nil and empty arguments (see
// callWithNilArgs). A panic must be a string with the package's prefix or
// an error (mat.ErrShape, or one whose message has the prefix).
func checkNilArguments(t *testing.T, dir, prefix string, funcs map[string]any, recvs map[string]func() any) {
	t.Helper()
	fns, types := exportedFuncs(t, dir)
	for _, name := range fns {
		if _, ok := funcs[name]; !ok {
			t.Errorf("%s is not in the table: add it", name)
		}
	}
	for _, name := range types {
		if _, ok := recvs[name]; !ok {
			t.Errorf("type %s has exported methods but no receiver in the table: add one", name)
		}
	}
	names := make([]string, 0, len(funcs))
	for name := range funcs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		callWithNilArgs(t, name, prefix, func() reflect.Value { return reflect.ValueOf(funcs[name]) })
	}
	tnames := make([]string, 0, len(recvs))
	for name := range recvs {
		tnames = append(tnames, name)
	}
	sort.Strings(tnames)
	for _, tn := range tnames {
		typ := reflect.TypeOf(recvs[tn]())
		for i := range typ.NumMethod() {
			m := typ.Method(i).Name
			callWithNilArgs(t, tn+"."+m, prefix, func() reflect.Value { return reflect.ValueOf(recvs[tn]()).Method(i) })
		}
	}
}

// callWithNilArgs calls the function fn() (a fresh one for each call) with
// three argument variants: every argument the zero value (nil pointers,
// slices, maps, functions and interfaces; 0; ""); every argument empty
// (empty non-nil slices, pointers to zero structs, an empty *mat.Dense for
// a mat.Matrix, empty readers and discarding writers); and slices of
// pointers holding one nil, with typed nil *mat.Dense for interfaces.
func callWithNilArgs(t *testing.T, name, prefix string, fn func() reflect.Value) {
	t.Helper()
	denseType := reflect.TypeOf((*mat.Dense)(nil))
	for variant, arg := range []func(reflect.Type) reflect.Value{
		reflect.Zero,
		func(typ reflect.Type) reflect.Value {
			switch {
			case typ.Kind() == reflect.Slice:
				return reflect.MakeSlice(typ, 0, 0)
			case typ.Kind() == reflect.Pointer && typ.Elem().Kind() == reflect.Struct && typ != denseType:
				return reflect.New(typ.Elem())
			case typ == denseType || typ.Kind() == reflect.Interface && denseType.Implements(typ):
				return reflect.ValueOf(&mat.Dense{}).Convert(typ)
			case typ == reflect.TypeFor[io.Reader]():
				return reflect.ValueOf(strings.NewReader("")).Convert(typ)
			case typ == reflect.TypeFor[io.Writer]():
				return reflect.ValueOf(io.Discard).Convert(typ)
			}
			return reflect.Zero(typ)
		},
		func(typ reflect.Type) reflect.Value {
			switch {
			case typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.Pointer:
				return reflect.MakeSlice(typ, 1, 1)
			case typ.Kind() == reflect.Interface && denseType.Implements(typ):
				return reflect.Zero(denseType).Convert(typ)
			}
			return reflect.Zero(typ)
		},
	} {
		f := fn()
		ft := f.Type()
		args := make([]reflect.Value, ft.NumIn())
		for i := range args {
			in := ft.In(i)
			if ft.IsVariadic() && i == ft.NumIn()-1 {
				in = in.Elem()
			}
			args[i] = arg(in)
		}
		if ft.IsVariadic() {
			args = args[:len(args)-1]
		}
		if msg := callRecover(f, args, prefix); msg != "" {
			t.Errorf("%s, variant %d: %s", name, variant, msg)
		}
	}
}

// callRecover calls f and returns "" or a description of an undocumented
// panic.
func callRecover(f reflect.Value, args []reflect.Value, prefix string) (msg string) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		switch v := r.(type) {
		case runtime.Error:
			msg = fmt.Sprintf("runtime panic: %v", v)
		case string:
			if !strings.HasPrefix(v, prefix) {
				msg = fmt.Sprintf("panic without the %q prefix: %q", prefix, v)
			}
		case error:
			if !errors.Is(v, mat.ErrShape) && !strings.HasPrefix(v.Error(), prefix) {
				msg = fmt.Sprintf("panic with an undocumented error: %v", v)
			}
		default:
			msg = fmt.Sprintf("panic with %T %v", r, r)
		}
	}()
	f.Call(args)
	return ""
}

// exportedFuncs returns the exported top-level functions declared in the
// non-test Go files of dir, and the exported types with exported methods.
func exportedFuncs(t *testing.T, dir string) (funcs, types []string) {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, path := range matches {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() {
				continue
			}
			if fd.Recv == nil {
				funcs = append(funcs, fd.Name.Name)
				continue
			}
			typ := fd.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			if id, ok := typ.(*ast.Ident); ok && id.IsExported() && !seen[id.Name] {
				seen[id.Name] = true
				types = append(types, id.Name)
			}
		}
	}
	return funcs, types
}

// TestNilArgumentsEval is TestNilArguments for package eval ("eval: ").
func TestNilArgumentsEval(t *testing.T) {
	funcs := map[string]any{
		"DefaultBandEdges": eval.DefaultBandEdges,
		"Bands":            eval.Bands,
		"BandErrors":       eval.BandErrors,
		"SettleTimes":      eval.SettleTimes,
		"NearestCheck":     eval.NearestCheck,
		"NewNearestIndex":  eval.NewNearestIndex,
		"PixelWasserstein": eval.PixelWasserstein,
		"PixelTV":          eval.PixelTV,
		"LogSpectralError": eval.LogSpectralError,
		"SpectralFrechet":  eval.SpectralFrechet,
	}
	recvs := map[string]func() any{
		"NearestIndex": func() any {
			ix, err := eval.NewNearestIndex([]*mat.Dense{noise.White(4), noise.White(4)})
			if err != nil {
				t.Fatal(err)
			}
			return ix
		},
	}
	checkNilArguments(t, "eval", "eval: ", funcs, recvs)
}

// TestNilArgumentsDiffusion is TestNilArguments for package diffusion
// ("diffusion: "), its functions and the methods of its types.
func TestNilArgumentsDiffusion(t *testing.T) {
	t.Chdir(t.TempDir()) // some functions take paths
	funcs := map[string]any{
		"ReadCheckpoint":           diffusion.ReadCheckpoint,
		"DecodeCheckpoint":         diffusion.DecodeCheckpoint,
		"Resume":                   diffusion.Resume,
		"ResumeFrom":               diffusion.ResumeFrom,
		"NewGaussianDenoiser":      diffusion.NewGaussianDenoiser,
		"PixelVariance":            diffusion.PixelVariance,
		"BorderRatios":             diffusion.BorderRatios,
		"MeasureX0Error":           diffusion.MeasureX0Error,
		"PixelInformation":         diffusion.PixelInformation,
		"NoiseCovariance":          diffusion.NoiseCovariance,
		"StationaryCovariance":     diffusion.StationaryCovariance,
		"NewGaussianMixture":       diffusion.NewGaussianMixture,
		"NewMixtureDenoiser":       diffusion.NewMixtureDenoiser,
		"ParseNoiseKind":           diffusion.ParseNoiseKind,
		"ResolveNoise":             diffusion.ResolveNoise,
		"NoiseName":                diffusion.NoiseName,
		"ParseNormKind":            diffusion.ParseNormKind,
		"FitNormalizer":            diffusion.FitNormalizer,
		"IdentityNormalizer":       diffusion.IdentityNormalizer,
		"ParseTarget":              diffusion.ParseTarget,
		"ParseMethod":              diffusion.ParseMethod,
		"NewSampler":               diffusion.NewSampler,
		"NewSamplerFromCheckpoint": diffusion.NewSamplerFromCheckpoint,
		"LoadSampler":              diffusion.LoadSampler,
		"NewGaussianTheory":        diffusion.NewGaussianTheory,
		"LogSpectralDistance":      diffusion.LogSpectralDistance,
		"NewTrainer":               diffusion.NewTrainer,
		"ParseScheduleKind":        diffusion.ParseScheduleKind,
		"ParseDecay":               diffusion.ParseDecay,
		"ParseLoss":                diffusion.ParseLoss,
		"DefaultTrainConfig":       diffusion.DefaultTrainConfig,
		"NewSchedule":              diffusion.NewSchedule,
		"NewUNet":                  diffusion.NewUNet,
		"ParseHead":                diffusion.ParseHead,
		"ParsePadding":             diffusion.ParsePadding,
		"ParsePrecision":           diffusion.ParsePrecision,
		"DefaultUNetConfig":        diffusion.DefaultUNetConfig,
	}
	must := func(v any, err error) any {
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const size = 8
	imgs := func() []*mat.Dense {
		s, err := noise.NewSampler(noise.Spec{Rows: size, Cols: size, Delta: 1.5}, rand.NewPCG(1, 2))
		if err != nil {
			t.Fatal(err)
		}
		return s.SampleBatch(make([]*mat.Dense, 4))
	}
	unet := func() *diffusion.UNet {
		cfg := diffusion.DefaultUNetConfig()
		cfg.Size, cfg.Base = size, 8
		return must(diffusion.NewUNet(cfg, rand.NewPCG(1, 2))).(*diffusion.UNet)
	}
	flat := func() *mat.Dense { // a flat spectrum
		m := mat.NewDense(size, size, nil)
		m.Apply(func(int, int, float64) float64 { return 1 }, m)
		return m
	}
	trainer := func() *diffusion.Trainer {
		cfg := diffusion.DefaultTrainConfig()
		cfg.Steps, cfg.Batch = 1, 2
		return must(diffusion.NewTrainer(unet(), imgs(), cfg)).(*diffusion.Trainer)
	}
	mixture := func() *diffusion.GaussianMixture {
		return must(diffusion.NewGaussianMixture(imgs()[:2], []float64{0.5, 0.5}, flat())).(*diffusion.GaussianMixture)
	}
	sched := noise.CosineSchedule(10, 0.008)
	recvs := map[string]func() any{
		"Checkpoint":       func() any { return trainer().Checkpoint() },
		"ClipMode":         func() any { return diffusion.ClipNone },
		"Decay":            func() any { return diffusion.DecayCosine },
		"GaussianDenoiser": func() any { return must(diffusion.NewGaussianDenoiser(flat(), flat(), 1)) },
		"GaussianMixture":  func() any { return mixture() },
		"GaussianTheory":   func() any { return must(diffusion.NewGaussianTheory(flat(), flat(), sched)) },
		"Head":             func() any { return diffusion.Head(0) },
		"Loss":             func() any { return diffusion.LossMSE },
		"Method":           func() any { return diffusion.DDIM },
		"MixtureDenoiser":  func() any { return must(diffusion.NewMixtureDenoiser(mixture(), flat())) },
		"NetworkDenoiser":  func() any { return diffusion.NetworkDenoiser{Net: unet()} },
		"NoiseKind":        func() any { return diffusion.CloudNoise },
		"NormKind":         func() any { return diffusion.PixelNorm },
		"Normalizer":       func() any { return diffusion.IdentityNormalizer(1, size) },
		"Padding":          func() any { return diffusion.Padding(0) },
		"Precision":        func() any { return diffusion.PrecisionFloat64 },
		"Sampler": func() any {
			d := must(diffusion.NewGaussianDenoiser(flat(), flat(), 1)).(*diffusion.GaussianDenoiser)
			return must(diffusion.NewSampler(d, sched, diffusion.IdentityNormalizer(1, size), noise.Spec{Rows: size, Cols: size, Density: noise.WhiteDensity()}))
		},
		"ScheduleKind": func() any { return diffusion.ScheduleCosine },
		"Target":       func() any { return diffusion.TargetEps },
		"TrainConfig":  func() any { return diffusion.DefaultTrainConfig() },
		"Trainer":      func() any { return trainer() },
		"UNet":         func() any { return unet() },
	}
	checkNilArguments(t, "diffusion", "diffusion: ", funcs, recvs)
}
