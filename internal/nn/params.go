package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// InitKind says how a parameter tensor is initialised.
type InitKind int

const (
	// InitUniform draws every element from U(−Bound, Bound).
	InitUniform InitKind = iota
	// InitConst sets every element to Value.
	InitConst
)

// Init describes the initialisation of one parameter tensor.
type Init struct {
	Kind  InitKind
	Bound float64 // half-width of the uniform distribution (InitUniform)
	Value float64 // constant value (InitConst)
}

// FanIn returns the PyTorch default initialisation of a weight or bias whose
// layer has fan_in inputs per output: U(−1/√fanIn, 1/√fanIn). For weights this
// is kaiming_uniform_(a=√5): gain √(2/(1+5)) times √(3/fanIn).
func FanIn(fanIn int) Init {
	return Init{Kind: InitUniform, Bound: 1 / math.Sqrt(float64(fanIn))}
}

// Const returns a constant initialisation.
func Const(v float64) Init { return Init{Kind: InitConst, Value: v} }

// View names a contiguous block [Off, Off+Len) of a flat parameter slice.
type View struct {
	Name string
	Off  int
	Len  int
	Init Init
}

// Of returns the block of s described by v. The result aliases s and has
// capacity Len, so appends never overwrite the next view.
func (v View) Of(s []float64) []float64 { return s[v.Off : v.Off+v.Len : v.Off+v.Len] }

// Of returns the block of s described by v, like View.Of, for a slice of
// either precision.
func Of[T Float](v View, s []T) []T { return s[v.Off : v.Off+v.Len : v.Off+v.Len] }

// Layout is the list of parameter tensors of a network in one flat slice.
// Parameters, gradients and optimiser moments all use the same Layout.
type Layout struct {
	views []View
	index map[string]int
	n     int
}

// Add appends a tensor of n elements named name and returns its view.
// Add panics if the name is already used or n is not positive.
func (l *Layout) Add(name string, n int, init Init) View {
	if n <= 0 {
		panic(fmt.Sprintf("nn: parameter %q of non-positive size %d", name, n))
	}
	if l.index == nil {
		l.index = make(map[string]int)
	}
	if _, dup := l.index[name]; dup {
		panic(fmt.Sprintf("nn: duplicate parameter name %q", name))
	}
	v := View{Name: name, Off: l.n, Len: n, Init: init}
	l.index[name] = len(l.views)
	l.views = append(l.views, v)
	l.n += n
	return v
}

// Len returns the total number of parameters.
func (l *Layout) Len() int { return l.n }

// Views returns the views in the order they were added. The caller must not
// modify the returned slice.
func (l *Layout) Views() []View { return l.views }

// View returns the view named name.
func (l *Layout) View(name string) (View, bool) {
	i, ok := l.index[name]
	if !ok {
		return View{}, false
	}
	return l.views[i], true
}

// Initialize fills dst, of length l.Len(), with initial values drawn in view
// order from src. A nil src uses a non-reproducible source. Initialize panics
// if len(dst) != l.Len().
func (l *Layout) Initialize(dst []float64, src rand.Source) {
	if len(dst) != l.n {
		panic("nn: parameter slice length mismatch")
	}
	var rnd *rand.Rand
	if src == nil {
		rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	} else {
		rnd = rand.New(src)
	}
	for _, v := range l.views {
		s := v.Of(dst)
		switch v.Init.Kind {
		case InitUniform:
			for i := range s {
				s[i] = v.Init.Bound * (2*rnd.Float64() - 1)
			}
		case InitConst:
			for i := range s {
				s[i] = v.Init.Value
			}
		default:
			panic("nn: unknown initialisation kind")
		}
	}
}
