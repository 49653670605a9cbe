"""Pixel statistics of a PNG without PIL (not installed with the test dependencies): enough of
the format for Chromium's screenshots (8-bit RGB or RGBA, not interlaced)."""
import struct
import zlib


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _unfilter(kind, row, prior, bpp):
    out = bytearray(row)
    if kind == 1:
        for i in range(bpp, len(out)):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif kind == 2:
        for i in range(len(out)):
            out[i] = (out[i] + prior[i]) & 0xFF
    elif kind == 3:
        for i in range(len(out)):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prior[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(len(out)):
            left = out[i - bpp] if i >= bpp else 0
            up_left = prior[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + _paeth(left, prior[i], up_left)) & 0xFF
    elif kind != 0:
        raise ValueError(f"bad PNG filter {kind}")
    return out


def rows(path):
    """Yields each row's bytes and the bytes per pixel."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    at, idat, header = 8, bytearray(), None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"{path}: only 8-bit RGB/RGBA, not interlaced")
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(bytes(idat)), width * bpp
    prior = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        prior = _unfilter(raw[start], raw[start + 1:start + 1 + stride], prior, bpp)
        yield prior, bpp


def variance(path):
    """Variance of the grey level (0-255) over every pixel: about 0 for a blank page."""
    n = total = squares = 0
    for row, bpp in rows(path):
        for i in range(0, len(row), bpp):
            grey = (row[i] * 299 + row[i + 1] * 587 + row[i + 2] * 114) // 1000
            total += grey
            squares += grey * grey
            n += 1
    mean = total / n
    return squares / n - mean * mean
