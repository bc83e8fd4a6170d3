"""The report's own PNG writer (report/png.py): what Pillow decodes is the array written."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from carlcities.report.png import encode_png, write_png


def _decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


@pytest.mark.parametrize(("channels", "mode"), [(1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")])
def test_pixels_round_trip_through_pillow(channels: int, mode: str) -> None:
    rng = np.random.default_rng(channels)
    a = rng.integers(0, 256, size=(37, 53, channels), dtype=np.uint8)
    if channels == 4:
        a[0, 0, 3] = 17          # not opaque: stays RGBA
    im = _decode(encode_png(a if channels > 1 else a[:, :, 0]))
    assert im.mode == mode and im.size == (53, 37)
    got = np.asarray(im)
    assert np.array_equal(got.reshape(a.shape), a)


def test_an_opaque_rgba_image_is_written_as_rgb_with_the_same_picture() -> None:
    a = np.zeros((10, 12, 4), dtype=np.uint8)
    a[..., 0] = np.arange(12, dtype=np.uint8) * 20
    a[..., 3] = 255
    im = _decode(encode_png(a))
    assert im.mode == "RGB"
    assert np.array_equal(np.asarray(im.convert("RGBA")), a)
    assert _decode(encode_png(a, opaque=False)).mode == "RGBA"


def test_the_resolution_is_written_when_given(tmp_path) -> None:
    a = np.full((4, 5, 3), 200, dtype=np.uint8)
    assert write_png(a, tmp_path / "x.png", dpi=100) == (5, 4)
    im = Image.open(tmp_path / "x.png")
    assert im.info["dpi"] == pytest.approx((100, 100), abs=0.01)
    assert "dpi" not in _decode(encode_png(a)).info
    assert not list(tmp_path.glob("*.part"))


def test_a_file_that_exists_is_replaced_not_written_through(tmp_path) -> None:
    """A report's image may be a hard link of the previous report's: a new file is renamed
    into place, so the previous report keeps its image."""
    old = tmp_path / "old.png"
    write_png(np.zeros((3, 3, 3), dtype=np.uint8), old)
    new = tmp_path / "new.png"
    new.hardlink_to(old)
    write_png(np.full((3, 3, 3), 255, dtype=np.uint8), new)
    assert np.asarray(Image.open(old)).max() == 0
    assert np.asarray(Image.open(new)).min() == 255


def test_what_is_not_an_image_is_refused() -> None:
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((3, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="H x W"):
        encode_png(np.zeros((3, 3, 5), dtype=np.uint8))


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_opacity_is_judged_on_the_alpha_channel_alone(layout: str) -> None:
    """One pixel with alpha 254 keeps the image RGBA, whatever the colour bytes (the
    contiguous case tests alpha as the top byte of each 32-bit word)."""
    rng = np.random.default_rng(7)
    big = rng.integers(0, 256, size=(9, 22, 4), dtype=np.uint8)
    a = big if layout == "contiguous" else big[:, ::2]
    a[..., 3] = 255
    a[..., :3] = 255                 # colour bytes at 255 must not pass for alpha
    assert _decode(encode_png(a)).mode == "RGB"
    a[4, 5, 3] = 254
    im = _decode(encode_png(a))
    assert im.mode == "RGBA" and np.array_equal(np.asarray(im), a)


def test_the_zlib_fallback_writes_the_same_picture(monkeypatch) -> None:
    """Without ISA-L the rows are deflated by zlib: another stream, the same pixels."""
    import zlib

    from carlcities.report import png

    a = np.random.default_rng(3).integers(0, 256, size=(30, 41, 3), dtype=np.uint8)
    fast = encode_png(a)
    monkeypatch.setattr(png, "_deflate", zlib.compress)
    slow = encode_png(a)
    assert np.array_equal(np.asarray(_decode(fast)), np.asarray(_decode(slow)))
    assert np.array_equal(np.asarray(_decode(slow)), a)
