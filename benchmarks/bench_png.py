"""Benchmark: the report's PNG writer (report/png.py) beside Pillow's, on a real report's images.

Every image of the chosen cities of a built report (``--report OUT/report``) is decoded once;
then each writer encodes all of them, the writers alternating round by round (``--rounds``,
default 7), and the median seconds per writer are kept with the bytes written. Pillow is called
as the report called it before (``compress_level=1``, which also matplotlib's ``savefig`` got);
``carlcities_png_zlib_r4`` is report/png.py as the fourth session left it (zlib level 1, the RGB
rows of an opaque RGBA image copied in one strided copy); ``carlcities_png`` is the writer now
(ISA-L deflate where installed, channel-by-channel copy). All outputs decode to the same pixels
(checked here, and in tests/test_report_png.py).

    python benchmarks/bench_png.py --report /tmp/s48/report --cities almaty,osh,kulob
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_study import RESULTS, reference_speed  # noqa: E402

from carlcities.report.png import encode_png  # noqa: E402


def _pillow(a: np.ndarray) -> bytes:
    b = io.BytesIO()
    Image.fromarray(a).save(b, format="png", compress_level=1)
    return b.getvalue()


def _png_r4(a: np.ndarray) -> bytes:
    """report/png.py's encoder of the fourth session (the same file, other deflate and copy)."""
    import struct
    import zlib

    from carlcities.report.png import _SIGNATURE, _chunk

    if a.ndim == 2:
        a = a[:, :, None]
    if a.shape[2] == 4 and bool((a[:, :, 3] == 255).all()):
        a = a[:, :, :3]
    h, w, c = a.shape
    rows = np.empty((h, 1 + w * c), dtype=np.uint8)
    rows[:, 0] = 0
    rows[:, 1:] = a.reshape(h, w * c)
    return b"".join([_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8,
                                                             {1: 0, 2: 4, 3: 2, 4: 6}[c],
                                                             0, 0, 0)),
                     _chunk(b"IDAT", zlib.compress(rows.data, 1)), _chunk(b"IEND", b"")])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--report", required=True)
    ap.add_argument("--cities", default="almaty,osh,kulob")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--output", default=str(RESULTS / "png.json"))
    a = ap.parse_args()
    img = Path(a.report) / "img"
    files = sorted(p for c in a.cities.split(",") for p in img.glob(f"{c}-*.png"))
    arrays = [np.ascontiguousarray(np.asarray(Image.open(p))) for p in files]
    for arr in arrays[:50]:
        x = np.asarray(Image.open(io.BytesIO(encode_png(arr))).convert("RGBA"))
        y = np.asarray(Image.open(io.BytesIO(_pillow(arr))).convert("RGBA"))
        z = np.asarray(Image.open(io.BytesIO(_png_r4(arr))).convert("RGBA"))
        assert np.array_equal(x, y) and np.array_equal(x, z)
    writers = {"pillow_level1": _pillow, "carlcities_png_zlib_r4": _png_r4,
               "carlcities_png": encode_png}
    times: dict[str, list[float]] = {k: [] for k in writers}
    size: dict[str, int] = {}
    for r in range(a.rounds):
        order = list(writers) if r % 2 == 0 else list(writers)[::-1]   # alternate
        for k in order:
            t0 = time.perf_counter()
            size[k] = sum(len(writers[k](arr)) for arr in arrays)
            times[k].append(time.perf_counter() - t0)
    med = {k: round(statistics.median(v), 4) for k, v in times.items()}
    res = {"benchmark": "PNG encoding of a built report's images, Pillow (compress_level=1) "
                        "beside report/png.py; writers alternate round by round",
           "report": str(a.report), "cities": a.cities.split(","), "images": len(arrays),
           "megapixels": round(sum(x.shape[0] * x.shape[1] for x in arrays) / 1e6, 2),
           "rounds": a.rounds, "median_s": med, "mb_written": {k: round(v / 1e6, 2)
                                                                for k, v in size.items()},
           "speedup": round(med["pillow_level1"] / med["carlcities_png"], 2),
           "speedup_over_r4": round(med["carlcities_png_zlib_r4"] / med["carlcities_png"], 2),
           "pixels_equal": True, "runs_s": times,
           "machine": {"platform": platform.platform(), "python": platform.python_version(),
                       "reference_speed": reference_speed()}}
    Path(a.output).write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(json.dumps({k: res[k] for k in ("images", "median_s", "mb_written", "speedup",
                                          "speedup_over_r4")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
