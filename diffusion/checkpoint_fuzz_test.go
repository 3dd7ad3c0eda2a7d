package diffusion

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cloud-diffusion/noise"
)

// ckFuzzSections walks the envelope of a checkpoint as DecodeCheckpoint
// does (a later section of the same tag replaces an earlier one) and
// returns the payloads by tag and the offsets of the length fields, or nil
// when the envelope is broken.
func ckFuzzSections(data []byte) (secs map[string][]byte, lengths []int) {
	p := len(checkpointMagic) + 8
	if len(data) < p || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, nil
	}
	secs = make(map[string][]byte)
	count := binary.LittleEndian.Uint32(data[len(checkpointMagic)+4:])
	for i := uint32(0); i < count; i++ {
		if len(data)-p < 12 {
			return nil, nil
		}
		tag := string(data[p : p+4])
		n := binary.LittleEndian.Uint64(data[p+4:])
		lengths = append(lengths, p+4)
		p += 12
		if n > uint64(len(data)-p) {
			return nil, nil
		}
		secs[tag] = data[p : p+int(n)]
		p += int(n)
	}
	return secs, lengths
}

// ckFuzzDeclared returns the model Size and the TimeSteps a checkpoint's
// JSON sections declare (0 when unreadable).
func ckFuzzDeclared(data []byte) (size, steps int) {
	secs, _ := ckFuzzSections(data)
	var m struct{ Size int }
	var c struct{ TimeSteps int }
	_ = json.Unmarshal(secs[secModel], &m)
	_ = json.Unmarshal(secs[secTrain], &c)
	return max(m.Size, 0), max(c.TimeSteps, 0)
}

// ckAllocBound is DecodeCheckpoint's allocation bound, in bytes, for n
// input bytes declaring a Size×Size model and a schedule of steps time
// steps: 4 times the input (the decoded arrays and JSON values), the noise
// kernel of the model's padded grid (at most 256 bytes per pixel of the
// 3·Size × 3·Size grid) and the schedule's tables (64 bytes per step), plus
// 4 MiB for the fixed costs and the test itself.
func ckAllocBound(n, size, steps int) uint64 {
	pad := uint64(3 * size)
	return 4<<20 + 4*uint64(n) + 256*pad*pad + 64*uint64(steps)
}

// FuzzDecodeCheckpoint checks DecodeCheckpoint and ReadCheckpoint on any
// bytes. With fixCRC the checksum is recomputed first, so that the fuzzer
// reaches the checks behind it. Properties: a "diffusion: " error and no
// checkpoint, or a checkpoint; allocation within ckAllocBound (a short
// file declaring a large model is refused before the model is allocated);
// ReadCheckpoint of the same bytes in a file agrees; a decoded checkpoint
// re-encodes (WriteTo) to bytes that decode again and re-encode to the
// same bytes, with its binary sections (step, random state, weights,
// moments) byte for byte those of the input.
//
// The seed corpus (testdata/fuzz/FuzzDecodeCheckpoint) holds checkpoints
// of a tiny UNet (Size 8, Base 2, Mults [1], Groups 1, trained 2 steps)
// written by WriteTo with cloud noise and the spectral loss, white noise,
// and matched (measured) noise; the two version-1 files of testdata; and
// truncated, flipped, trailing-byte, empty and magic-only files.
func FuzzDecodeCheckpoint(f *testing.F) {
	path := filepath.Join(f.TempDir(), "fuzz.ckpt")
	f.Fuzz(func(t *testing.T, data []byte, fixCRC bool) {
		if fixCRC && len(data) >= 4 {
			data = ckTestRewrite(data, func([]byte) {})
		}
		size, steps := ckFuzzDeclared(data)
		if size > 64 {
			// A legal model size whose noise kernel is large: reaching it
			// needs every other check passed; decoding it would spend the
			// fuzzing time allocating.
			t.Skipf("model size %d: too large to fuzz", size)
		}
		var ck *Checkpoint
		var err error
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ck, err = DecodeCheckpoint(data)
		runtime.ReadMemStats(&after)
		if alloc, bound := after.TotalAlloc-before.TotalAlloc, ckAllocBound(len(data), size, steps); alloc > bound {
			t.Fatalf("DecodeCheckpoint of %d bytes (size %d, %d time steps) allocated %d bytes, bound %d (err %v)",
				len(data), size, steps, alloc, bound, err)
		}
		require.NoError(t, os.WriteFile(path, data, 0o644))
		fromFile, errFile := ReadCheckpoint(path)
		if (err == nil) != (errFile == nil) {
			t.Fatalf("DecodeCheckpoint error %v, ReadCheckpoint error %v", err, errFile)
		}
		if err != nil {
			if ck != nil || fromFile != nil {
				t.Fatalf("error %v with a checkpoint", err)
			}
			for _, e := range []error{err, errFile} {
				if !strings.HasPrefix(e.Error(), "diffusion: ") {
					t.Fatalf("error without the package prefix: %v", e)
				}
			}
			return
		}
		var enc bytes.Buffer
		if _, err := ck.WriteTo(&enc); err != nil {
			t.Fatalf("WriteTo of a decoded checkpoint: %v", err)
		}
		var encFile bytes.Buffer
		if _, err := fromFile.WriteTo(&encFile); err != nil || !bytes.Equal(enc.Bytes(), encFile.Bytes()) {
			t.Fatalf("ReadCheckpoint and DecodeCheckpoint differ (%v)", err)
		}
		again, err := DecodeCheckpoint(enc.Bytes())
		if err != nil {
			t.Fatalf("decoding WriteTo's encoding: %v", err)
		}
		var enc2 bytes.Buffer
		if _, err := again.WriteTo(&enc2); err != nil || !bytes.Equal(enc.Bytes(), enc2.Bytes()) {
			t.Fatalf("encode(decode(encode)) differs from encode (%v)", err)
		}
		in, _ := ckFuzzSections(data)
		out, _ := ckFuzzSections(enc.Bytes())
		for _, tag := range []string{secStep, secRNG, secParams, secEMA, secM, secV} {
			if !bytes.Equal(in[tag], out[tag]) {
				t.Fatalf("section %q does not re-encode to the same bytes", tag)
			}
		}
	})
}

// ckTinyCheckpoint returns the bytes of a version-2 checkpoint of a tiny
// UNet trained 2 steps with cloud noise and the spectral loss.
func ckTinyCheckpoint(t *testing.T) []byte {
	t.Helper()
	net, err := NewUNet(UNetConfig{Channels: 1, Size: 8, Base: 2, Mults: []int{1}, ResBlocks: 1, Groups: 1}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	tc := trainTestTC()
	tc.Noise = noise.Spec{Delta: 1.2}
	tc.LossDelta = 1.2
	tc.Loss = LossSpectral
	tr, err := NewTrainer(net, trainTestImages(5, 8, 21), tc)
	require.NoError(t, err)
	for range 2 {
		_, err := tr.Step()
		require.NoError(t, err)
	}
	var buf bytes.Buffer
	_, err = tr.Checkpoint().WriteTo(&buf)
	require.NoError(t, err)
	return buf.Bytes()
}

// TestCheckpointEveryFlipAndTruncation flips one bit of every byte of a
// checkpoint (the bit cycling through the 8 positions) and cuts it at
// every length: every one is an error, never a checkpoint. Outside the
// magic, the section count and the length fields (which break the
// envelope first), the checksum is what catches a flip.
func TestCheckpointEveryFlipAndTruncation(t *testing.T) {
	good := ckTinyCheckpoint(t)
	_, err := DecodeCheckpoint(good)
	require.NoError(t, err)
	_, lengths := ckFuzzSections(good)
	envelope := make(map[int]bool)
	for i := range len(checkpointMagic) {
		envelope[i] = true
	}
	for i := range 4 {
		envelope[len(checkpointMagic)+4+i] = true // section count
	}
	for _, p := range lengths {
		for i := range 8 {
			envelope[p+i] = true
		}
	}
	d := append([]byte(nil), good...)
	for i := range d {
		d[i] ^= 1 << (i % 8)
		ck, err := DecodeCheckpoint(d)
		d[i] = good[i]
		if err == nil || ck != nil {
			t.Fatalf("bit %d of byte %d flipped: no error", i%8, i)
		}
		if !envelope[i] && !strings.Contains(err.Error(), "checksum") {
			t.Fatalf("bit %d of byte %d flipped: %v, want a checksum error", i%8, i, err)
		}
	}
	for n := range len(good) {
		if ck, err := DecodeCheckpoint(good[:n]); err == nil || ck != nil {
			t.Fatalf("cut at %d of %d bytes: no error", n, len(good))
		}
	}
}

// TestCheckpointLargeModelNotAllocated: a checkpoint whose model
// configuration (with a valid checksum) declares a UNet of 2^26 parameters
// while carrying the arrays of a tiny one is refused before the large
// model is allocated (before, validate built the model first: 1 GiB).
func TestCheckpointLargeModelNotAllocated(t *testing.T) {
	good := ckTinyCheckpoint(t)
	ck, err := DecodeCheckpoint(good)
	require.NoError(t, err)
	ck.Model.Base, ck.Model.Mults = 256, []int{1, 2, 2}
	n, err := ck.Model.numParams()
	require.NoError(t, err)
	require.Greater(t, n, 1<<24, "the declared model must be large")
	model, err := json.Marshal(ck.Model)
	require.NoError(t, err)
	secs, _ := ckFuzzSections(good)
	var b bytes.Buffer
	b.Write(good[:len(checkpointMagic)+8])
	for _, tag := range checkpointSections {
		payload := secs[tag]
		if tag == secModel {
			payload = model
		}
		b.WriteString(tag)
		b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(payload))))
		b.Write(payload)
	}
	b.Write(make([]byte, 4))
	data := ckTestRewrite(b.Bytes(), func([]byte) {})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = DecodeCheckpoint(data)
	runtime.ReadMemStats(&after)
	require.ErrorContains(t, err, "the model has")
	alloc := after.TotalAlloc - before.TotalAlloc
	if bound := ckAllocBound(len(data), ck.Model.Size, ck.Train.TimeSteps); alloc > bound {
		t.Errorf("%d-byte checkpoint declaring %d parameters allocated %d bytes, bound %d", len(data), n, alloc, bound)
	}
}
