"""Deterministic synthetic surface-defect images with pixel masks.

Each image is a procedurally textured industrial surface (one of ``MATERIALS``) under random
lighting, scale and rotation; defect classes add a scratch, crack, hole or stain and its mask.
The same ``seed`` always gives the same files.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from dtwin.errors import DataError
from dtwin.progress import progress_bar

CLASSES: tuple[str, ...] = ("good", "scratch", "crack", "hole", "stain")
MIN_SIZE, MAX_SIZE = 16, 1024  # image side in pixels
MAX_PER_CLASS = 10_000  # images per class: ~50,000 files at most, so a typo cannot fill a disk
MATERIALS: tuple[str, ...] = ("brushed_metal", "cast", "woven", "wood", "tile")

# base colours (RGB in [0, 1]) per material; each image jitters them
_PALETTE: dict[str, tuple[float, float, float]] = {
    "brushed_metal": (0.72, 0.74, 0.78),
    "cast": (0.45, 0.45, 0.46),
    "woven": (0.70, 0.64, 0.50),
    "wood": (0.62, 0.44, 0.26),
    "tile": (0.78, 0.76, 0.72),
}


@dataclass(frozen=True)
class SynthSample:
    """One generated image (uint8 HxWx3), its defect mask (bool HxW) and how it was made."""

    image: np.ndarray
    mask: np.ndarray
    label: str
    material: str
    seed: int

    @property
    def bbox(self) -> tuple[int, int, int, int] | None:
        """Bounding box (x0, y0, x1, y1), exclusive end, of the mask; None for a good image."""
        return mask_bbox(self.mask)


def mask_bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) with exclusive ends of the true pixels of a mask."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


# ---------------------------------------------------------------- textures (unrotated canvas)


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma) -> np.ndarray:
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    return (field - field.mean()) / (field.std() + 1e-8)


def _brushed_metal(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    streaks = _smooth_noise(rng, (n, n), (0.6 * scale, 12.0 * scale))
    fine = _smooth_noise(rng, (n, n), 0.7)
    return 0.55 + 0.10 * streaks + 0.03 * fine


def _cast(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    coarse = _smooth_noise(rng, (n, n), 6.0 * scale)
    grain = _smooth_noise(rng, (n, n), 0.9 * scale)
    return 0.5 + 0.07 * coarse + 0.08 * grain


def _woven(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    period = rng.uniform(5.0, 9.0) * scale
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    cell = (np.floor(xx / period) + np.floor(yy / period)) % 2
    warp = np.sin(np.pi * (yy % period) / period)
    weft = np.sin(np.pi * (xx % period) / period)
    thread = np.where(cell == 0, warp, weft)
    return 0.35 + 0.3 * thread + 0.04 * _smooth_noise(rng, (n, n), 0.8)


def _wood(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    yy, _ = np.mgrid[0:n, 0:n].astype(np.float64)
    warp = _smooth_noise(rng, (n, n), (4.0 * scale, 20.0 * scale))
    freq = rng.uniform(0.25, 0.5) / scale
    rings = np.sin(freq * yy + 2.5 * warp)
    grain = _smooth_noise(rng, (n, n), (0.5, 6.0 * scale))
    return 0.5 + 0.12 * rings + 0.05 * grain


def _tile(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    size = int(rng.uniform(22.0, 40.0) * scale)
    yy, xx = np.mgrid[0:n, 0:n]
    tiles_y, tiles_x = yy // size, xx // size
    shade = rng.uniform(-0.05, 0.05, size=(n // size + 2, n // size + 2))[tiles_y, tiles_x]
    grout = ((yy % size) < 2) | ((xx % size) < 2)
    surface = 0.6 + shade + 0.03 * _smooth_noise(rng, (n, n), 1.2)
    return np.where(grout, 0.42, surface)


_TEXTURES: dict[str, Callable[[np.random.Generator, int, float], np.ndarray]] = {
    "brushed_metal": _brushed_metal,
    "cast": _cast,
    "woven": _woven,
    "wood": _wood,
    "tile": _tile,
}


def _surface(rng: np.random.Generator, material: str, size: int) -> np.ndarray:
    """Grey texture in [0, 1] of shape (size, size), rotated and lit at random."""
    scale = rng.uniform(0.7, 1.4) * size / 128.0
    canvas = 2 * size
    tex = _TEXTURES[material](rng, canvas, max(scale, 0.3))
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) - size / 2
    cy = np.cos(angle) * yy - np.sin(angle) * xx + canvas / 2
    cx = np.sin(angle) * yy + np.cos(angle) * xx + canvas / 2
    grey = ndimage.map_coordinates(tex, [cy, cx], order=1, mode="wrap")
    # lighting: a gradient in a random direction and a soft vignette
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(direction) * xx + np.sin(direction) * yy) / size
    vignette = ((xx**2 + yy**2) / (size / 2) ** 2) * rng.uniform(0.0, 0.15)
    light = rng.uniform(0.8, 1.15) * (1 + rng.uniform(0.0, 0.35) * ramp - vignette)
    return np.clip(grey * light, 0, 1)


# ---------------------------------------------------------------- defects


def _polyline_distance(points: np.ndarray, size: int) -> np.ndarray:
    """Distance of every pixel centre to a polyline given as (k, 2) points in (x, y)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    best = np.full((size, size), np.inf)
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:], strict=True):
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy + 1e-9
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / length2, 0, 1)
        best = np.minimum(best, np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy)))
    return best


def _scratch(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Smooth thin line (a gently curved Bezier), bright or dark; returns (delta, mask)."""
    length = rng.uniform(0.35, 0.8) * size
    angle = rng.uniform(0, np.pi)
    centre = rng.uniform(0.3, 0.7, size=2) * size
    d = np.array([np.cos(angle), np.sin(angle)]) * length / 2
    normal = np.array([-d[1], d[0]]) / (np.linalg.norm(d) + 1e-9)
    bend = normal * rng.uniform(-0.08, 0.08) * length  # tool marks: nearly straight
    t = np.linspace(0, 1, 24)[:, None]
    p0, p2, p1 = centre - d, centre + d, centre + bend
    pts = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
    width = rng.uniform(0.9, 1.6) * size / 128
    dist = _polyline_distance(pts, size)
    profile = np.exp(-((dist / width) ** 2))
    sign = rng.choice([-1.0, 1.0])
    contrast = rng.uniform(0.35, 0.6)
    return sign * contrast * profile, dist <= width + 1.0


def _crack(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Jagged dark random walk with branches; returns (delta, mask)."""
    total = np.full((size, size), np.inf)
    start = rng.uniform(0.3, 0.7, size=2) * size
    heading = rng.uniform(0, 2 * np.pi)
    steps = int(rng.integers(14, 28))
    step = rng.uniform(0.018, 0.032) * size
    trunk = [start]
    for _ in range(steps):
        heading += rng.normal(0, 0.9)  # cracks zig-zag; scratches do not
        trunk.append(trunk[-1] + step * np.array([np.cos(heading), np.sin(heading)]))
    trunk_arr = np.clip(np.array(trunk), 0, size - 1)
    total = np.minimum(total, _polyline_distance(trunk_arr, size))
    for _ in range(int(rng.integers(2, 4))):
        k = int(rng.integers(2, len(trunk) - 2))
        h = heading + rng.choice([-1, 1]) * rng.uniform(0.6, 1.3)
        branch = [trunk[k]]
        for _ in range(int(rng.integers(3, 8))):
            h += rng.normal(0, 0.5)
            branch.append(branch[-1] + 0.8 * step * np.array([np.cos(h), np.sin(h)]))
        total = np.minimum(total, _polyline_distance(np.clip(np.array(branch), 0, size - 1), size))
    width = rng.uniform(0.9, 1.8) * size / 128
    profile = np.exp(-((total / width) ** 2))
    contrast = rng.uniform(0.35, 0.65)
    return -contrast * profile, total <= width + 1.0


def _hole(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Dark elliptic pit with shading and a bright rim on the lit side; returns (delta, mask)."""
    r = rng.uniform(0.035, 0.11) * size
    aspect = rng.uniform(0.7, 1.0)
    cx, cy = rng.uniform(0.2, 0.8, size=2) * size
    theta = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    u = (xx - cx) * np.cos(theta) + (yy - cy) * np.sin(theta)
    v = -(xx - cx) * np.sin(theta) + (yy - cy) * np.cos(theta)
    rho = np.sqrt((u / r) ** 2 + (v / (r * aspect)) ** 2)
    inside = rho <= 1.0
    depth = rng.uniform(0.3, 0.6)
    light = rng.uniform(0, 2 * np.pi)
    shade = 0.25 * (np.cos(light) * u + np.sin(light) * v) / r
    delta = np.where(inside, -depth * (1.0 - 0.4 * rho**2) + 0.1 * shade, 0.0)
    rim = np.exp(-(((rho - 1.1) / 0.12) ** 2)) * np.clip(-shade, 0, None) * 0.8
    delta = ndimage.gaussian_filter(delta, 0.6) + rim
    return delta, rho <= 1.05


def _stain(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Soft irregular blob; returns (delta, mask, alpha) so the caller can tint it."""
    r = rng.uniform(0.12, 0.22) * size
    cx, cy = rng.uniform(0.25, 0.75, size=2) * size
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    rho = np.hypot((xx - cx) / r, (yy - cy) / (r * rng.uniform(0.6, 1.0)))
    wobble = _smooth_noise(rng, (size, size), 0.08 * size)
    field = 1.0 - rho + 0.35 * wobble
    alpha = np.clip(field / 0.3, 0, 1)
    alpha = ndimage.gaussian_filter(alpha, 1.0)
    # keep the largest blob only, so the mask is one stain
    labels, count = ndimage.label(alpha > 0.3)
    if count > 1:
        sizes = ndimage.sum(np.ones_like(alpha), labels, range(1, count + 1))
        keep = labels == (int(np.argmax(sizes)) + 1)
        alpha = alpha * ndimage.binary_dilation(keep, iterations=3)
    strength = rng.uniform(0.35, 0.55)
    return -strength * alpha, alpha > 0.3, alpha


def generate_sample(label: str, size: int = 128, seed: int = 0) -> SynthSample:
    """Generate one image of class ``label`` from ``seed`` (same seed, same pixels)."""
    if label not in CLASSES:
        raise DataError(f"unknown synthetic class {label!r}; valid: {', '.join(CLASSES)}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise DataError(f"synthetic image size {size} out of range; valid: {MIN_SIZE}..{MAX_SIZE}")
    rng = np.random.default_rng(seed)
    material = MATERIALS[int(rng.integers(len(MATERIALS)))]
    grey = _surface(rng, material, size)
    colour = np.clip(np.array(_PALETTE[material]) + rng.normal(0, 0.05, 3), 0.05, 1.0)
    rgb = grey[..., None] * colour[None, None, :] * 1.4
    mask = np.zeros((size, size), bool)
    if label in ("scratch", "crack", "hole"):
        maker = {"scratch": _scratch, "crack": _crack, "hole": _hole}[label]
        delta, mask = maker(rng, size)
        rgb = rgb + delta[..., None] * (0.6 + 0.4 * colour[None, None, :])
    elif label == "stain":
        delta, mask, alpha = _stain(rng, size)
        tint = np.array([0.55, 0.38, 0.18]) if rng.random() < 0.6 else rng.uniform(0.1, 0.6, 3)
        mix = alpha[..., None] * rng.uniform(0.45, 0.7)
        rgb = (1 - mix) * rgb + mix * tint[None, None, :] * grey.mean() * 1.6
        rgb = rgb + delta[..., None] * 0.5
    rgb = rgb + rng.normal(0, rng.uniform(0.005, 0.025), rgb.shape)
    image = np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return SynthSample(image=image, mask=mask, label=label, material=material, seed=seed)


def sample_seed(seed: int, label: str, index: int) -> int:
    """Seed of image ``index`` of class ``label`` in a data set generated from ``seed``."""
    seq = np.random.SeedSequence([int(seed), CLASSES.index(label), int(index)])
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def generate_dataset(
    out: str | Path,
    n: int = 300,
    size: int = 128,
    seed: int = 0,
    classes: tuple[str, ...] = CLASSES,
    progress: bool = True,
) -> Path:
    """Write ``n`` images per class as an ImageFolder with masks and a manifest; returns the CSV.

    Layout: ``OUT/<class>/<class>_00000.png``, ``OUT/masks/<class>/<same name>`` (0/255 masks)
    and ``OUT/manifest.csv`` with columns path, class, seed, material, x0, y0, x1, y1.
    """
    from PIL import Image

    if not 1 <= n <= MAX_PER_CLASS:
        raise DataError(f"number of images per class {n} out of range; valid: 1..{MAX_PER_CLASS}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise DataError(f"synthetic image size {size} out of range; valid: {MIN_SIZE}..{MAX_SIZE}")
    out = Path(out)
    rows = []
    jobs = [(label, i) for label in classes for i in range(n)]
    for label, i in progress_bar(jobs, desc="synth", progress=progress):
        s = sample_seed(seed, label, i)
        sample = generate_sample(label, size=size, seed=s)
        name = f"{label}_{i:05d}.png"
        (out / label).mkdir(parents=True, exist_ok=True)
        (out / "masks" / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(sample.image).save(out / label / name)
        Image.fromarray(sample.mask.astype(np.uint8) * 255).save(out / "masks" / label / name)
        box = sample.bbox or ("", "", "", "")
        rows.append([f"{label}/{name}", label, s, sample.material, *box])
    manifest = out / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "class", "seed", "material", "x0", "y0", "x1", "y1"])
        writer.writerows(rows)
    return manifest


def generate_arrays(
    n: int, size: int = 128, seed: int = 0, classes: tuple[str, ...] = CLASSES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` samples per class in memory: images (N, S, S, 3), masks (N, S, S), labels (N,).

    Same pixels as ``generate_dataset`` with the same seed (labels index ``classes``).
    """
    samples = [
        generate_sample(label, size, sample_seed(seed, label, i))
        for label in classes
        for i in range(n)
    ]
    images = np.stack([s.image for s in samples])
    masks = np.stack([s.mask for s in samples])
    labels = np.array([classes.index(s.label) for s in samples], int)
    return images, masks, labels


def generate_real_layout(
    out: str | Path,
    n: int = 8,
    size: int = 160,
    seed: int = 0,
    good_factor: int = 4,
    aspect: float = 0.75,
) -> Path:
    """A small stand-in for a real photo set, in magnetic-tile's layout; returns ``out``.

    ``OUT/<class>/Imgs/<stem>.jpg`` (grey, ``aspect`` x ``size`` wide by ``size`` high) with its
    0/255 mask beside it as ``<stem>.png``; ``n`` images per defect class and ``good_factor`` x
    ``n`` good ones (real sets are imbalanced). For notebooks and tests when no real data is
    present: it exercises the real-data code paths, its figures say nothing about real images.
    """
    from PIL import Image

    if not 1 <= n <= MAX_PER_CLASS // max(1, good_factor):
        raise DataError(f"number of images per class {n} out of range")
    out = Path(out)
    width = max(MIN_SIZE, int(round(size * aspect)))
    for label in CLASSES:
        folder = out / label / "Imgs"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(n * (good_factor if label == "good" else 1)):
            sample = generate_sample(label, size=size, seed=sample_seed(seed, label, i))
            x0 = 0
            if sample.mask.any():  # keep the defect inside the crop
                centre = int(np.nonzero(sample.mask.any(axis=0))[0].mean())
                x0 = int(np.clip(centre - width // 2, 0, size - width))
            grey = sample.image.mean(axis=2).round().astype(np.uint8)[:, x0 : x0 + width]
            mask = sample.mask[:, x0 : x0 + width].astype(np.uint8) * 255
            Image.fromarray(grey).save(folder / f"{label}_{i:05d}.jpg", quality=95)
            Image.fromarray(mask).save(folder / f"{label}_{i:05d}.png")
    return out
