package noise

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// covMoments is a streaming, mergeable accumulator of the mean and variance
// of every component of a vector v of length n, and of the co-moments of
// every component with a few selected components: the columns sel of the
// covariance matrix of v, in O(n·len(sel)) memory.
type covMoments struct {
	count int
	sel   []int
	mean  []float64   // running means
	m2    []float64   // Σ (v_p − mean_p)²
	co    [][]float64 // co[s][p] = Σ (v_p − mean_p)(v_sel[s] − mean_sel[s])
	dsel  []float64   // scratch: deviations of the selected components
}

func newCovMoments(n int, sel []int) covMoments {
	c := covMoments{
		sel:  sel,
		mean: make([]float64, n),
		m2:   make([]float64, n),
		co:   make([][]float64, len(sel)),
		dsel: make([]float64, len(sel)),
	}
	for s := range c.co {
		c.co[s] = make([]float64, n)
	}
	return c
}

// add updates the moments with a new vector v (Welford; the co-moment
// update C += (v_p − new mean_p)(v_q − old mean_q) is exact).
func (c *covMoments) add(v []float64) {
	c.count++
	inv := 1 / float64(c.count)
	for s, q := range c.sel {
		c.dsel[s] = v[q] - c.mean[q]
	}
	welford(c.mean, c.m2, v, inv)
	for s, co := range c.co {
		ds := c.dsel[s]
		for p, x := range v {
			co[p] += (x - c.mean[p]) * ds
		}
	}
}

// merge adds the moments of o (Chan et al.).
func (c *covMoments) merge(o *covMoments) {
	if o.count == 0 {
		return
	}
	na, nb := float64(c.count), float64(o.count)
	n := na + nb
	f := na * nb / n
	// Co-moments first: they need both old means.
	for s, q := range c.sel {
		dq := o.mean[q] - c.mean[q]
		co, oco := c.co[s], o.co[s]
		for p := range co {
			co[p] += oco[p] + (o.mean[p]-c.mean[p])*dq*f
		}
	}
	chanMerge(c.mean, c.m2, o.mean, o.m2, na, nb, n)
	c.count += o.count
}

// meanVariance returns the mean over all components of the population
// variance.
func (c *covMoments) meanVariance() float64 {
	var s float64
	for _, v := range c.m2 {
		s += v
	}
	return s / float64(c.count*len(c.m2))
}

// covIndex checks the indices (i, j) of a rows×cols array and returns the
// row-major indices.
func covIndex(what string, rows, cols int, idx [][2]int) ([]int, error) {
	if len(idx) == 0 {
		return nil, fmt.Errorf("noise: no %s chosen", what)
	}
	out := make([]int, len(idx))
	for n, ij := range idx {
		if ij[0] < 0 || ij[0] >= rows || ij[1] < 0 || ij[1] >= cols {
			return nil, fmt.Errorf("noise: %s %d at (%d, %d) is outside the %d×%d array", what, n, ij[0], ij[1], rows, cols)
		}
		out[n] = ij[0]*cols + ij[1]
	}
	return out, nil
}

// covCheckImage returns x as a new row-major slice, or an error if x is nil,
// not rows×cols, or holds a NaN or Inf.
func covCheckImage(x mat.Matrix, rows, cols int, dst []float64) ([]float64, error) {
	if d, ok := x.(*mat.Dense); x == nil || ok && d == nil {
		return nil, errors.New("noise: image is nil")
	}
	if r, c := x.Dims(); r != rows || c != cols {
		return nil, fmt.Errorf("noise: image is %d×%d, want %d×%d: %w", r, c, rows, cols, mat.ErrShape)
	}
	if d, ok := x.(*mat.Dense); ok {
		raw := d.RawMatrix()
		for i := range rows {
			copy(dst[i*cols:(i+1)*cols], raw.Data[i*raw.Stride:])
		}
	} else {
		for i := range rows {
			for j := range cols {
				dst[i*cols+j] = x.At(i, j)
			}
		}
	}
	for p, v := range dst {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("noise: image has non-finite value %g at (%d, %d)", v, p/cols, p%cols)
		}
	}
	return dst, nil
}

// CovarianceColumns is a streaming, mergeable accumulator of a few columns
// of the real-space covariance of a set of rows×cols images,
//
//	Σ_{ij,kl} = E[(x_ij − E x_ij)(x_kl − E x_kl)],
//
// for chosen pixels kl (the paper's Figure 5): each column, seen as a
// rows×cols image, shows how pixel kl correlates with every other pixel. It
// keeps the per-pixel mean and variance and one co-moment array per chosen
// pixel: (2 + len(pixels))·rows·cols float64 values. Covariances are
// population covariances (divisor n).
//
// A CovarianceColumns must not be used by two goroutines at once.
type CovarianceColumns struct {
	rows, cols int
	pixels     [][2]int
	m          covMoments
	buf        []float64
}

// NewCovarianceColumns returns an empty accumulator of the covariance
// columns of the pixels (row, col) of rows×cols images. It returns an error
// if the size is invalid (as NewSpectrum), no pixel is given or a pixel is
// out of range, or (2 + len(pixels))·rows·cols exceeds MaxPixels.
func NewCovarianceColumns(rows, cols int, pixels [][2]int) (*CovarianceColumns, error) {
	if err := checkSize("covariance", rows, cols); err != nil {
		return nil, err
	}
	sel, err := covIndex("pixel", rows, cols, pixels)
	if err != nil {
		return nil, err
	}
	if (2 + len(pixels)) > MaxPixels/(rows*cols) {
		return nil, fmt.Errorf("noise: %d covariance columns of %d×%d exceed MaxPixels", len(pixels), rows, cols)
	}
	return &CovarianceColumns{
		rows: rows, cols: cols,
		pixels: slices.Clone(pixels),
		m:      newCovMoments(rows*cols, sel),
		buf:    make([]float64, rows*cols),
	}, nil
}

// Count returns the number of images accumulated.
func (c *CovarianceColumns) Count() int { return c.m.count }

// Pixels returns the chosen pixels, in the order of Column's index.
func (c *CovarianceColumns) Pixels() [][2]int { return slices.Clone(c.pixels) }

// Add adds the image x. It returns an error, and adds nothing, if x is nil,
// not rows×cols, or holds a NaN or Inf. x is not modified.
func (c *CovarianceColumns) Add(x mat.Matrix) error {
	v, err := covCheckImage(x, c.rows, c.cols, c.buf)
	if err != nil {
		return err
	}
	c.m.add(v)
	return nil
}

// Merge adds the statistics of o to c, as if every image added to o had
// been added to c, up to rounding. It returns an error, changing nothing,
// if o has a different size or different pixels. o may be c.
func (c *CovarianceColumns) Merge(o *CovarianceColumns) error {
	if o == nil {
		return errors.New("noise: merge of nil covariance columns")
	}
	if o.rows != c.rows || o.cols != c.cols || !slices.Equal(o.pixels, c.pixels) {
		return fmt.Errorf("noise: merge of covariance columns of %d×%d %v into %d×%d %v", o.rows, o.cols, o.pixels, c.rows, c.cols, c.pixels)
	}
	c.m.merge(&o.m)
	return nil
}

// Column returns the covariance column of the n-th chosen pixel kl,
// Σ_{ij,kl} for every pixel ij, as a new rows×cols matrix. Its value at kl
// is the variance of pixel kl. It returns an error if no image has been
// added or n is out of range.
func (c *CovarianceColumns) Column(n int) (*mat.Dense, error) {
	if c.m.count == 0 {
		return nil, errors.New("noise: covariance column of an empty set")
	}
	if n < 0 || n >= len(c.pixels) {
		return nil, fmt.Errorf("noise: covariance column %d of %d", n, len(c.pixels))
	}
	out := make([]float64, len(c.buf))
	inv := 1 / float64(c.m.count)
	for p, v := range c.m.co[n] {
		out[p] = v * inv
	}
	return mat.NewDense(c.rows, c.cols, out), nil
}

// Correlation returns the correlation column of the n-th chosen pixel kl,
// Σ_{ij,kl}/(σ_ij σ_kl), as a new rows×cols matrix, with 0 where either
// standard deviation is 0. It returns an error if no image has been added,
// n is out of range or pixel kl has zero variance.
func (c *CovarianceColumns) Correlation(n int) (*mat.Dense, error) {
	col, err := c.Column(n)
	if err != nil {
		return nil, err
	}
	q := c.m.sel[n]
	if !(c.m.m2[q] > 0) {
		return nil, fmt.Errorf("noise: correlation with pixel %v of zero variance", c.pixels[n])
	}
	data := col.RawMatrix().Data
	for p, v := range data {
		if d := c.m.m2[p] * c.m.m2[q]; d > 0 {
			data[p] = v * float64(c.m.count) / math.Sqrt(d)
		} else {
			data[p] = 0
		}
	}
	return col, nil
}

// FourierColumns is a streaming, mergeable accumulator of a few columns of
// the Fourier-space covariances of a set of rows×cols images (the paper's
// Figure 7): with Z the orthonormal DFT of an image, centred layout,
//
//	Γ_{k,l} = E[(Z_k − E Z_k) conj(Z_l − E Z_l)],
//	C_{k,l} = E[(Z_k − E Z_k)(Z_l − E Z_l)],
//
// for chosen frequencies k and every l, both divided by the mean pixel
// variance, like Spectrum.Power (so Γ_{k,k} is Power at k). For a
// stationary set Γ is diagonal (its column is a spike at l = k) and,
// because conj Z_l = Z_{−l}, C_{k,l} = Γ_{k,−l}: the C column is the Γ
// column reflected by the involution (a spike at l = −k).
//
// It accumulates the real transform X = F_R x (RealFFT2) and the co-moments
// of every X_l with X_k and X_{−k}, from which Z follows exactly:
// (2 + 2·len(freqs))·rows·cols float64 values.
//
// A FourierColumns must not be used by two goroutines at once.
type FourierColumns struct {
	rows, cols int
	freqs      [][2]int
	m          covMoments
	plan       *RealFFT
	in, fx     *mat.Dense
	buf        []float64
}

// NewFourierColumns returns an empty accumulator of the Fourier covariance
// columns of the frequencies freqs, given as centred indices (i, j)
// (frequency (i − rows/2, j − cols/2)). It returns an error like
// NewCovarianceColumns.
func NewFourierColumns(rows, cols int, freqs [][2]int) (*FourierColumns, error) {
	if err := checkSize("covariance", rows, cols); err != nil {
		return nil, err
	}
	sel, err := covIndex("frequency", rows, cols, freqs)
	if err != nil {
		return nil, err
	}
	if (2 + 2*len(freqs)) > MaxPixels/(rows*cols) {
		return nil, fmt.Errorf("noise: %d Fourier covariance columns of %d×%d exceed MaxPixels", len(freqs), rows, cols)
	}
	both := make([]int, 0, 2*len(sel))
	for _, ij := range freqs {
		ii, jj := Involution(rows, cols, ij[0], ij[1])
		both = append(both, ij[0]*cols+ij[1], ii*cols+jj)
	}
	plan, err := NewRealFFT(rows, cols)
	if err != nil {
		return nil, err
	}
	return &FourierColumns{
		rows: rows, cols: cols,
		freqs: slices.Clone(freqs),
		m:     newCovMoments(rows*cols, both),
		plan:  plan,
		in:    mat.NewDense(rows, cols, nil),
		fx:    mat.NewDense(rows, cols, nil),
		buf:   make([]float64, rows*cols),
	}, nil
}

// Count returns the number of images accumulated.
func (c *FourierColumns) Count() int { return c.m.count }

// Frequencies returns the chosen frequencies (centred indices), in the order
// of the column index.
func (c *FourierColumns) Frequencies() [][2]int { return slices.Clone(c.freqs) }

// Add adds the image x. It returns an error, and adds nothing, if x is nil,
// not rows×cols, or holds a NaN or Inf. x is not modified.
func (c *FourierColumns) Add(x mat.Matrix) error {
	v, err := covCheckImage(x, c.rows, c.cols, c.buf)
	if err != nil {
		return err
	}
	copy(c.in.RawMatrix().Data, v)
	c.plan.Forward(c.fx, c.in)
	c.m.add(c.fx.RawMatrix().Data)
	return nil
}

// Merge adds the statistics of o to c, as if every image added to o had
// been added to c, up to rounding. It returns an error, changing nothing,
// if o has a different size or different frequencies. o may be c.
func (c *FourierColumns) Merge(o *FourierColumns) error {
	if o == nil {
		return errors.New("noise: merge of nil Fourier columns")
	}
	if o.rows != c.rows || o.cols != c.cols || !slices.Equal(o.freqs, c.freqs) {
		return fmt.Errorf("noise: merge of Fourier columns of %d×%d %v into %d×%d %v", o.rows, o.cols, o.freqs, c.rows, c.cols, c.freqs)
	}
	c.m.merge(&o.m)
	return nil
}

// fourierCoef returns α, β with Z_p = α X_p + β X_{−p} for the centred index
// p = (i, j) (RealFFT2's packing).
func fourierCoef(rows, cols, i, j int) (alpha, beta complex128) {
	const h = 1 / math.Sqrt2
	switch PartAt(rows, cols, i, j) {
	case RealPart: // Z_p = (X_p + i X_{−p})/√2
		return complex(h, 0), complex(0, h)
	case ImagPart: // Z_p = conj Z_{−p} = (X_{−p} − i X_p)/√2
		return complex(0, -h), complex(h, 0)
	}
	return 1, 0
}

// gamma returns the Γ column of the n-th frequency, normalised.
func (c *FourierColumns) gamma(n int) (*mat.CDense, error) {
	if c.m.count == 0 {
		return nil, errors.New("noise: Fourier covariance column of an empty set")
	}
	if n < 0 || n >= len(c.freqs) {
		return nil, fmt.Errorf("noise: Fourier covariance column %d of %d", n, len(c.freqs))
	}
	mv := c.m.meanVariance()
	if !(mv > 0) {
		return nil, fmt.Errorf("noise: Fourier covariance of a set of %d images with zero variance", c.m.count)
	}
	rows, cols := c.rows, c.cols
	ak, bk := fourierCoef(rows, cols, c.freqs[n][0], c.freqs[n][1])
	// A[l] = Cov(X_k, X_l), B[l] = Cov(X_{−k}, X_l), unnormalised.
	A, B := c.m.co[2*n], c.m.co[2*n+1]
	scale := complex(1/(float64(c.m.count)*mv), 0)
	out := mat.NewCDense(rows, cols, nil)
	for i := range rows {
		ii := involute(rows, i)
		for j := range cols {
			l, ml := i*cols+j, ii*cols+involute(cols, j)
			al, bl := fourierCoef(rows, cols, i, j)
			al, bl = complex(real(al), -imag(al)), complex(real(bl), -imag(bl))
			// Γ = Σ over (X_k or X_{−k}) × (X_l or X_{−l}).
			g := ak*al*complex(A[l], 0) + ak*bl*complex(A[ml], 0) +
				bk*al*complex(B[l], 0) + bk*bl*complex(B[ml], 0)
			out.Set(i, j, g*scale)
		}
	}
	return out, nil
}

// Gamma returns the column Γ_{k,l} over every l of the n-th chosen
// frequency k, divided by the mean pixel variance, as a new rows×cols
// complex matrix in the centred layout. It returns an error if no image has
// been added, the images have zero variance or n is out of range.
func (c *FourierColumns) Gamma(n int) (*mat.CDense, error) { return c.gamma(n) }

// C returns the column C_{k,l} over every l of the n-th chosen frequency k,
// divided by the mean pixel variance, as a new rows×cols complex matrix in
// the centred layout: C_{k,l} = Γ_{k,−l}, the Γ column reflected by the
// involution. It returns errors like Gamma.
func (c *FourierColumns) C(n int) (*mat.CDense, error) {
	g, err := c.gamma(n)
	if err != nil {
		return nil, err
	}
	out := mat.NewCDense(c.rows, c.cols, nil)
	for i := range c.rows {
		for j := range c.cols {
			ii, jj := Involution(c.rows, c.cols, i, j)
			out.Set(i, j, g.At(ii, jj))
		}
	}
	return out, nil
}

// CovarianceMatrix returns the full real-space covariance matrix of the
// images xs, flattened row-major: element (p, q) is the population
// covariance of pixels p = i·cols+j and q. The matrix has (rows·cols)²
// entries, so CovarianceMatrix is for small images only: it returns an
// error if rows·cols exceeds MaxCovarianceDim (4096, a 64×64 image, 128 MiB
// of result). It also returns an error if xs is empty, or an image is nil,
// of another size than the first or holds a NaN or Inf.
func CovarianceMatrix(xs []*mat.Dense) (*mat.SymDense, error) {
	return covFull(xs, false)
}

// FourierCovarianceMatrix returns the full covariance matrix of the real
// Fourier transforms X = F_R x of the images xs (RealFFT2), flattened
// row-major in the centred layout: F_R Σ F_Rᵀ for the real-space covariance
// Σ. For a stationary set it is nearly diagonal, with Γ(k) times the mean
// pixel variance on the diagonal. It returns errors like CovarianceMatrix.
func FourierCovarianceMatrix(xs []*mat.Dense) (*mat.SymDense, error) {
	return covFull(xs, true)
}

func covFull(xs []*mat.Dense, fourier bool) (*mat.SymDense, error) {
	op := "CovarianceMatrix"
	if fourier {
		op = "FourierCovarianceMatrix"
	}
	rows, cols, err := checkImages(op, "xs", xs, 0, 0)
	if err != nil {
		return nil, err
	}
	if err := checkSize("covariance", rows, cols); err != nil {
		return nil, err
	}
	n := rows * cols
	if n > MaxCovarianceDim {
		return nil, fmt.Errorf("noise: full covariance of %d×%d images has %d² entries; the limit is %d pixels (MaxCovarianceDim): use CovarianceColumns or FourierColumns", rows, cols, n, MaxCovarianceDim)
	}
	data := make([][]float64, len(xs))
	var plan *RealFFT
	if fourier {
		var err error
		if plan, err = NewRealFFT(rows, cols); err != nil {
			return nil, err
		}
	}
	for t, x := range xs {
		v := make([]float64, n)
		raw := x.RawMatrix()
		for i := range rows {
			copy(v[i*cols:(i+1)*cols], raw.Data[i*raw.Stride:i*raw.Stride+cols])
		}
		if fourier {
			X := plan.Forward(nil, mat.NewDense(rows, cols, v))
			v = X.RawMatrix().Data
		}
		data[t] = v
	}
	mean := make([]float64, n)
	for _, v := range data {
		for p, x := range v {
			mean[p] += x
		}
	}
	for p := range mean {
		mean[p] /= float64(len(xs))
	}
	dev := mat.NewDense(len(xs), n, nil)
	for t, v := range data {
		row := dev.RawRowView(t)
		for p, x := range v {
			row[p] = x - mean[p]
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1/float64(len(xs)), dev.T())
	return &cov, nil
}

// ChannelCovariance is the covariance of the colour channels of a set of
// images, with its eigen-decomposition: the principal colour axes from
// which coloured cloud noise is built (one grey cloud field per axis,
// scaled by the square root of its eigenvalue).
type ChannelCovariance struct {
	// Mean is the mean of each channel over all pixels and images.
	Mean [3]float64
	// Cov is the 3×3 population covariance of the channel values of a
	// pixel, over all pixels and images, each channel's Mean removed.
	Cov *mat.SymDense
	// Values are the eigenvalues of Cov in decreasing order.
	Values [3]float64
	// Vectors holds the unit eigenvectors of Cov as columns, in the order
	// of Values, each with its largest component positive.
	Vectors *mat.Dense
}

// NewChannelCovariance returns the channel covariance of the colour images
// imgs, each given as three channels of equal size (as imageio.LoadRGB
// returns them). It returns an error if imgs is empty, a channel is nil,
// channels differ in size or hold a NaN or Inf, or the eigen-decomposition
// fails.
func NewChannelCovariance(imgs [][3]*mat.Dense) (*ChannelCovariance, error) {
	if len(imgs) == 0 {
		return nil, errors.New("noise: channel covariance of an empty set")
	}
	m := newCovMoments(3, []int{0, 1, 2})
	var v [3]float64
	for t, img := range imgs {
		for c := range 3 {
			if img[c] == nil {
				return nil, fmt.Errorf("noise: image %d channel %d is nil", t, c)
			}
		}
		rows, cols := img[0].Dims()
		for c := range 3 {
			if r, k := img[c].Dims(); r != rows || k != cols || r == 0 || k == 0 {
				return nil, fmt.Errorf("noise: image %d channel %d is %d×%d, channel 0 %d×%d: %w", t, c, r, k, rows, cols, mat.ErrShape)
			}
		}
		var raws [3][]float64
		var strides [3]int
		for c := range 3 {
			raw := img[c].RawMatrix()
			raws[c], strides[c] = raw.Data, raw.Stride
			for i := range rows {
				for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+cols] {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						return nil, fmt.Errorf("noise: image %d channel %d has non-finite value %g at (%d, %d)", t, c, v, i, j)
					}
				}
			}
		}
		// Running moments over pixels, as 3-vectors.
		for i := range rows {
			for j := range cols {
				for c := range 3 {
					v[c] = raws[c][i*strides[c]+j]
				}
				m.add(v[:])
			}
		}
	}
	cov := mat.NewSymDense(3, nil)
	for a := range 3 {
		for b := a; b < 3; b++ {
			cov.SetSym(a, b, 0.5*(m.co[a][b]+m.co[b][a])/float64(m.count))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, errors.New("noise: eigen-decomposition of the channel covariance failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	out := &ChannelCovariance{Mean: [3]float64(m.mean), Cov: cov, Vectors: mat.NewDense(3, 3, nil)}
	for c := range 3 {
		src := 2 - c // EigenSym sorts ascending
		out.Values[c] = vals[src]
		col := mat.Col(nil, src, &vecs)
		big := 0
		for r := range col {
			if math.Abs(col[r]) > math.Abs(col[big]) {
				big = r
			}
		}
		if col[big] < 0 {
			for r := range col {
				col[r] = -col[r]
			}
		}
		out.Vectors.SetCol(c, col)
	}
	return out, nil
}

// Colour writes into dst the colour image whose channels are
//
//	dst_c = Mean_c + Σ_e Vectors[c][e]·√Values[e]·fields[e],
//
// and returns it, allocating nil entries of dst: three independent grey
// fields of zero mean and unit variance (cloud noise, say) become a colour
// image whose channel covariance is Cov and channel means are Mean, the
// coloured noise of the paper. dst may share no matrix with fields. Colour
// returns an error if a field is nil, the fields differ in size, or a dst
// entry has another size.
func (c *ChannelCovariance) Colour(dst [3]*mat.Dense, fields [3]*mat.Dense) ([3]*mat.Dense, error) {
	for e, f := range fields {
		if f == nil {
			return dst, fmt.Errorf("noise: colour field %d is nil", e)
		}
	}
	rows, cols := fields[0].Dims()
	for e, f := range fields {
		if r, k := f.Dims(); r != rows || k != cols {
			return dst, fmt.Errorf("noise: colour field %d is %d×%d, field 0 %d×%d: %w", e, r, k, rows, cols, mat.ErrShape)
		}
	}
	for ch := range dst {
		if dst[ch] == nil {
			dst[ch] = mat.NewDense(rows, cols, nil)
		} else if r, k := dst[ch].Dims(); r != rows || k != cols {
			return dst, fmt.Errorf("noise: colour destination %d is %d×%d, want %d×%d: %w", ch, r, k, rows, cols, mat.ErrShape)
		}
	}
	var mix [3][3]float64
	for ch := range 3 {
		for e := range 3 {
			mix[ch][e] = c.Vectors.At(ch, e) * math.Sqrt(max(c.Values[e], 0))
		}
	}
	var in [3]colourRows
	for e, f := range fields {
		raw := f.RawMatrix()
		in[e] = colourRows{raw.Data, raw.Stride}
	}
	for ch := range 3 {
		raw := dst[ch].RawMatrix()
		m := mix[ch]
		for i := range rows {
			out := raw.Data[i*raw.Stride : i*raw.Stride+cols]
			a := in[0].data[i*in[0].stride:]
			b := in[1].data[i*in[1].stride:]
			d := in[2].data[i*in[2].stride:]
			for j := range out {
				out[j] = c.Mean[ch] + m[0]*a[j] + m[1]*b[j] + m[2]*d[j]
			}
		}
	}
	return dst, nil
}

// colourRows is a row-major view: data with a row stride.
type colourRows struct {
	data   []float64
	stride int
}
