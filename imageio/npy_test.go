package imageio

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// Files written by numpy 1.24 (np.save to a BytesIO, via /usr/bin/python3).
var (
	// np.arange(12, dtype=np.float32).reshape(2, 1, 2, 3) / 4
	npyTestF32N1HW = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c20312c20322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000803e0000003f0000403f0000803f0000a03f0000c03f0000e03f00000040000010400000204000003040"
	// np.asfortranarray(np.array([[0, 1, 2], [128, 254, 255]], dtype=np.uint8))
	npyTestU8Fortran = "934e554d5059010076007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a008001fe02ff"
	// np.array([[[1.5, -2], [3, 4]], [[5, 6], [7, 1e300]]], dtype='>f8')
	npyTestF64BigEndian = "934e554d5059010076007b276465736372273a20273e6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c20322c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a3ff8000000000000c0000000000000004008000000000000401000000000000040140000000000004018000000000000401c0000000000007e37e43c8800759c"
)

func npyTestBytes(t *testing.T, h string) []byte {
	t.Helper()
	b, err := hex.DecodeString(h)
	require.NoError(t, err)
	return b
}

func TestReadNPYGolden(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		hex  string
		want [][]float64 // one row-major slice per image
		rows int
	}{
		{npyTestF32N1HW, [][]float64{{0, 0.25, 0.5, 0.75, 1, 1.25}, {1.5, 1.75, 2, 2.25, 2.5, 2.75}}, 2},
		{npyTestU8Fortran, [][]float64{{0, 1.0 / 255, 2.0 / 255, 128.0 / 255, 254.0 / 255, 1}}, 2},
		{npyTestF64BigEndian, [][]float64{{1.5, -2, 3, 4}, {5, 6, 7, 1e300}}, 2},
	} {
		imgs, err := ReadNPY(bytes.NewReader(npyTestBytes(t, tc.hex)))
		require.NoError(t, err, "case %d", i)
		require.Len(t, imgs, len(tc.want), "case %d", i)
		for k, w := range tc.want {
			r, c := imgs[k].Dims()
			require.Equal(t, [2]int{tc.rows, len(w) / tc.rows}, [2]int{r, c}, "case %d image %d", i, k)
			assert.Equal(t, w, imgs[k].RawMatrix().Data, "case %d image %d", i, k)
		}
	}
}

func TestWriteReadNPYRoundTrip(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 3} {
		imgs := make([]*mat.Dense, n)
		for k := range imgs {
			imgs[k] = mat.NewDense(4, 5, nil)
			for i := range imgs[k].RawMatrix().Data {
				imgs[k].RawMatrix().Data[i] = rnd.NormFloat64()
			}
		}
		// A strided view must be written by its logical contents.
		big := mat.NewDense(6, 7, nil)
		big.Apply(func(i, j int, _ float64) float64 { return float64(10*i + j) }, big)
		imgs[0] = big.Slice(1, 5, 2, 7).(*mat.Dense)

		var buf bytes.Buffer
		require.NoError(t, WriteNPY(&buf, imgs))
		// The header records float64 and the shape (N,H,W), also for one
		// image (issue 15 item 9: before, one image was written (H,W), so
		// the shape of a stack depended on its count).
		wantShape := fmt.Sprintf("(%d, 4, 5)", n)
		assert.Contains(t, buf.String()[:128], "'descr': '<f8'", "n=%d", n)
		assert.Contains(t, buf.String()[:128], "'shape': "+wantShape, "n=%d", n)
		got, err := ReadNPY(&buf)
		require.NoError(t, err)
		require.Len(t, got, n)
		for k := range imgs {
			assert.True(t, mat.Equal(imgs[k], got[k]), "n=%d image %d", n, k)
		}
	}
}

// WriteNPYMatrix writes one 2-D array, shape (H,W).
func TestWriteNPYMatrix(t *testing.T) {
	t.Parallel()
	m := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	var buf bytes.Buffer
	require.NoError(t, WriteNPYMatrix(&buf, m))
	assert.Contains(t, buf.String()[:128], "'shape': (2, 3)")
	got, err := ReadNPY(&buf)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, mat.Equal(m, got[0]))
	for _, bad := range []*mat.Dense{nil, {}, mat.NewDense(1, 1, []float64{math.NaN()})} {
		buf.Reset()
		assert.Error(t, WriteNPYMatrix(&buf, bad))
		assert.Zero(t, buf.Len(), "nothing written")
	}
}

// npyTestFile builds a .npy v1.0 file with the given header dictionary
// and raw data.
func npyTestFile(dict string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	pad := 64 - (10+len(dict)+1)%64
	h := dict + strings.Repeat(" ", pad) + "\n"
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func npyTestF64(vals ...float64) []byte {
	b := make([]byte, 0, 8*len(vals))
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func TestReadNPYErrors(t *testing.T) {
	t.Parallel()
	const f8 = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }"
	good := npyTestFile(fmt.Sprintf(f8, "(2, 2)"), npyTestF64(1, 2, 3, 4))
	for i, tc := range []struct {
		data []byte
		want string
	}{
		{npyTestFile(fmt.Sprintf(f8, "(2, 2)"), npyTestF64(1, math.NaN(), 3, 4)), "non-finite value NaN in image 0 at row 0, col 1"},
		{npyTestFile(fmt.Sprintf(f8, "(2, 1, 1, 2)"), npyTestF64(1, 2, 3, math.Inf(1))), "non-finite value +Inf in image 1 at row 0, col 1"},
		{good[:len(good)-3], "truncated data"},
		{append(append([]byte(nil), good...), 0), "data beyond its shape"},
		{[]byte("not numpy at all"), "not a .npy file"},
		{nil, "not a .npy file"},
		{good[:20], "truncated .npy header"},
		{npyTestFile(fmt.Sprintf(f8, "(4,)"), npyTestF64(1, 2, 3, 4)), "want (H,W), (N,H,W) or (N,1,H,W)"},
		{npyTestFile(fmt.Sprintf(f8, "(1, 2, 1, 2)"), npyTestF64(1, 2, 3, 4)), "want (H,W), (N,H,W) or (N,1,H,W)"},
		{npyTestFile(fmt.Sprintf(f8, "(0, 4, 4)"), nil), "empty .npy array"},
		{npyTestFile(fmt.Sprintf(f8, "(100000, 4096, 4096)"), nil), "exceeds the limit"},
		{npyTestFile("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", make([]byte, 8)), "unsupported .npy dtype"},
		// Found by FuzzReadNPY: an unparsable dtype made the npyio type parser panic.
		{npyTestFile("{'descr': 'zz', 'fortran_order': False, 'shape': (1, 1), }", make([]byte, 8)), "unsupported .npy dtype"},
		{npyTestFile("{'descr': '|f8', 'fortran_order': False, 'shape': (1, 1), }", make([]byte, 8)), "unsupported .npy dtype"},
		{npyTestFile("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1, 1), }", make([]byte, 8)), "malformed .npy header"},
		{npyTestFile("{'descr': '<f8', 'shape': (1, 1), }", make([]byte, 8)), "malformed .npy header"},
		{npyTestFile("{'descr': '<f8', 'fortran_order': False, 'shape': (a, 1), }", make([]byte, 8)), "malformed .npy header"},
		{[]byte("\x93NUMPY\x01\x00\x05\x00abcde"), "malformed .npy header"}, // no newline, no dict
		{[]byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{"), "header of 2147483647 bytes is too long"},
		{[]byte("\x93NUMPY\x07\x00\x05\x00abcde"), "unsupported .npy format version 7.0"},
	} {
		var imgs []*mat.Dense
		var err error
		require.NotPanics(t, func() { imgs, err = ReadNPY(bytes.NewReader(tc.data)) }, "case %d", i)
		require.Error(t, err, "case %d", i)
		assert.Nil(t, imgs, "case %d", i)
		assert.True(t, strings.HasPrefix(err.Error(), "imageio: "), "case %d: %v", i, err)
		assert.Contains(t, err.Error(), tc.want, "case %d", i)
	}

	// Through a file, the error names it.
	p := writeTestFile(t, t.TempDir(), "nan.npy",
		npyTestFile(fmt.Sprintf(f8, "(1, 2)"), npyTestF64(math.NaN(), 0)))
	_, err := LoadNPY(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), p)
	assert.Contains(t, err.Error(), "NaN")
	_, err = LoadNPY(filepath.Join(t.TempDir(), "missing.npy"))
	assert.ErrorContains(t, err, "missing.npy")
}

func TestWriteNPYErrors(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		imgs []*mat.Dense
		want string
	}{
		{nil, "no images"},
		{[]*mat.Dense{mat.NewDense(2, 2, nil), mat.NewDense(2, 3, nil)}, "image 1 is 2×3, image 0 is 2×2"},
		{[]*mat.Dense{mat.NewDense(1, 2, []float64{0, math.NaN()})}, "non-finite value NaN in image 0 at row 0, col 1"},
	} {
		var buf bytes.Buffer
		err := WriteNPY(&buf, tc.imgs)
		require.Error(t, err, "case %d", i)
		assert.True(t, strings.HasPrefix(err.Error(), "imageio: "), "case %d: %v", i, err)
		assert.Contains(t, err.Error(), tc.want, "case %d", i)
		assert.Zero(t, buf.Len(), "case %d wrote bytes", i)
	}
}

// TestWriteNPYMatchesNumpy compares WriteNPY's bytes with numpy.save's for
// the arrays (np.arange(n)*0.5 - 1).reshape(shape): the header is the prefix
// numpy 1.24 wrote (printed with
//
//	b = io.BytesIO(); np.save(b, a); b.getvalue()[:128]
//
// ), the data little-endian float64 in C order, 320 and 248 bytes in all.
func TestWriteNPYMatchesNumpy(t *testing.T) {
	t.Parallel()
	pad := func(dict string) string {
		for len(dict) < 128-10-1 {
			dict += " "
		}
		return "\x93NUMPY\x01\x00v\x00" + dict + "\n"
	}
	cases := []struct {
		shape  []int
		header string
		size   int
	}{
		{[]int{2, 3, 4}, pad("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }"), 320},
		{[]int{3, 5}, pad("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }"), 248},
	}
	for _, c := range cases {
		rows, cols := c.shape[len(c.shape)-2], c.shape[len(c.shape)-1]
		n := 1
		if len(c.shape) == 3 {
			n = c.shape[0]
		}
		imgs := make([]*mat.Dense, n)
		v := 0
		for k := range imgs {
			imgs[k] = mat.NewDense(rows, cols, nil)
			for i := range rows {
				for j := range cols {
					imgs[k].Set(i, j, float64(v)*0.5-1)
					v++
				}
			}
		}
		var buf bytes.Buffer
		write := func() error { return WriteNPY(&buf, imgs) }
		if len(c.shape) == 2 {
			write = func() error { return WriteNPYMatrix(&buf, imgs[0]) }
		}
		if err := write(); err != nil {
			t.Fatal(err)
		}
		got := buf.Bytes()
		if len(got) != c.size || string(got[:128]) != c.header {
			t.Fatalf("shape %v: %d bytes, header %q; want %d bytes, header %q", c.shape, len(got), got[:min(128, len(got))], c.size, c.header)
		}
		for i := 0; i < v; i++ {
			want := float64(i)*0.5 - 1
			if g := math.Float64frombits(binary.LittleEndian.Uint64(got[128+8*i:])); g != want {
				t.Fatalf("shape %v value %d: %v want %v", c.shape, i, g, want)
			}
		}
	}
}
