"""Reading images of every kind, and refusing non-images with the file named."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dtwin.errors import DataError
from dtwin.vision import images
from dtwin.vision.images import as_rgb_array, load_image, normalize, preprocess


def _save(img: Image.Image, path, **kw):
    img.save(path, **kw)
    return path


def test_grey_png_becomes_three_equal_channels(tmp_path):
    grey = np.arange(60, dtype=np.uint8).reshape(6, 10)
    out = load_image(_save(Image.fromarray(grey), tmp_path / "g.png"))
    assert out.shape == (6, 10, 3) and out.dtype == np.uint8
    assert np.array_equal(out[..., 0], grey) and np.array_equal(out[..., 2], grey)


def test_sixteen_bit_png_is_scaled_to_eight_bits(tmp_path):
    values = np.array([[0, 257 * 100, 65535]], dtype=np.uint16)
    path = _save(Image.fromarray(values), tmp_path / "d.png")
    assert Image.open(path).mode.startswith("I")
    assert load_image(path)[0, :, 0].tolist() == [0, 100, 255]


def test_rgba_is_composited_over_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (200, 0, 0, 255)  # opaque red stays red; transparent pixels turn white
    out = load_image(_save(Image.fromarray(rgba, "RGBA"), tmp_path / "a.png"))
    assert out[0, 0].tolist() == [200, 0, 0] and out[1, 1].tolist() == [255, 255, 255]


@pytest.mark.parametrize("fmt", ["BMP", "JPEG", "TIFF", "PNG"], ids=str.lower)
def test_formats_from_path_and_bytes(tmp_path, fmt):
    rgb = np.full((9, 7, 3), (10, 120, 240), np.uint8)
    path = _save(Image.fromarray(rgb), tmp_path / f"x.{fmt.lower()}", format=fmt)
    for source in (path, path.read_bytes()):
        out = load_image(source)
        assert out.shape == (9, 7, 3)
        assert np.abs(out.astype(int) - rgb).max() <= 8  # JPEG is lossy


def test_palette_image(tmp_path):
    img = Image.fromarray(np.full((4, 4, 3), 77, np.uint8)).convert("P")
    assert load_image(_save(img, tmp_path / "p.png")).shape == (4, 4, 3)


def test_huge_image_is_reduced_and_too_huge_refused(tmp_path, monkeypatch):
    path = _save(Image.new("L", (3000, 200), 90), tmp_path / "wide.png")
    out = load_image(path, max_side=600)
    assert out.shape == (40, 600, 3) and int(out[0, 0, 0]) == 90
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(DataError, match="wide.png.*too large"):
        load_image(path)


def _truncated_png(tmp_path):
    data = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8)).save(data, "PNG")
    return data.getvalue()[:300]


def _truncated_jpeg(tmp_path):
    data = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(
        data, "JPEG"
    )
    return data.getvalue()[:400]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.png", lambda p: b"this is not an image"),
        ("empty.jpg", lambda p: b""),
        ("cut.png", _truncated_png),
        ("cut.jpg", _truncated_jpeg),
    ],
    ids=["text", "empty", "truncated-png", "truncated-jpeg"],
)
def test_bad_files_raise_data_error_naming_the_file(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    with pytest.raises(DataError, match=name):
        load_image(path)


def test_missing_file_and_directory_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="nope.png"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(DataError, match="is a folder, not an image file"):
        load_image(tmp_path)


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.full((2, 2), 65535, np.uint16), 255),
        (np.full((2, 2), 0.5, np.float32), 128),
        (np.ones((2, 2), bool), 255),
        (np.full((2, 2, 1), 9, np.uint8), 9),
        (
            np.concatenate(
                [np.full((2, 2, 3), 40, np.uint8), np.full((2, 2, 1), 255, np.uint8)], 2
            ),
            40,
        ),
    ],
    ids=["uint16", "float01", "bool", "hw1", "rgba"],
)
def test_arrays_are_converted(array, expected):
    out = as_rgb_array(array)
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8 and int(out[0, 0, 0]) == expected


def test_bad_array_shape_is_refused():
    with pytest.raises(DataError, match="shape"):
        as_rgb_array(np.zeros((2, 2, 2), np.uint8))


def test_preprocess_resizes_and_normalises():
    x = preprocess([np.full((10, 30), 255, np.uint8)], 16, [0.5] * 3, [0.25] * 3)
    assert x.shape == (1, 3, 16, 16) and x.dtype == np.float32
    assert np.allclose(x, 2.0)
    assert np.allclose(normalize(np.zeros((1, 2, 2, 3), np.uint8), [0.5] * 3, [0.5] * 3), -1.0)
