# Seed corpus for FuzzReadNPY (imageio/testdata/fuzz/FuzzReadNPY), written by numpy
# (an independent writer). Run: /usr/bin/python3 scripts/fuzz_seeds_npy.py imageio/testdata/fuzz/FuzzReadNPY
import io, os, sys, numpy as np

def goquote(b):
    out = []
    for c in b:
        if c == 0x22: out.append('\\"')
        elif c == 0x5c: out.append('\\\\')
        elif 0x20 <= c < 0x7f: out.append(chr(c))
        elif c == 0x0a: out.append('\\n')
        else: out.append('\\x%02x' % c)
    return '"' + ''.join(out) + '"'

def write(dir, name, data):
    os.makedirs(dir, exist_ok=True)
    with open(os.path.join(dir, name), 'w') as f:
        f.write('go test fuzz v1\n[]byte(%s)\n' % goquote(data))

def save(a, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, a)
    else:
        np.lib.format.write_array(b, a, version=version)
    return b.getvalue()

d = sys.argv[1]
base = np.arange(12).reshape(2, 2, 3)
seeds = {}
for dt in ['<f8', '>f8', '<f4', '>f4', '|u1', '<u2', '>u2']:
    a = (base * 7).astype(dt)
    tag = dt.replace('<', 'le').replace('>', 'be').replace('|', '')
    seeds['c-%s-nhw' % tag] = save(a)
    seeds['fortran-%s-nhw' % tag] = save(np.asfortranarray(a))
seeds['f8-hw'] = save(np.linspace(-1, 1, 6).reshape(2, 3))
seeds['f4-n1hw'] = save((np.arange(12, dtype=np.float32) / 4).reshape(2, 1, 2, 3))
seeds['fortran-u1-hw'] = save(np.asfortranarray(np.array([[0, 1, 2], [128, 254, 255]], dtype=np.uint8)))
seeds['v2-f8-hw'] = save(np.eye(3), version=(2, 0))
seeds['f8-1x1'] = save(np.zeros((1, 1)))
seeds['f8-nan'] = save(np.array([[1.0, np.nan]]))
seeds['f4-inf'] = save(np.array([[np.inf, 1]], dtype=np.float32))
seeds['i8-unsupported'] = save(np.zeros((2, 2), dtype=np.int64))
seeds['f8-1d'] = save(np.zeros(4))
seeds['f8-empty'] = save(np.zeros((0, 3, 3)))
good = save(np.arange(6.0).reshape(2, 3))
seeds['truncated-data'] = good[:-3]
seeds['truncated-header'] = good[:40]
seeds['trailing-byte'] = good + b'\x00'
# A 128-byte file claiming 16383×16385 values (just under MaxElements) and one
# claiming 10^9.
hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }"
def raw_header(dictstr, data=b''):
    dictstr = dictstr.encode()
    n = len(dictstr) + 1
    n += (64 - (10 + n) % 64) % 64
    return b'\x93NUMPY\x01\x00' + n.to_bytes(2, 'little') + dictstr.ljust(n - 1) + b'\n' + data
seeds['huge-claim'] = raw_header(hdr % '16383, 16385', b'\x00' * 24)
seeds['billion-claim'] = raw_header(hdr % '1000, 1000, 1000', b'\x00' * 24)
seeds['bad-dtype'] = raw_header("{'descr': 'zz', 'fortran_order': False, 'shape': (1, 1), }", b'\x00' * 8)
seeds['native-f8'] = raw_header("{'descr': '=f8', 'fortran_order': False, 'shape': (1, 2), }", b'\x00' * 16)
for k, v in seeds.items():
    write(d, k, v)
print(len(seeds), 'seeds in', d)
