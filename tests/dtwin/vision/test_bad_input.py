"""Bad input to `dtwin vision`: one `error:` line naming the culprit, exit 2, no traceback.

The rows of issue 14 (decompression bombs, explain's --out checked before any work, wrong model
files, unbounded numeric options) and a fresh table of their kin. Images that look odd but are
valid (16-bit, palette, CMYK, animated, 1-bit, float TIFF) must work.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from dtwin.cli import main
from dtwin.errors import DataError
from dtwin.vision import MAX_PIXELS, load_image, open_image
from dtwin.vision.explain import Explainer

# ------------------------------------------------------------------ crafted files


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height grey pixels and holds a few bytes of them."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def png_valid_constant(width: int, height: int) -> bytes:
    """A complete, valid grey PNG of constant rows (small file, many pixels)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    comp = zlib.compressobj(9)
    row = b"\x00" + bytes([90]) * width
    body = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")
    )


def jpeg_huge_header(width: int = 60000, height: int = 60000) -> bytes:
    """A small real JPEG whose frame header (SOF0) is patched to declare a huge size."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 60, 30)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def bmp_huge_header() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "BMP")
    data = bytearray(buf.getvalue())
    data[18:26] = struct.pack("<ii", 40000, 40000)  # BITMAPINFOHEADER width, height
    return bytes(data)


def _encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def truncated_png() -> bytes:
    noise = np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8)
    return _encoded(Image.fromarray(noise), "PNG")[:300]


def animated_gif() -> bytes:
    frames = [Image.new("P", (24, 24), i * 40) for i in range(4)]
    return _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)


def multipage_tiff() -> bytes:
    pages = [Image.new("L", (20, 20), v) for v in (30, 200)]
    return _encoded(pages[0], "TIFF", save_all=True, append_images=pages[1:])


def eps_file() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"


@pytest.fixture
def ctx(tiny_model, tiny_data, tmp_path, monkeypatch):
    """Paths the rows need; loading a model is made to fail loudly for the fail-fast rows."""
    return SimpleNamespace(
        tmp=tmp_path,
        model=tiny_model,
        image=tiny_data / "crack" / "crack_00002.png",
        monkeypatch=monkeypatch,
    )


def _file(ctx, name: str, content: bytes | str) -> Path:
    path = ctx.tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return path


def _half(path: Path, ctx, name: str) -> Path:
    data = path.read_bytes()
    return _file(ctx, name, data[: len(data) // 2])


def _forbid_model_loading(ctx) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the bad input was found")

    ctx.monkeypatch.setattr(Explainer, "from_checkpoint", classmethod(refuse))


def _predict(ctx, image: Path) -> list:
    return ["predict", ctx.model / "model.onnx", image]


def _explain(ctx, checkpoint=None, image=None, out=None, fast=True) -> list:
    if fast:
        _forbid_model_loading(ctx)
    return [
        "explain",
        checkpoint or ctx.model / "checkpoint.pt",
        image or ctx.image,
        "--out",
        out or ctx.tmp / "cam.png",
    ]


def _folder_with_a_bomb(ctx) -> Path:
    """An ImageFolder of two classes, three small images each, one of them a PNG bomb."""
    root = ctx.tmp / "data"
    small = _encoded(Image.new("RGB", (24, 24), (90, 90, 90)), "PNG")
    for label in ("good", "bad"):
        for i in range(3):
            _file(ctx, f"data/{label}/{i}.png", small)
    _file(ctx, "data/bad/2.png", png_header_only(30000, 30000))
    return root


def _foreign_checkpoint(ctx, name: str, obj) -> Path:
    path = ctx.tmp / name
    torch.save(obj, path)
    return path


def _other_arch_checkpoint(ctx) -> Path:
    blob = torch.load(ctx.model / "checkpoint.pt", weights_only=True)
    blob["card"] = blob["card"].replace('"arch": "resnet10t_slim"', '"arch": "resnet18"')
    return _foreign_checkpoint(ctx, "other_arch.pt", blob)


# ------------------------------------------------------------------ the table

# (argument builder, substrings the error line must hold)
BAD = [
    # -- issue 14: decompression bombs, refused before decoding
    pytest.param(
        lambda c: _predict(c, _file(c, "bomb30k.png", png_header_only(30000, 30000))),
        ["bomb30k.png", "too large (900 MP)", "at most 50 MP"],
        id="issue-png-30000x30000-bomb",
    ),
    pytest.param(
        lambda c: _predict(c, _file(c, "valid8k.png", png_valid_constant(8000, 8000))),
        ["valid8k.png", "too large", "8000x8000"],
        id="valid-png-64-megapixels",
    ),
    pytest.param(
        lambda c: ["train", _folder_with_a_bomb(c), "--out", c.tmp / "m", "--quiet"],
        ["bad/2.png", "too large"],
        id="train-data-folder-with-a-bomb",
    ),
    pytest.param(
        lambda c: _explain(c, image=_file(c, "bomb.png", png_header_only(36000, 36000))),
        ["bomb.png", "too large"],
        id="explain-bomb-before-model-load",
    ),
    # -- issue 14: explain --out checked before loading anything
    pytest.param(
        lambda c: _explain(c, out=c.tmp / "x.txt"),
        ["x.txt", "suffix '.txt'", ".png"],
        id="issue-explain-out-txt",
    ),
    pytest.param(
        lambda c: _explain(c, out=c.tmp / "noext"),
        ["noext", "no suffix"],
        id="issue-explain-out-no-suffix",
    ),
    pytest.param(
        lambda c: _explain(c, out=Path("/proc/x.png")),
        ["/proc/x.png", "cannot create a file in /proc"],
        id="issue-explain-out-proc",
    ),
    pytest.param(
        lambda c: _explain(c, out=_file(c, "afile", "x") / "cam.png"),
        ["afile/cam.png", "is a file, not a folder"],
        id="explain-out-under-a-file",
    ),
    pytest.param(
        lambda c: _explain(c, out=c.tmp),
        ["is a folder", "cam.png"],
        id="explain-out-is-a-folder",
    ),
    # -- issue 14: a text file as checkpoint, and other wrong model files
    pytest.param(
        lambda c: _explain(c, checkpoint=_file(c, "notes.pt", "epoch 1 loss 0.3\n")),
        ["notes.pt", "is a text file", "checkpoint.pt that `dtwin vision train"],
        id="issue-text-file-as-checkpoint",
    ),
    pytest.param(
        lambda c: _explain(c, checkpoint=_file(c, "empty.pt", b"")),
        ["empty.pt", "is empty (0 bytes)"],
        id="empty-checkpoint",
    ),
    pytest.param(
        lambda c: _explain(c, checkpoint=_half(c.model / "checkpoint.pt", c, "cut.pt"), fast=False),
        ["cut.pt", "damaged, truncated"],
        id="truncated-checkpoint",
    ),
    pytest.param(
        lambda c: _explain(c, checkpoint=c.model / "model.onnx"),
        ["model.onnx", "is an ONNX model", "dtwin vision predict"],
        id="onnx-as-checkpoint",
    ),
    pytest.param(
        lambda c: _explain(c, checkpoint=c.tmp / "missing.pt"),
        ["missing.pt", "does not exist"],
        id="missing-checkpoint",
    ),
    pytest.param(
        lambda c: _explain(c, checkpoint=c.model),
        ["is a folder", "did you mean", "checkpoint.pt"],
        id="folder-as-checkpoint",
    ),
    pytest.param(
        lambda c: _explain(
            c, checkpoint=_foreign_checkpoint(c, "d.pt", {"w": torch.ones(2)}), fast=False
        ),
        ["d.pt", "not a dtwin vision checkpoint"],
        id="foreign-state-dict",
    ),
    pytest.param(
        lambda c: _explain(
            c, checkpoint=_foreign_checkpoint(c, "m.pt", torch.nn.Linear(2, 2)), fast=False
        ),
        ["m.pt", "cannot load checkpoint"],
        id="pickled-module-refused-by-weights-only",
    ),
    pytest.param(
        lambda c: _explain(c, checkpoint=_other_arch_checkpoint(c), fast=False),
        ["other_arch.pt", "does not match arch resnet18"],
        id="checkpoint-of-another-arch",
    ),
    pytest.param(
        lambda c: ["predict", c.model / "checkpoint.pt", c.image],
        ["checkpoint.pt", "is a zip archive", "not an ONNX model"],
        id="checkpoint-as-onnx",
    ),
    pytest.param(
        lambda c: ["predict", _file(c, "m.onnx", "hello"), c.image],
        ["m.onnx", "is a text file"],
        id="text-file-as-onnx",
    ),
    pytest.param(
        lambda c: ["predict", _file(c, "e.onnx", b""), c.image],
        ["e.onnx", "is empty"],
        id="empty-onnx",
    ),
    pytest.param(
        lambda c: ["predict", _half(c.model / "model.onnx", c, "cut.onnx"), c.image],
        ["cut.onnx", "damaged, truncated"],
        id="truncated-onnx",
    ),
    pytest.param(
        lambda c: ["predict", c.tmp / "nope.onnx", c.image],
        ["nope.onnx", "does not exist"],
        id="missing-onnx",
    ),
    pytest.param(
        lambda c: ["predict", c.model, c.image],
        ["is a folder", "did you mean", "model.onnx"],
        id="folder-as-onnx",
    ),
    # -- issue 14: every numeric option bounded and finite
    pytest.param(lambda c: ["synth", c.tmp / "s", "--n", "0"], ["--n", "0"], id="synth-n-0"),
    pytest.param(
        lambda c: ["synth", c.tmp / "s", "--n", "1000000000"], ["--n"], id="synth-n-runaway"
    ),
    pytest.param(
        lambda c: ["synth", c.tmp / "s", "--size", "100000"], ["--size"], id="synth-size-huge"
    ),
    pytest.param(
        lambda c: ["synth", c.tmp / "s", "--size", "nan"], ["--size"], id="synth-size-nan"
    ),
    pytest.param(lambda c: ["synth", c.tmp / "s", "--seed", "-1"], ["--seed"], id="synth-seed-neg"),
    pytest.param(
        lambda c: ["synth", c.tmp / "s", "--seed", "99999999999"], ["--seed"], id="synth-seed-big"
    ),
    pytest.param(
        lambda c: ["train", c.tmp, "--out", c.tmp / "m", "--max-minutes", "nan"],
        ["--max-minutes", "finite"],
        id="train-max-minutes-nan",
    ),
    pytest.param(
        lambda c: ["train", c.tmp, "--out", c.tmp / "m", "--max-minutes", "inf"],
        ["--max-minutes"],
        id="train-max-minutes-inf",
    ),
    pytest.param(
        lambda c: ["train", c.tmp, "--out", c.tmp / "m", "--max-minutes", "0"],
        ["--max-minutes"],
        id="train-max-minutes-zero",
    ),
    pytest.param(
        lambda c: ["train", c.tmp, "--out", c.tmp / "m", "--epochs", "0"],
        ["--epochs"],
        id="train-epochs-0",
    ),
    pytest.param(
        lambda c: ["train", c.tmp, "--out", c.tmp / "m", "--batch-size", "1"],
        ["--batch-size"],
        id="train-batch-size-1",
    ),
    pytest.param(
        lambda c: ["train", c.tmp, "--out", c.tmp / "m", "--img-size", "100000"],
        ["--img-size"],
        id="train-img-size-huge",
    ),
    pytest.param(
        lambda c: ["train", c.tmp, "--out", c.tmp / "m", "--seed", "2147483648"],
        ["--seed"],
        id="train-seed-over-int32",
    ),
    # -- fresh table: other bad images, through predict and explain
    pytest.param(
        lambda c: _predict(c, _file(c, "cut.png", truncated_png())),
        ["cut.png", "damaged or truncated"],
        id="truncated-png",
    ),
    pytest.param(
        lambda c: _predict(c, _file(c, "zero.png", b"")),
        ["zero.png", "is empty (0 bytes)"],
        id="zero-byte-image",
    ),
    pytest.param(
        lambda c: _predict(c, _file(c, "report.png", "quarterly report\n")),
        ["report.png", "not an image of a supported format"],
        id="text-with-png-suffix",
    ),
    pytest.param(
        lambda c: _predict(c, _file(c, "drawing.png", eps_file())),
        ["drawing.png", "not an image of a supported format"],
        id="eps-with-png-suffix-not-opened",
    ),
    pytest.param(
        lambda c: _predict(c, _file(c, "huge.jpg", jpeg_huge_header())),
        ["huge.jpg", "too large (3,600 MP)"],
        id="jpeg-huge-dimension-header",
    ),
    pytest.param(
        lambda c: _predict(c, _file(c, "huge.bmp", bmp_huge_header())),
        ["huge.bmp", "too large"],
        id="bmp-huge-dimension-header",
    ),
    pytest.param(
        lambda c: _predict(c, c.tmp / "nothing.png"),
        ["nothing.png", "does not exist"],
        id="no-image",
    ),
    pytest.param(
        lambda c: _predict(c, c.tmp), ["is a folder, not an image file"], id="folder-as-image"
    ),
    pytest.param(
        lambda c: _explain(c, image=_file(c, "notes.jpg", "hello")),
        ["notes.jpg", "not an image"],
        id="explain-bad-image-before-model-load",
    ),
    pytest.param(
        lambda c: [*_explain(c, fast=False), "--target", "dent"],
        ["target 'dent'", "valid"],
        id="explain-unknown-target",
    ),
]


@pytest.mark.parametrize(("build", "expected"), BAD)
def test_bad_input_is_one_error_line_and_exit_2(ctx, build, expected):
    args = [str(a) for a in build(ctx)]
    result = CliRunner().invoke(main, ["vision", *args])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in expected:
        assert part in lines[0], (part, lines[0])
    assert "Traceback" not in result.output
    assert not (ctx.tmp / "cam.png").exists()


GOOD = [
    pytest.param(
        lambda: _encoded(Image.fromarray(np.full((20, 30), 40000, np.uint16)), "PNG"),
        id="png-16-bit",
    ),
    pytest.param(
        lambda: _encoded(Image.new("RGB", (20, 20), (9, 99, 199)).convert("P"), "PNG"),
        id="png-palette",
    ),
    pytest.param(
        lambda: _encoded(Image.new("CMYK", (20, 20), (0, 128, 0, 0)), "JPEG"), id="jpeg-cmyk"
    ),
    pytest.param(animated_gif, id="gif-animated-first-frame"),
    pytest.param(multipage_tiff, id="tiff-multipage-first-page"),
    pytest.param(lambda: _encoded(Image.new("1", (20, 20), 1), "PNG"), id="png-1-bit"),
    pytest.param(
        lambda: _encoded(Image.new("LA", (20, 20), (90, 128)), "PNG"), id="png-grey-alpha"
    ),
    pytest.param(lambda: _encoded(Image.new("F", (20, 20), 0.5), "TIFF"), id="tiff-float"),
    pytest.param(
        lambda: _encoded(Image.new("RGB", (9000, 300), 80), "JPEG"), id="jpeg-wide-drafted"
    ),
    pytest.param(
        lambda: _encoded(Image.new("I;16", (5000, 40)), "PNG"), id="png-16-bit-wide-reduced"
    ),
    pytest.param(lambda: _encoded(Image.new("RGB", (20, 20), 80), "PNG"), id="png-named-jpg"),
]


@pytest.mark.parametrize("content", GOOD)
def test_unusual_but_valid_images_are_predicted(ctx, content):
    path = _file(ctx, "odd.jpg", content())
    result = CliRunner().invoke(
        main, ["vision", "predict", str(ctx.model / "model.onnx"), str(path)]
    )
    assert result.exit_code == 0, result.output
    array = load_image(path)
    assert array.ndim == 3 and array.shape[2] == 3 and array.dtype == np.uint8
    assert max(array.shape[:2]) <= 4096


def test_animated_gif_gives_its_first_frame(tmp_path):
    array = load_image(animated_gif())
    assert array.shape == (24, 24, 3) and len(np.unique(array)) == 1


def test_bombs_are_refused_before_any_pixel_is_decoded(tmp_path, monkeypatch):
    """The app's uploads (bytes) and files alike: the size check comes before ``load()``."""
    from PIL import ImageFile

    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    bomb = png_valid_constant(7072, 7072)  # 50.01 MP: one row over the limit
    for source in (bomb, _file(SimpleNamespace(tmp=tmp_path), "b.png", bomb)):
        with pytest.raises(DataError, match="too large"):
            load_image(source)
    with pytest.raises(DataError, match="uploaded bytes.*too large"):
        load_image(jpeg_huge_header())
    with pytest.raises(DataError, match="image scan.jpg is too large"):
        load_image(jpeg_huge_header(), name="scan.jpg")  # an upload named in the message


def test_pixel_limit_is_50_megapixels_and_reachable_from_the_front():
    assert MAX_PIXELS == 50_000_000
    with open_image(png_valid_constant(7071, 7071)) as img:  # 49.998 MP: accepted, not decoded
        assert img.size == (7071, 7071)
