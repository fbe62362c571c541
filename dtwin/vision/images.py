"""Reading any image file into RGB uint8 and the one preprocessing shared by training and serving.

Every image file dtwin reads (``dtwin vision predict`` and ``explain``, the data set loaders, the
quality-inspector app's uploads) goes through ``open_image``: it reads the header only, refuses
an image of more than ``MAX_PIXELS`` pixels *before* any pixel is decoded (a PNG of a few hundred
kilobytes can declare 30000x30000 pixels, 9.5 GB once decoded), and names the file in every error.
``load_image`` builds on it: grey, colour, palette, CMYK, RGBA, 16-bit and float images (png, jpg,
bmp, tif, webp, gif, pgm/ppm) become RGB uint8, reduced on load so the longest side is at most
``MAX_SIDE`` (JPEGs are decoded at a reduced scale); an animated GIF or multi-page TIFF gives its
first frame. A file that is missing, empty, not an image or truncated raises ``DataError``.
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dtwin.errors import DataError, VisionError

IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pgm", ".ppm"}
)
# Pillow format names open_image accepts (JPEG includes MPO, the multi-picture JPEG of cameras).
IMAGE_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "BMP", "TIFF", "WEBP", "GIF", "PPM")
MAX_SIDE = 4096  # longer sides are reduced on load; the model sees far fewer pixels anyway
MAX_PIXELS = 50_000_000
"""Most pixels (width x height) an image may declare: 50 MP, e.g. 8660x5773 or 7071x7071.

Larger images are refused before decoding. At this size a decoded image costs at most 200 MB
(4 bytes per pixel: RGBA, 32-bit integer or float), and ``load_image`` stays well under 1 GB
(``benchmarks/image_memory.py`` measures it). The quality-inspector app quotes it to its users.
"""
OVERLAY_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")

ImageInput = str | Path | bytes | np.ndarray


def _source_name(source: str | Path | bytes) -> str:
    return "<uploaded bytes>" if isinstance(source, bytes | bytearray) else str(source)


def _check_source(source: str | Path | bytes, name: str) -> None:
    """Refuse a missing file, a folder and an empty file before Pillow sees them."""
    if isinstance(source, bytes | bytearray):
        size = len(source)
    else:
        path = Path(source)
        if path.is_dir():
            raise DataError(f"image {name} is a folder, not an image file")
        if not path.is_file():
            raise DataError(f"image file {name} does not exist or is not a file")
        size = path.stat().st_size
    if size == 0:
        raise DataError(f"image {name} is empty (0 bytes); expected a png, jpg, bmp or tif image")


def check_pixels(width: int, height: int, name: str = "image") -> None:
    """Raise DataError when a ``width`` x ``height`` image exceeds ``MAX_PIXELS``."""
    if width * height > MAX_PIXELS:
        raise DataError(
            f"image {name} is too large ({width}x{height} px = {width * height / 1e6:,.0f} MP); "
            f"at most {MAX_PIXELS / 1e6:g} MP ({MAX_PIXELS:,} pixels) are accepted - scale it down"
        )


@contextmanager
def open_image(source: str | Path | bytes, name: str | None = None) -> Iterator:
    """Open an image (path or encoded bytes) with its size checked and no pixel decoded yet.

    The one safe opener: yields a lazy PIL image of a supported format (``IMAGE_FORMATS``) whose
    declared size is within ``MAX_PIXELS``; ``DataError`` names the file otherwise (``name``,
    e.g. an upload's file name, stands for bytes in messages).
    """
    from PIL import Image, UnidentifiedImageError

    name = name or _source_name(source)
    _check_source(source, name)
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else Path(source)
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 MP on; our own, lower limit below refuses those images anyway
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(handle, formats=IMAGE_FORMATS)
    except Image.DecompressionBombError as exc:  # beyond Pillow's own limit (2 x 89 MP)
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) / 1e6:,.0f} MP" if found else "over 179 MP"
        raise DataError(
            f"image {name} is too large ({size}); at most {MAX_PIXELS / 1e6:g} MP "
            f"({MAX_PIXELS:,} pixels) are accepted - scale it down"
        ) from exc
    except UnidentifiedImageError as exc:
        raise DataError(
            f"cannot read image {name}: not an image of a supported format "
            f"({', '.join(f.lower() for f in IMAGE_FORMATS)})"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"cannot read image {name}: {exc} (damaged or truncated file)") from exc
    with img:
        check_pixels(*img.size, name=name)
        yield img


def load_image(
    source: str | Path | bytes, max_side: int = MAX_SIDE, name: str | None = None
) -> np.ndarray:
    """Read an image file (path or encoded bytes) as an RGB uint8 array of shape (H, W, 3).

    ``name`` (e.g. an upload's file name) stands for bytes in error messages.
    """
    name = name or _source_name(source)
    with open_image(source, name=name) as img:
        factor = math.ceil(max(img.size) / max_side)
        if factor > 1 and img.format in ("JPEG", "MPO"):
            target = (math.ceil(img.size[0] / factor), math.ceil(img.size[1] / factor))
            img.draft("RGB", target)  # JPEG decodes at 1/2, 1/4 or 1/8 scale: far less memory
        try:
            img.load()
            array = _to_rgb(_reduce(img, max_side))
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise DataError(f"cannot read image {name}: {exc} (damaged or truncated file)") from exc
    if min(array.shape[:2]) < 1:
        raise DataError(f"image {name} has an empty side ({array.shape[1]}x{array.shape[0]} px)")
    return array


def _reduce(img, max_side: int):
    """Shrink a decoded image by an integer factor (box filter) so its longest side fits."""
    factor = math.ceil(max(img.size) / max_side)
    if factor <= 1:
        return img
    if img.mode == "P":  # reduce() cannot average palette indices or 1-bit or 16-bit pixels
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif img.mode == "1":
        img = img.convert("L")
    elif img.mode.startswith("I;16"):
        img = img.convert("I")
    return img.reduce(factor)


def _to_rgb(img) -> np.ndarray:
    """Convert any PIL image mode to RGB uint8 (16-bit scaled, alpha composited over white)."""
    from PIL import Image

    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.clip(np.asarray(img).astype(np.int32), 0, 65535)
        grey = ((arr + 128) // 257).astype(np.uint8)  # full 16-bit range to 0..255, rounded
        return np.repeat(grey[..., None], 3, axis=2)
    if mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        scale = 255.0 if np.nanmax(arr) <= 1.0 else 1.0
        grey = np.clip(np.nan_to_num(arr) * scale, 0, 255).round().astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(background, rgba).convert("RGB"))
    if mode == "RGB":
        return np.asarray(img).copy()
    return np.asarray(img.convert("RGB"))


def check_output_image(path: str | Path) -> Path:
    """Check that an image can be written to ``path`` (suffix, folder) before any work is done.

    The suffix must be one of ``OVERLAY_SUFFIXES``; the nearest existing folder above ``path``
    must accept a new file (it is tried). Raises VisionError naming the path otherwise.
    """
    path = Path(path)
    if path.is_dir():
        raise VisionError(
            f"output image {path} is a folder; give a file name such as {path / 'cam.png'}"
        )
    if path.suffix.lower() not in OVERLAY_SUFFIXES:
        found = f"suffix {path.suffix!r}" if path.suffix else "no suffix"
        raise VisionError(
            f"output image {path} has {found}; use one of {', '.join(OVERLAY_SUFFIXES)}"
        )
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise VisionError(f"cannot write output image {path}: {folder} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".dtwin-write-test-", dir=folder)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise VisionError(
            f"cannot write output image {path}: cannot create a file in {folder} ({reason})"
        ) from exc
    os.close(fd)
    os.unlink(probe)
    if path.exists() and not os.access(path, os.W_OK):
        raise VisionError(f"cannot write output image {path}: the existing file is read-only")
    return path


def _shrink(array: np.ndarray, max_side: int) -> np.ndarray:
    from PIL import Image

    h, w = array.shape[:2]
    factor = max_side / max(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return np.asarray(Image.fromarray(array).resize(size, Image.Resampling.BILINEAR))


def as_rgb_array(image: ImageInput) -> np.ndarray:
    """Turn a path, encoded bytes or an array (HxW, HxWx1/3/4; uint8/16, float) into RGB uint8."""
    if not isinstance(image, np.ndarray):
        return load_image(image)
    arr = image
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise DataError(
            f"image array has shape {image.shape}; expected (H, W), (H, W, 1), (H, W, 3) "
            "or (H, W, 4)"
        )
    if arr.dtype == np.uint16:
        arr = np.round(arr / 257.0)
    elif arr.dtype.kind == "f":
        arr = np.nan_to_num(arr) * (255.0 if arr.size and np.nanmax(arr) <= 1.0 else 1.0)
    elif arr.dtype == np.bool_:
        arr = arr * 255
    arr = np.clip(np.round(arr), 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    elif arr.shape[2] == 4:
        alpha = arr[..., 3:4].astype(np.float64) / 255.0
        arr = np.round(arr[..., :3] * alpha + 255.0 * (1 - alpha)).astype(np.uint8)
    if min(arr.shape[:2]) < 1:
        raise DataError(f"image array has an empty side: shape {image.shape}")
    if max(arr.shape[:2]) > MAX_SIDE:
        arr = _shrink(arr, MAX_SIDE)
    return np.ascontiguousarray(arr)


def resize_uint8(image: np.ndarray, size: int) -> np.ndarray:
    """Resize an RGB uint8 image to (size, size, 3) with antialiased bilinear (aspect squashed)."""
    from PIL import Image

    if image.shape[0] == size and image.shape[1] == size:
        return image
    return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BILINEAR))


def normalize(batch: np.ndarray, mean: list[float], std: list[float]) -> np.ndarray:
    """Map uint8 images (N, H, W, 3) to float32 (N, 3, H, W) normalised by mean/std (0..1 scale)."""
    x = batch.astype(np.float32).transpose(0, 3, 1, 2) / np.float32(255.0)
    m = np.asarray(mean, np.float32).reshape(1, 3, 1, 1)
    s = np.asarray(std, np.float32).reshape(1, 3, 1, 1)
    return (x - m) / s


def preprocess(
    images: list[ImageInput], size: int, mean: list[float], std: list[float], mode: str = "squash"
):
    """Load, convert and resize images, then normalise: the model's exact input (float32 NCHW)."""
    batch = np.stack([fit_image(as_rgb_array(img), size, mode) for img in images])
    return normalize(batch, mean, std)


RESIZE_MODES: tuple[str, ...] = ("letterbox", "squash")


def resize_mode(card: dict) -> str:
    """How a model card's input is made: ``letterbox`` or ``squash`` (older cards: squash)."""
    return "letterbox" if card.get("input", {}).get("resize") == "letterbox" else "squash"


def letterbox_placement(height: int, width: int, size: int) -> tuple[float, int, int, int, int]:
    """Where a ``width`` x ``height`` image lands in a ``size`` square keeping its aspect ratio.

    Returns ``(scale, x0, y0, w, h)``: the image is resized by ``scale`` to ``w`` x ``h`` pixels
    and pasted with its top-left corner at ``(x0, y0)``; the rest of the square is padding.
    """
    scale = size / max(height, width)
    w = min(size, max(1, round(width * scale)))
    h = min(size, max(1, round(height * scale)))
    return scale, (size - w) // 2, (size - h) // 2, w, h


def letterbox_uint8(image: np.ndarray, size: int) -> np.ndarray:
    """Resize an RGB uint8 image so its longer side is ``size``, centred on a ``size`` square.

    The padding takes the image's mean colour, so the border adds no edge a network could learn
    (or a CAM could point at). A square image gives exactly ``resize_uint8``'s result.
    """
    from PIL import Image

    height, width = image.shape[:2]
    if height == width:
        return resize_uint8(image, size)
    _, x0, y0, w, h = letterbox_placement(height, width, size)
    fill = np.round(image.reshape(-1, image.shape[2]).mean(axis=0)).astype(np.uint8)
    out = np.empty((size, size, image.shape[2]), np.uint8)
    out[...] = fill
    small = np.asarray(Image.fromarray(image).resize((w, h), Image.Resampling.BILINEAR))
    out[y0 : y0 + h, x0 : x0 + w] = small
    return out


def fit_image(image: np.ndarray, size: int, mode: str = "squash") -> np.ndarray:
    """The model-sized square of an RGB uint8 image, ``letterbox``-ed or ``squash``-ed."""
    if mode == "letterbox":
        return letterbox_uint8(image, size)
    if mode == "squash":
        return resize_uint8(image, size)
    raise VisionError(f"unknown resize mode {mode!r}; valid: {', '.join(RESIZE_MODES)}")


def map_to_source(values: np.ndarray, height: int, width: int, mode: str = "squash") -> np.ndarray:
    """Map a float map over the model's square input back onto the source image's pixels.

    For ``letterbox`` the padding is cropped away first, so the map lines up with the source.
    """
    from PIL import Image

    size = values.shape[0]
    if mode == "letterbox" and height != width:
        _, x0, y0, w, h = letterbox_placement(height, width, size)
        values = values[y0 : y0 + h, x0 : x0 + w]
    if values.shape == (height, width):
        return values.astype(np.float32)
    img = Image.fromarray(np.ascontiguousarray(values, np.float32), mode="F")
    return np.asarray(img.resize((width, height), Image.Resampling.BILINEAR))
