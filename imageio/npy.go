package imageio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

// MaxElements is the largest number of values a .npy array may declare
// (1<<28 values: 2 GiB as float64); larger headers are rejected before
// any data are read.
const MaxElements = 1 << 28

// maxNPYHeader bounds the header length of a .npy file (NumPy itself
// refuses headers above 10000 bytes by default).
const maxNPYHeader = 1 << 16

// npyHeader is a validated .npy header.
type npyHeader struct {
	dtype   npyType
	fortran bool
	shape   []int
	n       int // images
	rows    int
	cols    int
}

// npyType is a supported .npy element type.
type npyType struct {
	name string // "float64", "float32", "uint8" or "uint16"
	size int    // bytes per value
	big  bool   // big-endian
}

func (t npyType) String() string { return t.name }

// parseNPYType parses a .npy descr string, quoted as in the header: an
// optional byte order ('<' little-endian, '>' big-endian, '=' native, here
// little-endian, '|' not applicable) and one of f8, f4, u1, u2.
func parseNPYType(descr string) (npyType, bool) {
	for _, q := range []string{"'", `"`} {
		if len(descr) >= 2 && strings.HasPrefix(descr, q) && strings.HasSuffix(descr, q) {
			descr = descr[1 : len(descr)-1]
			break
		}
	}
	var t npyType
	code := descr
	if code != "" && strings.ContainsRune("<>=|", rune(code[0])) {
		t.big = code[0] == '>'
		code = code[1:]
	}
	switch code {
	case "f8":
		t.name, t.size = "float64", 8
	case "f4":
		t.name, t.size = "float32", 4
	case "u1":
		t.name, t.size = "uint8", 1
	case "u2":
		t.name, t.size = "uint16", 2
	default:
		return npyType{}, false
	}
	if descr[0] == '|' && t.size > 1 {
		return npyType{}, false // a multi-byte type needs a byte order
	}
	return t, true
}

// value returns the value of the element encoded at the start of b, as
// ReadNPY documents it.
func (t npyType) value(b []byte) float64 {
	order := binary.ByteOrder(binary.LittleEndian)
	if t.big {
		order = binary.BigEndian
	}
	switch t.size {
	case 8:
		return math.Float64frombits(order.Uint64(b))
	case 4:
		return float64(math.Float32frombits(order.Uint32(b)))
	case 2:
		return float64(order.Uint16(b)) / 65535
	}
	return float64(b[0]) / 255
}

// LoadNPY reads the .npy file at path with ReadNPY; errors name the file.
func LoadNPY(path string) ([]*mat.Dense, error) {
	imgs, _, err := loadNPY(path)
	return imgs, err
}

func loadNPY(path string) ([]*mat.Dense, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("imageio: %w", err)
	}
	defer f.Close()
	return readNPY(path, f)
}

// ReadNPY reads a NumPy .npy array from r into one matrix per image.
// Accepted shapes are (H,W) (one image), (N,H,W) and (N,1,H,W) (N images
// of H rows and W columns), in C or Fortran order, with element type
// float64, float32, uint8 or uint16 of either byte order. Floating-point
// values are kept as stored; uint8 values are divided by 255 and uint16
// values by 65535, like 8- and 16-bit image samples. Non-finite values,
// empty or oversized shapes (above MaxElements values), truncated data and
// trailing bytes are errors.
//
// ReadNPY allocates the matrices (8 bytes per value, what the shape
// declares) and, for the raw data, a buffer that grows only as data
// arrive: at most 1 MiB plus four times the bytes read. So a short input
// whose header claims a large array is refused as truncated after
// allocating little (TestReadNPYAllocation measures it), and memory is
// bounded by 1 MiB plus 12 times the input size plus the matrices' headers
// (about 100 bytes per image).
func ReadNPY(r io.Reader) ([]*mat.Dense, error) {
	if r == nil {
		return nil, errors.New("imageio: ReadNPY: nil reader")
	}
	imgs, _, err := readNPY("input", r)
	return imgs, err
}

// readNPY reads a .npy array from r, naming it name in errors, and
// returns the images and the array shape.
func readNPY(name string, r io.Reader) (imgs []*mat.Dense, shape []int, err error) {
	br := bufio.NewReader(r)
	h, err := readNPYHeader(name, br)
	if err != nil {
		return nil, nil, err
	}
	total := h.n * h.rows * h.cols
	raw, err := readGrowing(br, total*h.dtype.size)
	if err != nil {
		return nil, nil, fmt.Errorf("imageio: %s: reading .npy data (%s, shape %v): %w", name, h.dtype, h.shape, npyDataError(err))
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, nil, fmt.Errorf("imageio: %s: .npy file has data beyond its shape %v", name, h.shape)
	}
	imgs = make([]*mat.Dense, h.n)
	plane := h.rows * h.cols
	size := h.dtype.size
	for k := range imgs {
		m := mat.NewDense(h.rows, h.cols, nil)
		data := m.RawMatrix().Data
		for y := range h.rows {
			for x := range h.cols {
				// C order: element (k, y, x) sits at (k H + y) W + x;
				// Fortran order at k + N(y + H x).
				i := k*plane + y*h.cols + x
				if h.fortran {
					i = k + h.n*(y+h.rows*x)
				}
				v := h.dtype.value(raw[i*size:])
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, nil, fmt.Errorf("imageio: %s: non-finite value %v in image %d at row %d, col %d",
						name, v, k, y, x)
				}
				data[y*h.cols+x] = v
			}
		}
		imgs[k] = m
	}
	return imgs, h.shape, nil
}

// readNPYHeader reads and validates a .npy header (format version 1 or
// 2) from br, leaving br at the start of the data.
func readNPYHeader(name string, br *bufio.Reader) (*npyHeader, error) {
	// Check the prefix ourselves before handing the stream to npyio, which
	// trusts the header length and layout.
	pre, err := br.Peek(10)
	if err != nil || !bytes.Equal(pre[:6], npyio.Magic[:]) {
		return nil, fmt.Errorf("imageio: %s: not a .npy file (bad or missing magic string)", name)
	}
	var hlen, plen int
	switch pre[6] {
	case 1:
		hlen, plen = int(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2:
		pre, err = br.Peek(12)
		if err != nil {
			return nil, fmt.Errorf("imageio: %s: truncated .npy header", name)
		}
		hlen, plen = int(binary.LittleEndian.Uint32(pre[8:12])), 12
	default:
		return nil, fmt.Errorf("imageio: %s: unsupported .npy format version %d.%d", name, pre[6], pre[7])
	}
	if hlen > maxNPYHeader {
		return nil, fmt.Errorf("imageio: %s: .npy header of %d bytes is too long", name, hlen)
	}
	all, err := br.Peek(plen + hlen)
	if err != nil {
		return nil, fmt.Errorf("imageio: %s: truncated .npy header", name)
	}
	dict := all[plen:]
	if !bytes.HasPrefix(bytes.TrimSpace(dict), []byte("{")) || bytes.IndexByte(dict, '\n') < 0 ||
		bytes.IndexByte(dict, '}') < 0 {
		return nil, fmt.Errorf("imageio: %s: malformed .npy header %q", name, dict)
	}
	var nr *npyio.Reader
	if err := guard(func() error {
		var err error
		nr, err = npyio.NewReader(br)
		return err
	}); err != nil {
		return nil, fmt.Errorf("imageio: %s: malformed .npy header: %w", name, err)
	}
	h := &npyHeader{fortran: nr.Header.Descr.Fortran, shape: nr.Header.Descr.Shape}
	var ok bool
	if h.dtype, ok = parseNPYType(nr.Header.Descr.Type); !ok {
		return nil, fmt.Errorf("imageio: %s: unsupported .npy dtype %q (want float64, float32, uint8 or uint16)",
			name, nr.Header.Descr.Type)
	}
	s := h.shape
	switch {
	case len(s) == 2:
		h.n, h.rows, h.cols = 1, s[0], s[1]
	case len(s) == 3:
		h.n, h.rows, h.cols = s[0], s[1], s[2]
	case len(s) == 4 && s[1] == 1:
		h.n, h.rows, h.cols = s[0], s[2], s[3]
	default:
		return nil, fmt.Errorf("imageio: %s: .npy shape %v: want (H,W), (N,H,W) or (N,1,H,W)", name, s)
	}
	if h.n <= 0 || h.rows <= 0 || h.cols <= 0 {
		return nil, fmt.Errorf("imageio: %s: empty .npy array of shape %v", name, s)
	}
	if h.n > MaxElements/h.rows || h.n*h.rows > MaxElements/h.cols {
		return nil, fmt.Errorf("imageio: %s: .npy shape %v exceeds the limit of %d values", name, s, MaxElements)
	}
	return h, nil
}

// readGrowing reads exactly n bytes from r. Its buffer starts at 1 MiB at
// most and grows (doubling) only as data arrive, so that a header claiming
// more data than the stream holds costs at most about four times the bytes
// present (the buffers of the doublings), not the size it claims.
func readGrowing(r io.Reader, n int) ([]byte, error) {
	const first = 1 << 20
	buf := make([]byte, 0, min(n, first))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-len(buf), cap(buf)))
		}
		end := min(cap(buf), n)
		m, err := io.ReadFull(r, buf[len(buf):end])
		buf = buf[:len(buf)+m]
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func npyDataError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated data: %w", err)
	}
	return err
}

// guard runs f, turning a panic inside the third-party .npy reader into an
// error.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed input (%v)", r)
		}
	}()
	return f()
}

// WriteNPY writes the stack imgs to w as a little-endian float64 NumPy
// array of shape (N,H,W), whatever N (also (1,H,W) for one image), in C
// order (readable with numpy.load). All images must have the same size and
// finite values: WriteNPY returns an error, writing nothing, if w is nil,
// imgs is empty, or an image is nil, empty, of another size or not finite.
// WriteNPYMatrix writes one matrix as an (H,W) array.
func WriteNPY(w io.Writer, imgs []*mat.Dense) error {
	return writeNPY("WriteNPY", w, imgs, false)
}

// WriteNPYMatrix writes the matrix m to w as a little-endian float64 NumPy
// array of shape (H,W), in C order: one 2-D array (a power spectrum, say)
// rather than a stack of images. It returns an error, writing nothing, if w
// or m is nil, m is empty or holds a NaN or Inf.
func WriteNPYMatrix(w io.Writer, m *mat.Dense) error {
	return writeNPY("WriteNPYMatrix", w, []*mat.Dense{m}, true)
}

// writeNPY checks imgs and writes them with shape (N,H,W), or (H,W) for
// one matrix when matrix is true; op names the caller in errors.
func writeNPY(op string, w io.Writer, imgs []*mat.Dense, matrix bool) error {
	if w == nil {
		return fmt.Errorf("imageio: %s: nil writer", op)
	}
	if len(imgs) == 0 {
		return fmt.Errorf("imageio: %s: no images", op)
	}
	for k, m := range imgs {
		if m == nil || m.IsEmpty() {
			return fmt.Errorf("imageio: %s: image %d is nil or empty", op, k)
		}
	}
	rows, cols := imgs[0].Dims()
	for k, m := range imgs {
		if r, c := m.Dims(); r != rows || c != cols {
			return fmt.Errorf("imageio: %s: image %d is %d×%d, image 0 is %d×%d", op, k, r, c, rows, cols)
		}
		raw := m.RawMatrix()
		for y := range rows {
			for x, v := range raw.Data[y*raw.Stride : y*raw.Stride+cols] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("imageio: %s: non-finite value %v in image %d at row %d, col %d", op, v, k, y, x)
				}
			}
		}
	}
	shape := []int{len(imgs), rows, cols}
	if matrix {
		shape = shape[1:]
	}
	if err := writeNPYFloat64(w, shape, imgs); err != nil {
		return fmt.Errorf("imageio: %s: %w", op, err)
	}
	return nil
}

// writeNPYFloat64 writes a C-order little-endian float64 array in the NPY
// format 1.0: the magic string, the version, the length of the header, the
// header (a Python dict literal padded with spaces and a newline so that the
// data starts at a multiple of 64 bytes, byte for byte as numpy.save writes
// it), then the data row by row. It writes the data directly instead of
// through npyio.Write, which encodes each element through reflection and
// writes it separately (7 s for 1000 fields of 96×96 against 0.2 s here);
// npyio still reads every .npy file.
func writeNPYFloat64(w io.Writer, shape []int, imgs []*mat.Dense) error {
	var dims []string
	for _, d := range shape {
		dims = append(dims, strconv.Itoa(d))
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': (" + tuple + "), }"
	const prefix = 10 // magic (6), version (2), header length (2)
	n := len(dict) + 1
	n += (64 - (prefix+n)%64) % 64
	if n > math.MaxUint16 {
		return errors.New("shape too long for an NPY 1.0 header")
	}
	head := make([]byte, 0, prefix+n)
	head = append(head, "\x93NUMPY\x01\x00"...)
	head = binary.LittleEndian.AppendUint16(head, uint16(n))
	head = append(head, dict...)
	for len(head) < prefix+n-1 {
		head = append(head, ' ')
	}
	head = append(head, '\n')
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.Write(head); err != nil {
		return err
	}
	_, cols := imgs[0].Dims()
	row := make([]byte, 8*cols)
	for _, m := range imgs {
		raw := m.RawMatrix()
		for y := range raw.Rows {
			for x, v := range raw.Data[y*raw.Stride : y*raw.Stride+cols] {
				binary.LittleEndian.PutUint64(row[8*x:], math.Float64bits(v))
			}
			if _, err := bw.Write(row); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// SaveNPY writes imgs to the file at path with WriteNPY, atomically (as
// SavePNG).
func SaveNPY(path string, imgs []*mat.Dense) error {
	return atomicfile.Write("imageio", path, func(w io.Writer) error { return WriteNPY(w, imgs) })
}
