"""Reading any image file into RGB uint8 and the one preprocessing shared by training and serving.

``load_image`` accepts grey, colour, palette, RGBA, 16-bit and float images (png, jpg, bmp, tif,
webp) and huge ones (downscaled on load so the longest side is at most ``MAX_SIDE``); a file that
is not an image or is truncated raises ``DataError`` naming the file.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from dtwin.errors import DataError

IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pgm", ".ppm"}
)
MAX_SIDE = 4096  # longer sides are reduced on load; the model sees far fewer pixels anyway
MAX_PIXELS = 1_000_000_000  # beyond this we refuse instead of exhausting memory

ImageInput = str | Path | bytes | np.ndarray


def load_image(source: str | Path | bytes, max_side: int = MAX_SIDE) -> np.ndarray:
    """Read an image file (path or encoded bytes) as an RGB uint8 array of shape (H, W, 3)."""
    from PIL import Image, UnidentifiedImageError

    name = "<bytes>" if isinstance(source, bytes | bytearray) else str(source)
    if not isinstance(source, bytes | bytearray):
        path = Path(source)
        if not path.is_file():
            raise DataError(f"image file {name} does not exist or is not a file")
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            old_limit = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = None  # we apply our own limit below
            try:
                img = Image.open(handle)
            finally:
                Image.MAX_IMAGE_PIXELS = old_limit
            with img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise DataError(
                        f"image {name} is too large ({width}x{height} px); "
                        f"at most {MAX_PIXELS:,} pixels are accepted"
                    )
                if max(width, height) > max_side and img.format == "JPEG":
                    img.draft("RGB", (max_side, max_side))  # decode JPEG at reduced scale
                img.load()
                array = _to_rgb(img)
    except DataError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(
            f"cannot read image {name}: {exc} (not an image, unsupported or truncated file)"
        ) from exc
    if max(array.shape[:2]) > max_side:
        array = _shrink(array, max_side)
    return array


def _to_rgb(img) -> np.ndarray:
    """Convert any PIL image mode to RGB uint8 (16-bit scaled, alpha composited over white)."""
    from PIL import Image

    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(img).astype(np.float64)
        arr = np.clip(arr, 0, 65535) / 257.0  # full 16-bit range to 0..255
        grey = np.round(arr).astype(np.uint8)
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


def preprocess(images: list[ImageInput], size: int, mean: list[float], std: list[float]):
    """Load, convert and resize images, then normalise: the model's exact input (float32 NCHW)."""
    batch = np.stack([resize_uint8(as_rgb_array(img), size) for img in images])
    return normalize(batch, mean, std)
