package diffusion

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

// Checkpoint format. A checkpoint file is
//
//	magic    8 bytes  "CLDIFFCK"
//	version  uint32   checkpointVersion
//	count    uint32   number of sections
//	count sections:
//	  tag    4 bytes  (e.g. "PARA")
//	  length uint64   payload bytes
//	  payload
//	crc      uint32   CRC-32 (Castagnoli) of every byte before it
//
// with all integers little-endian. The envelope (magic, version, sections,
// checksum) is the same in every version; the sections of the current
// version 2 are listed in checkpointSections. Configurations (the noise
// spec, with its density, inside the training configuration) and the
// normaliser are JSON (Go's encoding of float64 round-trips exactly);
// parameter arrays are raw float64 bits.
//
// Version 1 (before the noise of a run became a noise.Spec) had a separate
// NOIS section with {Kind, Delta, Pad, KMin} and a training configuration
// with Noise "white" or "cloud" and one Delta for the noise and the
// spectral loss. It still loads: cloud becomes noise.Spec{Delta, Pad,
// KMin}, white becomes noise.Spec{Density: noise.WhiteDensity()}, and
// Delta the LossDelta. White noise is now drawn by noise.Sampler, so a
// resumed version-1 white run continues with a different (equally
// distributed) noise stream; cloud runs continue exactly.
const (
	checkpointMagic   = "CLDIFFCK"
	checkpointVersion = 2
	// checkpointMaxBytes bounds the size of a file ReadCheckpoint accepts
	// (a foreign or absurd file is rejected before it is read).
	checkpointMaxBytes = 1 << 36
)

// Section tags, all required.
const (
	secModel  = "MCFG" // UNetConfig, JSON
	secTrain  = "TCFG" // TrainConfig, JSON
	secNoise  = "NOIS" // version 1 only: the noise {Kind, Delta, Pad, KMin}, JSON
	secNorm   = "NORM" // Normalizer, JSON
	secStep   = "STEP" // uint64
	secRNG    = "RNG " // rand.PCG.MarshalBinary
	secParams = "PARA" // float64 × NumParams
	secEMA    = "EMAP" // float64 × NumParams
	secM      = "ADAM" // float64 × NumParams, AdamW first moment
	secV      = "ADAV" // float64 × NumParams, AdamW second moment
)

var checkpointSections = []string{secModel, secTrain, secNorm, secStep, secRNG, secParams, secEMA, secM, secV}

var checkpointCRC = crc32.MakeTable(crc32.Castagnoli)

// The schedule ends of checkpoints written before TrainConfig had
// MaxSignal and MinSignal: the paper's.
const (
	legacyMaxSignal = 0.95
	legacyMinSignal = 0.02
)

// Checkpoint is the complete state of a training run: enough to resume it
// exactly (Resume) or to sample from the model (NewSamplerFromCheckpoint).
type Checkpoint struct {
	Model UNetConfig  // the network's configuration
	Train TrainConfig // the run's configuration, with its noise (Train.Noise)
	Norm  *Normalizer // the normalisation of the training images
	Step  int         // steps taken
	RNG   []byte      // state of the trainer's *rand.PCG (MarshalBinary)
	// Params are the weights, EMA the averaged weights, M and V the AdamW
	// moments, all in the network's flat layout (UNet.Params).
	Params, EMA, M, V []float64
}

// Checkpoint returns the trainer's current state. The slices are copies.
func (tr *Trainer) Checkpoint() *Checkpoint {
	ck := tr.checkpointView()
	ck.Norm = ck.Norm.clone()
	for _, s := range []*[]float64{&ck.Params, &ck.EMA, &ck.M, &ck.V} {
		*s = append([]float64(nil), *s...)
	}
	return ck
}

// checkpointView returns the trainer's state aliasing its slices.
func (tr *Trainer) checkpointView() *Checkpoint {
	rng, err := tr.pcg.MarshalBinary()
	if err != nil {
		panic("diffusion: " + err.Error()) // rand.PCG never fails
	}
	return &Checkpoint{
		Model: tr.net.Config(), Train: tr.cfg, Norm: tr.norm,
		Step: tr.step, RNG: rng,
		Params: tr.net.Params(), EMA: tr.ema.Params(), M: tr.m, V: tr.v,
	}
}

// Save writes the trainer's state to path atomically (see Checkpoint.Save).
func (tr *Trainer) Save(path string) error { return tr.checkpointView().Save(path) }

// Save writes the checkpoint to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, so a crash or an error
// never leaves a partial file at path nor destroys the previous checkpoint
// there.
func (ck *Checkpoint) Save(path string) error {
	return atomicfile.Write("noise", path, func(w io.Writer) error {
		_, err := ck.WriteTo(w)
		return err
	})
}

// WriteTo writes the checkpoint in the binary format to w and returns the
// number of bytes written. It returns an error if w fails, the checkpoint
// is inconsistent (see ReadCheckpoint's checks), or its noise cannot be
// stored (a noise.RadialDensity); nothing is written then.
func (ck *Checkpoint) WriteTo(w io.Writer) (int64, error) {
	if w == nil {
		return 0, errors.New("diffusion: checkpoint WriteTo a nil writer")
	}
	if err := ck.validate(); err != nil {
		return 0, err
	}
	train, err := json.Marshal(ck.Train)
	if err != nil {
		return 0, fmt.Errorf("diffusion: checkpoint: the training configuration cannot be stored: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString(checkpointMagic)
	buf.Write(binary.LittleEndian.AppendUint32(nil, checkpointVersion))
	buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(checkpointSections))))
	section := func(tag string, payload []byte) {
		buf.WriteString(tag)
		buf.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(payload))))
		buf.Write(payload)
	}
	jsonOf := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			panic("diffusion: checkpoint JSON: " + err.Error()) // plain structs of finite values
		}
		return b
	}
	floats := func(s []float64) []byte {
		b := make([]byte, 0, 8*len(s))
		for _, v := range s {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	section(secModel, jsonOf(ck.Model))
	section(secTrain, train)
	section(secNorm, jsonOf(ck.Norm))
	section(secStep, binary.LittleEndian.AppendUint64(nil, uint64(ck.Step)))
	section(secRNG, ck.RNG)
	section(secParams, floats(ck.Params))
	section(secEMA, floats(ck.EMA))
	section(secM, floats(ck.M))
	section(secV, floats(ck.V))
	buf.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(buf.Bytes(), checkpointCRC)))
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// ReadCheckpoint reads the checkpoint file at path. It returns an error
// naming path, and no checkpoint, if the file cannot be read, is not a
// checkpoint (foreign file), is truncated, fails its checksum (corrupted),
// has a format version this build does not read (1 and 2 are read), lacks a
// section, or holds
// inconsistent contents (an invalid configuration, arrays of the wrong
// length, non-finite weights, a bad random state).
func ReadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("diffusion: reading checkpoint: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("diffusion: reading checkpoint: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("diffusion: checkpoint %s is not a regular file", path)
	}
	if fi.Size() > checkpointMaxBytes {
		return nil, fmt.Errorf("diffusion: %s is %d bytes, larger than any checkpoint this build reads", path, fi.Size())
	}
	var head [len(checkpointMagic)]byte
	if _, err := io.ReadFull(f, head[:]); err != nil || string(head[:]) != checkpointMagic {
		return nil, fmt.Errorf("diffusion: %s is not a diffusion checkpoint (no %q header)", path, checkpointMagic)
	}
	data := make([]byte, fi.Size())
	copy(data, head[:])
	if _, err := io.ReadFull(f, data[len(head):]); err != nil {
		return nil, fmt.Errorf("diffusion: reading checkpoint %s: %w", path, err)
	}
	ck, err := DecodeCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return ck, nil
}

// DecodeCheckpoint decodes a checkpoint from its bytes (see ReadCheckpoint
// for the errors). The result does not alias data.
//
// DecodeCheckpoint allocates about as much as data holds (the arrays and
// configurations it decodes), plus, once everything else is consistent,
// the schedule tables and the noise sampler that validate the training
// configuration (the sampler's kernel grows with the square of the model's
// image size). A file whose arrays do not fit its model is refused before
// the model is laid out, whatever size it declares (FuzzDecodeCheckpoint
// checks the bound).
func DecodeCheckpoint(data []byte) (*Checkpoint, error) {
	const head = len(checkpointMagic) + 8
	if len(data) < len(checkpointMagic) || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, errors.New("diffusion: not a diffusion checkpoint (bad magic)")
	}
	if len(data) < head+4 {
		return nil, fmt.Errorf("diffusion: checkpoint truncated: %d bytes", len(data))
	}
	count := binary.LittleEndian.Uint32(data[len(checkpointMagic)+4:])
	// Walk the envelope before trusting anything.
	secs := make(map[string][]byte)
	p := head
	for i := uint32(0); i < count; i++ {
		if len(data)-p < 12 {
			return nil, fmt.Errorf("diffusion: checkpoint truncated in the header of section %d of %d", i+1, count)
		}
		tag := string(data[p : p+4])
		n := binary.LittleEndian.Uint64(data[p+4:])
		p += 12
		if n > uint64(len(data)-p) {
			return nil, fmt.Errorf("diffusion: checkpoint truncated or corrupted: section %q of %d bytes, %d remain", tag, n, len(data)-p)
		}
		secs[tag] = data[p : p+int(n)]
		p += int(n)
	}
	switch rest := len(data) - p; {
	case rest < 4:
		return nil, fmt.Errorf("diffusion: checkpoint truncated: checksum missing")
	case rest > 4:
		return nil, fmt.Errorf("diffusion: checkpoint corrupted: %d unexpected bytes after the sections", rest-4)
	}
	if got, want := crc32.Checksum(data[:p], checkpointCRC), binary.LittleEndian.Uint32(data[p:]); got != want {
		return nil, fmt.Errorf("diffusion: checkpoint corrupted: checksum %08x, file says %08x", got, want)
	}
	version := binary.LittleEndian.Uint32(data[len(checkpointMagic):])
	if version != 1 && version != checkpointVersion {
		return nil, fmt.Errorf("diffusion: checkpoint format version %d, this build reads versions 1 and %d", version, checkpointVersion)
	}
	need := checkpointSections
	if version == 1 {
		need = append(need[:len(need):len(need)], secNoise)
	}
	for _, tag := range need {
		if _, ok := secs[tag]; !ok {
			return nil, fmt.Errorf("diffusion: checkpoint lacks section %q", tag)
		}
	}
	ck := &Checkpoint{Norm: new(Normalizer)}
	for _, js := range []struct {
		tag string
		v   any
	}{{secModel, &ck.Model}, {secNorm, ck.Norm}} {
		if err := json.Unmarshal(secs[js.tag], js.v); err != nil {
			return nil, fmt.Errorf("diffusion: checkpoint section %q: %w", js.tag, err)
		}
	}
	if version == 1 {
		tc, err := trainConfigV1(secs[secTrain], secs[secNoise], ck.Model.Size)
		if err != nil {
			return nil, err
		}
		ck.Train = tc
	} else {
		// Fields added later keep their legacy values when absent: the
		// paper's schedule ends and ε-prediction.
		ck.Train.MaxSignal, ck.Train.MinSignal = legacyMaxSignal, legacyMinSignal
		if err := json.Unmarshal(secs[secTrain], &ck.Train); err != nil {
			return nil, fmt.Errorf("diffusion: checkpoint section %q: %w", secTrain, err)
		}
	}
	if s := secs[secStep]; len(s) != 8 || binary.LittleEndian.Uint64(s) > math.MaxInt32 {
		return nil, fmt.Errorf("diffusion: checkpoint section %q is invalid", secStep)
	}
	ck.Step = int(binary.LittleEndian.Uint64(secs[secStep]))
	ck.RNG = append([]byte(nil), secs[secRNG]...)
	for _, fs := range []struct {
		tag string
		dst *[]float64
	}{{secParams, &ck.Params}, {secEMA, &ck.EMA}, {secM, &ck.M}, {secV, &ck.V}} {
		s := secs[fs.tag]
		if len(s)%8 != 0 {
			return nil, fmt.Errorf("diffusion: checkpoint section %q of %d bytes is not a float64 array", fs.tag, len(s))
		}
		out := make([]float64, len(s)/8)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(s[8*i:]))
		}
		*fs.dst = out
	}
	if err := ck.validate(); err != nil {
		return nil, err
	}
	return ck, nil
}

// validate checks the consistency of a checkpoint. The checks that cost
// no more memory than the checkpoint holds come first: the parameter count
// is computed from the model's layout without allocating the model, so
// that a short file declaring a large model is refused before anything
// large is allocated. The noise is checked last, by building its sampler,
// whose kernel is as large as the model's images need (about 100 bytes per
// pixel of the padded grid, for a Size×Size model).
func (ck *Checkpoint) validate() error {
	if ck == nil {
		return errors.New("diffusion: nil checkpoint")
	}
	n, err := ck.Model.numParams()
	if err != nil {
		return fmt.Errorf("diffusion: checkpoint model: %w", err)
	}
	for _, a := range []struct {
		name string
		s    []float64
	}{{"weights", ck.Params}, {"EMA weights", ck.EMA}, {"AdamW first moments", ck.M}, {"AdamW second moments", ck.V}} {
		if len(a.s) != n {
			return fmt.Errorf("diffusion: checkpoint has %d %s, the model has %d parameters", len(a.s), a.name, n)
		}
		for i, v := range a.s {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("diffusion: checkpoint %s entry %d is %v", a.name, i, v)
			}
		}
	}
	if ck.Step < 0 {
		return fmt.Errorf("diffusion: checkpoint step %d is negative", ck.Step)
	}
	if err := new(rand.PCG).UnmarshalBinary(ck.RNG); err != nil {
		return fmt.Errorf("diffusion: checkpoint random state: %w", err)
	}
	if err := ck.Norm.validate(ck.Model.Channels, ck.Model.Size); err != nil {
		return fmt.Errorf("diffusion: checkpoint: %w", err)
	}
	if err := ck.Train.validate(); err != nil {
		return fmt.Errorf("diffusion: checkpoint training configuration: %w", err)
	}
	if ck.Train.Noise.Rows == 0 {
		return fmt.Errorf("diffusion: checkpoint noise has no size")
	}
	if _, err := noiseForSize(ck.Train.Noise, ck.Model.Size); err != nil {
		return fmt.Errorf("diffusion: checkpoint: %w", err)
	}
	return nil
}

// Resume returns a trainer that continues the run saved at path on the
// training images (the same set, in the layout of NewTrainer). The
// normalisation, Δ, configuration, weights, moments, EMA, step and random
// stream come from the checkpoint, so training on continues exactly as the
// saved run would have. It returns an error if the checkpoint cannot be
// read (see ReadCheckpoint) or the images do not fit the model.
func Resume(path string, images []*mat.Dense) (*Trainer, error) {
	ck, err := ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	return ResumeFrom(ck, images)
}

// ResumeFrom is Resume from a checkpoint in memory. The trainer copies what
// it keeps of ck.
func ResumeFrom(ck *Checkpoint, images []*mat.Dense) (*Trainer, error) {
	if err := ck.validate(); err != nil {
		return nil, err
	}
	if _, err := imagesOf(images, ck.Model.Channels, ck.Model.Size); err != nil {
		return nil, err
	}
	net, err := newUNetFromParams(ck.Model, ck.Params)
	if err != nil {
		return nil, err
	}
	ema := net.Clone()
	copy(ema.Params(), ck.EMA)
	tr := &Trainer{cfg: ck.Train, net: net, ema: ema, norm: ck.Norm.clone()}
	tr.loadData(images)
	tr.m = append([]float64(nil), ck.M...)
	tr.v = append([]float64(nil), ck.V...)
	tr.step = ck.Step
	tr.pcg = new(rand.PCG)
	if err := tr.pcg.UnmarshalBinary(ck.RNG); err != nil {
		return nil, fmt.Errorf("diffusion: checkpoint random state: %w", err)
	}
	if err := tr.init(); err != nil {
		return nil, err
	}
	return tr, nil
}

// newUNetFromParams returns a UNet for cfg with a copy of params.
func newUNetFromParams(cfg UNetConfig, params []float64) (*UNet, error) {
	u, err := NewUNet(cfg, rand.NewPCG(0, 0))
	if err != nil {
		return nil, err
	}
	if len(params) != u.NumParams() {
		return nil, fmt.Errorf("diffusion: %d weights for a model of %d parameters", len(params), u.NumParams())
	}
	copy(u.Params(), params)
	return u, nil
}

// trainConfigV1 converts the training configuration and noise sections of
// a version-1 checkpoint (see the format notes above).
func trainConfigV1(train, ns []byte, size int) (TrainConfig, error) {
	// The outer fields shadow TrainConfig's in JSON decoding.
	var v1 struct {
		TrainConfig
		Noise string
		Delta float64
	}
	v1.MaxSignal, v1.MinSignal = legacyMaxSignal, legacyMinSignal
	if err := json.Unmarshal(train, &v1); err != nil {
		return TrainConfig{}, fmt.Errorf("diffusion: checkpoint section %q: %w", secTrain, err)
	}
	var n struct {
		Kind             string
		Delta, Pad, KMin float64
	}
	if err := json.Unmarshal(ns, &n); err != nil {
		return TrainConfig{}, fmt.Errorf("diffusion: checkpoint section %q: %w", secNoise, err)
	}
	tc := v1.TrainConfig
	tc.LossDelta = v1.Delta
	switch {
	case n.Kind != v1.Noise:
		return TrainConfig{}, fmt.Errorf("diffusion: version-1 checkpoint noise %q does not match its configuration %q", n.Kind, v1.Noise)
	case n.Kind == "white":
		tc.Noise = noise.Spec{Rows: size, Cols: size, Density: noise.WhiteDensity()}
	case n.Kind == "cloud":
		if n.Delta != v1.Delta {
			return TrainConfig{}, fmt.Errorf("diffusion: version-1 checkpoint noise Δ = %v does not match its configuration's %v", n.Delta, v1.Delta)
		}
		tc.Noise = noise.Spec{Rows: size, Cols: size, Delta: n.Delta, Pad: n.Pad, KMin: n.KMin}
	default:
		return TrainConfig{}, fmt.Errorf("diffusion: version-1 checkpoint with unknown noise %q", n.Kind)
	}
	return tc, nil
}
