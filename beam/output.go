package noisebeam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/cloud-diffusion/noise/imageio"
	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

func init() {
	register.DoFn4x1[context.Context, []byte, func(*Estimate) bool, func(*Failure) bool, error](&writeFn{})
	register.Iter1[Estimate]()
	register.Iter1[Failure]()
}

// Result is the JSON document written by WriteResult.
type Result struct {
	// The power-law fit Γ(k) = A²/|k|^(2Δ), |k| in cycles per pixel (see
	// noise.PowerLaw); zero when Error is set.
	Delta    float64 `json:"delta"`
	A        float64 `json:"a"`
	DeltaErr float64 `json:"delta_err"`
	AErr     float64 `json:"a_err"`
	R2       float64 `json:"r2"`
	Points   int     `json:"points"`
	Method   string  `json:"method,omitempty"`
	// Images is the number of images in the spectrum; Rows and Cols their
	// size.
	Images int `json:"images"`
	Rows   int `json:"rows"`
	Cols   int `json:"cols"`
	// Failed lists the inputs of the dead-letter output, sorted by path.
	Failed []Failure `json:"failed"`
	// Error says why there is no fit (no usable image, zero variance, too
	// few points); empty on success.
	Error string `json:"error,omitempty"`
}

// NewResult makes the Result of an estimate (nil if the pipeline produced
// none, when no input was usable) and the dead-letter failures, which it
// sorts by path.
func NewResult(e *Estimate, failed []Failure) Result {
	sort.Slice(failed, func(i, j int) bool {
		if failed[i].Path != failed[j].Path {
			return failed[i].Path < failed[j].Path
		}
		return failed[i].Err < failed[j].Err
	})
	r := Result{Failed: failed}
	if r.Failed == nil {
		r.Failed = []Failure{}
	}
	if e == nil {
		r.Error = fmt.Sprintf("noise: no usable image (%d failed)", len(failed))
		return r
	}
	r.Images, r.Rows, r.Cols, r.Error = e.Images, e.Rows, e.Cols, e.Err
	if e.Err != "" {
		return r
	}
	for _, v := range []float64{e.Delta, e.A, e.DeltaErr, e.AErr, e.R2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			r.Error = fmt.Sprintf("noise: power-law fit has non-finite values: Δ %g ± %g, A %g ± %g, R² %g", e.Delta, e.DeltaErr, e.A, e.AErr, e.R2)
			return r
		}
	}
	r.Delta, r.A, r.DeltaErr, r.AErr, r.R2, r.Points, r.Method = e.Delta, e.A, e.DeltaErr, e.AErr, e.R2, e.Points, e.Method
	return r
}

// WriteResult adds to the pipeline a step that writes the Result of out (its
// Estimate and Failures) as indented JSON to resultPath and, if
// spectrumPath is not empty, Γ(k) as a float64 Rows×Cols NumPy array (the
// centred layout) to spectrumPath. The step runs once, also when no input
// was usable (the JSON then says so in "error" and the spectrum file is not
// written). Paths go through Beam's file systems (use gs://... on a
// distributed runner, whose workers cannot write to the launcher's disk);
// local files are written atomically (internal/atomicfile), so a
// failed job never leaves a half-written file.
func WriteResult(s beam.Scope, out Outputs, resultPath, spectrumPath string) {
	s = s.Scope("noise.WriteResult")
	beam.ParDo0(s, &writeFn{Result: resultPath, Spectrum: spectrumPath}, beam.Impulse(s),
		beam.SideInput{Input: out.Estimate}, beam.SideInput{Input: out.Failures})
}

type writeFn struct {
	Result, Spectrum string
}

func (f *writeFn) ProcessElement(ctx context.Context, _ []byte, estimates func(*Estimate) bool, failures func(*Failure) bool) error {
	var est *Estimate
	var e Estimate
	for estimates(&e) {
		if est != nil {
			return errors.New("noise: more than one estimate")
		}
		est = new(Estimate)
		*est = e
	}
	var failed []Failure
	var fl Failure
	for failures(&fl) {
		failed = append(failed, fl)
	}
	r := NewResult(est, failed)
	if f.Spectrum != "" && r.Error == "" {
		power, err := est.PowerDense()
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := imageio.WriteNPYMatrix(&buf, power); err != nil {
			return fmt.Errorf("noise: encoding %s: %w", f.Spectrum, err)
		}
		if err := WriteFile(ctx, f.Spectrum, buf.Bytes()); err != nil {
			return err
		}
	}
	doc, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("noise: encoding %s: %w", f.Result, err)
	}
	return WriteFile(ctx, f.Result, append(doc, '\n'))
}

// WriteFile writes data to path: atomically (internal/atomicfile) for
// a local path, through Beam's file system of the scheme otherwise (gs://).
func WriteFile(ctx context.Context, path string, data []byte) error {
	if schemeOf(path) == "" {
		return atomicfile.Write("noise", path, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
	}
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return fmt.Errorf("noise: %w", err)
	}
	defer fs.Close()
	if err := filesystem.Write(ctx, fs, path, data); err != nil {
		return fmt.Errorf("noise: writing %s: %w", path, err)
	}
	return nil
}

// ReadFile reads the file at path through Beam's file systems (local paths
// and any registered scheme).
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("noise: %w", err)
	}
	defer fs.Close()
	data, err := filesystem.Read(ctx, fs, path)
	if err != nil {
		return nil, fmt.Errorf("noise: reading %s: %w", path, err)
	}
	return data, nil
}
