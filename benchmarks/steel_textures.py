"""A stand-in for real grey steel-surface photographs (NEU-like): 6 classes of 200x200 px textures.

The training defaults of ``dtwin vision train`` must serve real photographs (about 1,500 grey
200x200 surface photos in 6 classes), which cannot be downloaded here. This generator draws
hot-rolled strip surfaces with defects that cover the whole frame, as in those photographs:
crazing, inclusion, patches, pitted surface, rolled-in scale and scratches, under random
brightness, contrast, blur and sensor noise. Like those photographs (crops chosen around a
defect), every image shows its defect: pits, inclusions, cracks and scratches have a floor on
their size and contrast. It is a benchmark aid, not part of ``dtwin``:
``benchmarks/vision_training.py`` trains on it (or on a folder of real photographs).

Run: ``python benchmarks/steel_textures.py OUT [--per-class 250] [--seed 7]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

CLASSES = ("crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches")
SIZE = 200


def _noise(rng: np.random.Generator, sigma: float | tuple[float, float]) -> np.ndarray:
    """Zero-mean, unit-std smooth noise."""
    field = ndimage.gaussian_filter(rng.standard_normal((SIZE, SIZE)), sigma)
    return (field - field.mean()) / (field.std() + 1e-9)


def _strip(rng: np.random.Generator) -> np.ndarray:
    """Bare rolled strip: streaks along the rolling direction, grain, a lighting gradient."""
    streaks = _noise(rng, (rng.uniform(0.5, 1.5), rng.uniform(8, 30)))
    grain = _noise(rng, rng.uniform(0.6, 1.2))
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    angle = rng.uniform(0, 2 * np.pi)
    light = (np.cos(angle) * xx + np.sin(angle) * yy) * rng.uniform(-25, 25)
    return rng.uniform(6, 14) * streaks + rng.uniform(3, 8) * grain + light


def _blobs(
    rng: np.random.Generator, n: int, radius: tuple[float, float], stretch: float
) -> np.ndarray:
    """A 0..1 map of ``n`` soft ellipses, stretched ``stretch`` times along the rolling axis."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    out = np.zeros((SIZE, SIZE))
    for _ in range(n):
        cy, cx = rng.uniform(0, SIZE, 2)
        r = rng.uniform(*radius)
        ry, rx = r, r * stretch * rng.uniform(0.7, 1.3)
        d = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
        out = np.maximum(out, np.clip(1.2 - d, 0, 1))
    return out


def _crazing(rng: np.random.Generator) -> np.ndarray:
    # a fine network of short dark cracks: broken edges of small irregular cells
    cells = _noise(rng, rng.uniform(2.5, 5))
    edges = np.abs(ndimage.sobel(np.sign(cells - rng.uniform(-0.3, 0.3)), axis=0))
    edges += np.abs(ndimage.sobel(np.sign(cells), axis=1))
    keep = _noise(rng, 6) > rng.uniform(-0.8, 0.2)
    cracks = ndimage.gaussian_filter((edges > 0) * keep * 1.0, 0.7)
    return -rng.uniform(35, 65) * cracks


def _inclusion(rng: np.random.Generator) -> np.ndarray:
    # a few dark elongated islands or streaks along the rolling direction
    n = rng.integers(2, 8)
    spots = _blobs(rng, n, (3, 9), rng.uniform(2, 6))
    spots *= 0.6 + 0.4 * (_noise(rng, 1.5) > -0.5)
    return -rng.uniform(45, 85) * ndimage.gaussian_filter(spots, 0.8)


def _patches(rng: np.random.Generator) -> np.ndarray:
    # large irregular dark (or light) regions covering a good part of the frame
    field = _noise(rng, rng.uniform(10, 20))
    mask = ndimage.gaussian_filter((field > rng.uniform(0.0, 0.8)) * 1.0, rng.uniform(2, 5))
    sign = -1 if rng.random() < 0.8 else 1
    return sign * rng.uniform(30, 70) * mask * (0.7 + 0.3 * _noise(rng, 3))


def _pitted(rng: np.random.Generator) -> np.ndarray:
    # many small dark pits, denser in one part of the frame
    n = int(rng.integers(80, 240))
    centre = rng.uniform(40, SIZE - 40, 2)
    pts = centre + rng.normal(0, rng.uniform(30, 80), (n, 2))
    img = np.zeros((SIZE, SIZE))
    for y, x in pts.astype(int):
        if 0 <= y < SIZE and 0 <= x < SIZE:
            img[y, x] = rng.uniform(0.5, 1.0)
    img = ndimage.grey_dilation(img, size=int(rng.integers(3, 5)))
    return -rng.uniform(45, 80) * ndimage.gaussian_filter(img, 0.8)


def _rolled_in_scale(rng: np.random.Generator) -> np.ndarray:
    # scattered flakes of oxide pressed into the strip: mid-frequency blobs, mixed contrast
    field = _noise(rng, (rng.uniform(1.5, 3), rng.uniform(3, 7)))
    flakes = (field > rng.uniform(0.6, 1.4)) * 1.0
    flakes *= _noise(rng, 12) > rng.uniform(-1.0, 0.0)
    flakes = ndimage.gaussian_filter(flakes, 0.6)
    return rng.uniform(25, 55) * flakes * np.sign(rng.uniform(-1, 0.4))


def _scratches(rng: np.random.Generator) -> np.ndarray:
    # 1-4 long thin lines, mostly along one direction, bright or dark
    img = np.zeros((SIZE, SIZE))
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    base = rng.uniform(0, np.pi)
    for _ in range(int(rng.integers(1, 5))):
        a = base + rng.normal(0, 0.15)
        cy, cx = rng.uniform(20, SIZE - 20, 2)
        length = rng.uniform(90, 260)
        along = (xx - cx) * np.cos(a) + (yy - cy) * np.sin(a)
        across = -(xx - cx) * np.sin(a) + (yy - cy) * np.cos(a)
        across -= rng.uniform(-0.002, 0.002) * along**2  # a slight bend
        width = rng.uniform(0.9, 2.2)
        line = np.exp(-(across**2) / (2 * width**2)) * (np.abs(along) < length / 2)
        img = np.maximum(img, line * rng.uniform(0.6, 1.0))
    return rng.uniform(40, 75) * img * (1 if rng.random() < 0.6 else -1)


DEFECTS = dict(
    zip(
        CLASSES,
        (_crazing, _inclusion, _patches, _pitted, _rolled_in_scale, _scratches),
        strict=True,
    )
)


def steel_image(label: str, seed: int) -> np.ndarray:
    """One grey 200x200 uint8 image of class ``label`` (deterministic in ``seed``)."""
    rng = np.random.default_rng(seed)
    img = _strip(rng) + DEFECTS[label](rng)
    img = ndimage.gaussian_filter(img, rng.uniform(0.3, 1.2))
    img = img * rng.uniform(0.6, 1.4) + rng.uniform(70, 170)
    img += rng.normal(0, rng.uniform(1, 5), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def write_dataset(out: Path, per_class: int = 250, seed: int = 7) -> int:
    """Write ``OUT/<class>/<class>_<i>.bmp`` (grey, 200x200); returns the number of images."""
    n = 0
    for c, label in enumerate(CLASSES):
        (out / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = steel_image(label, seed * 1_000_003 + c * 10_007 + i)
            Image.fromarray(img, "L").save(out / label / f"{label}_{i + 1}.bmp")
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-class", type=int, default=250)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"wrote {write_dataset(args.out, args.per_class, args.seed)} images to {args.out}")


if __name__ == "__main__":
    main()
