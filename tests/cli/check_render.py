"""`wambench render` writes a PNG of the requested size, on the requested GL backend."""
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path


def png_size_and_pixels(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour == 2, "expected 8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    return width, height, raw


def main():
    exe, backend = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        for camera, size, expect_w in (("front", 96, 96), ("wrist", 64, 64), ("all", 80, 160)):
            out = Path(tmp) / f"{camera}.png"
            res = subprocess.run([exe, "render", "--out", str(out), "--camera", camera, "--size", str(size)],
                                 capture_output=True, text=True)
            assert res.returncode == 0, res.stderr
            assert f", {backend})" in res.stdout, f"expected backend {backend}: {res.stdout}"
            w, h, raw = png_size_and_pixels(out)
            assert (w, h) == (expect_w, size), (camera, w, h)
            assert len(set(raw)) > 20, f"{camera} image looks uniform"
    print("render ok on", backend)


if __name__ == "__main__":
    main()
