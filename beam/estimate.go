package noisebeam

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Estimate)(nil)).Elem())
	register.DoFn3x1[context.Context, []byte, func(Estimate), error](&estimateFn{})
	register.Emitter1[Estimate]()
}

// Estimate is the result of the pipeline: the merged spectrum, its power
// Γ(k) and the power-law fit Γ(k) = A²/|k|^(2Δ).
type Estimate struct {
	// Images is the number of images in the spectrum.
	Images int
	// Rows and Cols are the image size.
	Rows, Cols int
	// Spectrum is the MarshalBinary encoding of the merged noise.Spectrum,
	// from which any other statistic (Mean, Std, another fit) can be
	// computed, or which can be merged with other spectra.
	Spectrum []byte
	// Power is Γ(k) = Spectrum.Power(), Rows×Cols in row-major order, in
	// the centred layout; nil if Err is set.
	Power []float64
	// Delta, A, DeltaErr, AErr, R2, Points and Method are the fields of
	// the noise.PowerLaw fitted to Power (see PowerLaw); zero if Err is
	// set.
	Delta, A, DeltaErr, AErr, R2 float64
	Points                       int
	Method                       string
	// Err says why there is no power or fit (for example images of zero
	// variance, or too few points to fit); empty on success.
	Err string
}

// PowerLaw returns the fit as a noise.PowerLaw (Method excepted).
func (e *Estimate) PowerLaw() noise.PowerLaw {
	return noise.PowerLaw{Delta: e.Delta, A: e.A, DeltaErr: e.DeltaErr, AErr: e.AErr, R2: e.R2, Points: e.Points}
}

// PowerDense returns Power as a new Rows×Cols matrix, or an error if the
// estimate has no power.
func (e *Estimate) PowerDense() (*mat.Dense, error) {
	if e.Err != "" {
		return nil, fmt.Errorf("noise: estimate has no power: %s", e.Err)
	}
	if e.Rows < 1 || e.Cols < 1 || len(e.Power) != e.Rows*e.Cols {
		return nil, fmt.Errorf("noise: estimate of size %d×%d has %d power values", e.Rows, e.Cols, len(e.Power))
	}
	return mat.NewDense(e.Rows, e.Cols, append([]float64(nil), e.Power...)), nil
}

// NewEstimate computes the Estimate of the spectrum encoded in data (by
// Spectrum.MarshalBinary): Γ = Spectrum.Power() and the library's fit of an
// accumulated spectrum, Spectrum.FitPowerLaw(&fit) (fit.Samples 0 means
// Count−1, the number of independent periodograms in Spectrum.Power). The
// pipeline makes one pass over the images, so its estimator is
// noise.StandardizeGlobal (each pixel's mean removed, one scale for all
// pixels), not the paper's two-pass per-pixel standardisation; on one
// machine, noise.FitImages with Standardize: noise.StandardizeGlobal gives
// the same Δ. The single-machine equivalent of the pipeline is therefore
// NewEstimate of a Spectrum's encoding.
//
// A spectrum whose power or fit fails (zero variance, too few points)
// gives an Estimate with Err set and no error; NewEstimate returns an
// error only if data is not a valid encoding.
func NewEstimate(data []byte, fit noise.FitOptions) (Estimate, error) {
	s := new(noise.Spectrum)
	if err := s.UnmarshalBinary(data); err != nil {
		return Estimate{}, err
	}
	rows, cols := s.Dims()
	e := Estimate{Images: s.Count(), Rows: rows, Cols: cols, Spectrum: data}
	power, err := s.Power()
	if err != nil {
		e.Err = err.Error()
		return e, nil
	}
	pl, err := s.FitPowerLaw(&fit)
	if err != nil {
		e.Err = err.Error()
		return e, nil
	}
	e.Power = power.RawMatrix().Data
	e.Delta, e.A, e.DeltaErr, e.AErr, e.R2, e.Points = pl.Delta, pl.A, pl.DeltaErr, pl.AErr, pl.R2, pl.Points
	e.Method = strings.ToLower(pl.Method.String()) // as cloudnoise fit -json and -method: "ols"
	return e, nil
}

// estimateFn turns the merged spectrum into an Estimate.
type estimateFn struct {
	Fit noise.FitOptions
}

func (f *estimateFn) ProcessElement(ctx context.Context, data []byte, emit func(Estimate)) error {
	e, err := NewEstimate(data, f.Fit)
	if err != nil {
		return err
	}
	emit(e)
	return nil
}

// schemeOf returns the file system scheme of path ("gs" for gs://...), or
// "" for a local path.
func schemeOf(path string) string {
	if i := strings.Index(path, "://"); i > 0 {
		return path[:i]
	}
	return ""
}
