package eval

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Nearest is the result of the nearest-neighbour check that generated
// samples are not copies of training images. Distances are root mean square
// pixel differences, √(‖x − y‖²/P) for P pixels, in pixel units.
type Nearest struct {
	// Samples holds, for each sample, its distance to the nearest training
	// image.
	Samples []float64 `json:"-"`
	// Train holds, for each training image, its distance to the nearest
	// other training image (leave one out): what "near" means in the data.
	Train []float64 `json:"-"`
	// MedianSample and MedianTrain are the medians of Samples and Train;
	// Ratio is MedianSample/MedianTrain. A model that reproduces training
	// images has Ratio near 0; a held-out data set has Ratio ≈ 1 or a little
	// above (it is compared with a set it does not belong to).
	MedianSample, MedianTrain, Ratio float64
	// Threshold is the 5th percentile of Train, and BelowShare the share of
	// samples nearer than Threshold to some training image: about 0.05 or
	// less for a generator that does not copy, near 1 for one that does.
	Threshold, BelowShare float64
}

// NearestCheck computes the nearest-neighbour check of samples against the
// training set train (see Nearest): NewNearestIndex(train) followed by
// Check(samples). Distances come from the Gram matrix,
// ‖x − y‖² = ‖x‖² + ‖y‖² − 2x·y, computed with BLAS and clamped at 0, so the
// cost is that of one len(samples)×P by P×len(train) product plus one
// len(train)×P by P×len(train) product.
//
// NearestCheck returns an error if train has fewer than 2 images, samples
// is empty, or either holds a nil matrix, mixed shapes or a NaN or infinite
// pixel.
func NearestCheck(samples, train []*mat.Dense) (*Nearest, error) {
	ix, err := NewNearestIndex(train)
	if err != nil {
		return nil, err
	}
	return ix.Check(samples)
}

// NearestIndex holds a training set for nearest-neighbour checks, stacked
// as the rows of one matrix, with its leave-one-out nearest distances, so
// that several sample sets can be checked against it at the cost of one
// product each. A NearestIndex is not modified by Check and may be used by
// several goroutines at once.
type NearestIndex struct {
	rows, cols int
	stack      *mat.Dense
	nn         []float64 // RMS distances, leave one out
}

// NewNearestIndex returns the index of the training set train: at least 2
// images of one shape, finite (it returns an error otherwise). It costs one
// len(train)×P by P×len(train) product for P pixels, and keeps a copy of
// the images.
func NewNearestIndex(train []*mat.Dense) (*NearestIndex, error) {
	if len(train) < 2 {
		return nil, fmt.Errorf("eval: NearestCheck: needs at least 2 training images, got %d", len(train))
	}
	t, err := stackRows("train", train, 0, 0)
	if err != nil {
		return nil, err
	}
	r, c := train[0].Dims()
	nn := nearestRows(t, t, true)
	rmsDistances(nn, r*c)
	return &NearestIndex{rows: r, cols: c, stack: t, nn: nn}, nil
}

// rmsDistances maps squared distances to RMS pixel distances in place.
func rmsDistances(d []float64, pixels int) {
	p := float64(pixels)
	for i, v := range d {
		d[i] = math.Sqrt(v / p)
	}
}

// Check returns the nearest-neighbour check of samples against the
// training set of the index (see NearestCheck). It returns an error if
// samples is empty or holds a nil matrix, a shape other than that of the
// training images or a NaN or infinite pixel.
func (nt *NearestIndex) Check(samples []*mat.Dense) (*Nearest, error) {
	s, err := stackRows("samples", samples, nt.rows, nt.cols)
	if err != nil {
		return nil, err
	}
	nn := &Nearest{
		Samples: nearestRows(s, nt.stack, false),
		Train:   append([]float64(nil), nt.nn...),
	}
	rmsDistances(nn.Samples, nt.rows*nt.cols)
	sorted := slices.Sorted(slices.Values(nn.Samples))
	nn.MedianSample = stat.Quantile(0.5, stat.Empirical, sorted, nil)
	sortedT := slices.Sorted(slices.Values(nn.Train))
	nn.MedianTrain = stat.Quantile(0.5, stat.Empirical, sortedT, nil)
	nn.Ratio = nn.MedianSample / nn.MedianTrain
	nn.Threshold = stat.Quantile(0.05, stat.Empirical, sortedT, nil)
	var below int
	for _, v := range nn.Samples {
		if v < nn.Threshold {
			below++
		}
	}
	nn.BelowShare = float64(below) / float64(len(nn.Samples))
	return nn, nil
}

// stackRows returns the images as the rows of a new len(xs)×(r·c) matrix,
// or the error of checkSet (r×c is the shape of xs[0] if r is 0).
func stackRows(name string, xs []*mat.Dense, r, c int) (*mat.Dense, error) {
	r, c, err := checkSet("NearestCheck", name, xs, r, c)
	if err != nil {
		return nil, err
	}
	m := mat.NewDense(len(xs), r*c, nil)
	data := m.RawMatrix().Data
	for i, x := range xs {
		raw := x.RawMatrix()
		row := data[i*r*c : (i+1)*r*c]
		for y := range r {
			copy(row[y*c:(y+1)*c], raw.Data[y*raw.Stride:y*raw.Stride+c])
		}
	}
	return m, nil
}

// nearestRows returns, for each row of a, the smallest squared Euclidean
// distance to a row of b, skipping row i of b for row i of a if self is
// true (a and b are then the same matrix).
func nearestRows(a, b *mat.Dense, self bool) []float64 {
	na, _ := a.Dims()
	nb, _ := b.Dims()
	sq := func(m *mat.Dense, n int) []float64 {
		out := make([]float64, n)
		raw := m.RawMatrix()
		for i := range n {
			var s float64
			for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
				s += v * v
			}
			out[i] = s
		}
		return out
	}
	sa, sb := sq(a, na), sq(b, nb)
	var g mat.Dense
	g.Mul(a, b.T())
	graw := g.RawMatrix()
	out := make([]float64, na)
	for i := range na {
		best := math.Inf(1)
		row := graw.Data[i*graw.Stride : i*graw.Stride+nb]
		for j, dot := range row {
			if self && i == j {
				continue
			}
			best = min(best, max(sa[i]+sb[j]-2*dot, 0))
		}
		out[i] = best
	}
	return out
}
