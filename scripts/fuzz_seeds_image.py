# Seed corpus for FuzzDecode (imageio/testdata/fuzz/FuzzDecode), written by
# Pillow (an independent encoder): PNG 1/8/16-bit grey, RGB, RGBA and
# paletted, JPEG grey, 4:2:0 and progressive, GIF, truncations, a
# flipped byte and oversized headers. Each entry is (data, rows, cols): a
# target size of 0×0 means none. Run:
#   /usr/bin/python3 scripts/fuzz_seeds_image.py imageio/testdata/fuzz/FuzzDecode
import io, os, struct, sys, zlib
from PIL import Image

def goquote(b):
    out = []
    for c in b:
        if c == 0x22: out.append('\\"')
        elif c == 0x5c: out.append('\\\\')
        elif 0x20 <= c < 0x7f: out.append(chr(c))
        elif c == 0x0a: out.append('\\n')
        else: out.append('\\x%02x' % c)
    return '"' + ''.join(out) + '"'

def write(d, name, data, rows=0, cols=0):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'w') as f:
        f.write('go test fuzz v1\n[]byte(%s)\nbyte(%d)\nbyte(%d)\n' % (goquote(data), rows, cols))

def enc(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()

def gradient(mode, w=7, h=5):
    img = Image.new('RGB', (w, h))
    img.putdata([((37 * x + 11 * y) % 256, (5 * x * y) % 256, (200 - 9 * y) % 256) for y in range(h) for x in range(w)])
    return img.convert(mode)

def png_header(w, h, depth=8, ctype=0):
    ihdr = b'IHDR' + struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + struct.pack('>I', 13) + ihdr + struct.pack('>I', zlib.crc32(ihdr))

d = sys.argv[1]
seeds = {
    'png-gray8': enc(gradient('L'), 'PNG'),
    'png-gray1': enc(gradient('1'), 'PNG'),
    'png-gray16': enc(gradient('L').convert('I;16'), 'PNG'),
    'png-rgb': enc(gradient('RGB'), 'PNG'),
    'png-rgba': enc(gradient('RGBA'), 'PNG'),
    'png-palette': enc(gradient('P'), 'PNG'),
    'png-big': enc(gradient('RGB', 40, 30), 'PNG'),
    'jpeg-gray': enc(gradient('L', 16, 16), 'JPEG', quality=90),
    'jpeg-420': enc(gradient('RGB', 17, 9), 'JPEG', quality=75, subsampling=2),
    'jpeg-progressive': enc(gradient('RGB', 16, 8), 'JPEG', progressive=True),
    'gif': enc(gradient('P', 6, 4), 'GIF'),
    'png-header-huge': png_header(1 << 20, 1 << 20),
    'png-header-maxpixels': png_header(8192, 8193),
    'png-header-empty': png_header(0, 5),
}
good = seeds['png-rgb']
seeds['png-truncated'] = good[: len(good) // 2]
flipped = bytearray(good); flipped[len(good) // 2] ^= 0x40
seeds['png-flipped'] = bytes(flipped)
seeds['jpeg-truncated'] = seeds['jpeg-420'][:200]
seeds['gif-truncated'] = seeds['gif'][:-6]
seeds['not-an-image'] = b'P6\n2 2\n255\n' + bytes(12)
for k, v in seeds.items():
    write(d, k, v)
write(d, 'png-rgb-resize', good, 4, 6)
write(d, 'jpeg-resize-up', seeds['jpeg-gray'], 33, 20)
print(len(seeds) + 2, 'seeds in', d)
