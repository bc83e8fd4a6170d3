"""PNG files of the report's images, written straight from their pixel arrays (issue 21).

Pillow's PNG writer (and matplotlib's ``savefig``, which goes through it) tries every PNG row
filter on every row and picks one; for the report's images — flat colours, enlarged raster
cells, white chart backgrounds — unfiltered rows deflate as small or smaller, and the filter
search was most of the time: an 843 × 843 map over its basemap took 49 ms with Pillow at
``compress_level=1`` (318 KB) and 18 ms here (271 KB). ``benchmarks/bench_png.py`` times both
on the images of a real report; the decoded pixels are the same (a test checks it).

The rows are deflated by Intel's ISA-L (``isal``, ``isal_zlib.compress`` at level 1) where it
is installed, else by zlib at level 1: on the images of a 48-city report ISA-L took 0.095 s
against zlib's 0.58 s for 214 MB of rows, for 12.8 MB of output against 12.0 MB (any inflater
reads both streams). The RGB rows of an opaque RGBA image are copied channel by channel: numpy
copies ``a[:, :, :3]`` as a whole with an inner loop of three bytes, nine times slower.

The file is a plain PNG (ISO/IEC 15948): the signature, ``IHDR`` (8 bits per sample, grey,
grey + alpha, RGB or RGBA), ``pHYs`` with the image's resolution when given, one ``IDAT``
(every row with filter type 0) and ``IEND``; it is written to a new file
renamed into place (:func:`~carlcities.files.write_atomic`), never through an existing one
(a report's images may be hard links of the previous report's).
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import numpy as np

from ..files import write_atomic

try:                                    # ISA-L's deflate: six times zlib's speed at level 1
    from isal.isal_zlib import compress as _deflate
except ImportError:                     # pragma: no cover - isal is a dependency
    _deflate = zlib.compress

__all__ = ["encode_png", "write_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}     # channels -> PNG colour type
_LEVEL = 1


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def encode_png(img: np.ndarray, *, dpi: float | None = None, opaque: bool = True) -> bytes:
    """The PNG bytes of ``img`` (H × W, or H × W × 1–4 channels, uint8).

    ``opaque``: an RGBA image whose alpha is 255 everywhere is written as RGB (the same
    picture, a quarter less to deflate)."""
    a = np.asarray(img)
    if a.dtype != np.uint8:
        raise ValueError(f"PNG pixels must be uint8, not {a.dtype}")
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in _COLOUR_TYPE:
        raise ValueError(f"PNG pixels must be H x W x 1-4, not {a.shape}")
    if opaque and a.shape[2] == 4 and _opaque(a):
        a = a[:, :, :3]
    h, w, c = a.shape
    rows = np.empty((h, 1 + w * c), dtype=np.uint8)
    rows[:, 0] = 0                           # filter type 0 (none) on every row
    pixels = rows[:, 1:].reshape(h, w, c)
    for k in range(c):                       # channel by channel: long inner loops
        pixels[:, :, k] = a[:, :, k]
    parts = [_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, _COLOUR_TYPE[c],
                                                     0, 0, 0))]
    if dpi:
        ppm = round(dpi / 0.0254)            # pixels per metre, unit 1 = metre
        parts.append(_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)))
    parts.append(_chunk(b"IDAT", _deflate(rows.data, _LEVEL)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


def _opaque(a: np.ndarray) -> bool:
    """Whether every alpha of the RGBA image ``a`` is 255 (as 32-bit words where it can)."""
    if a.flags.c_contiguous and sys.byteorder == "little":
        return bool((a.view(np.uint32) >= np.uint32(0xFF000000)).all())
    return bool((a[:, :, 3] == 255).all())


def write_png(img: np.ndarray, path: Path, *, dpi: float | None = None) -> tuple[int, int]:
    """Write ``img`` (see :func:`encode_png`) to ``path``; returns (width, height) [px]."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, encode_png(img, dpi=dpi))
    return int(img.shape[1]), int(img.shape[0])
