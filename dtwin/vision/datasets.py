"""Labelled image collections: any ImageFolder tree, the MVTec AD layout, and stratified splits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dtwin.errors import DataError
from dtwin.progress import progress_bar
from dtwin.vision.images import IMAGE_EXTENSIONS, load_image, resize_uint8

MASK_DIRS = frozenset({"masks", "ground_truth"})
SPLIT_NAMES = frozenset({"train", "training", "val", "valid", "validation", "test", "testing"})


@dataclass
class ImageSet:
    """Image paths with integer labels into ``classes`` and optional mask paths (None = none)."""

    paths: list[Path]
    labels: list[int]
    classes: list[str]
    masks: list[Path | None] = field(default_factory=list)
    root: Path | None = None

    def __post_init__(self) -> None:
        if not self.masks:
            self.masks = [None] * len(self.paths)
        if not len(self.paths) == len(self.labels) == len(self.masks):
            raise DataError("paths, labels and masks of an image set must have the same length")

    def __len__(self) -> int:
        return len(self.paths)

    def subset(self, index: list[int] | np.ndarray) -> ImageSet:
        """The images at ``index`` (same classes)."""
        idx = [int(i) for i in index]
        return ImageSet(
            [self.paths[i] for i in idx],
            [self.labels[i] for i in idx],
            list(self.classes),
            [self.masks[i] for i in idx],
            self.root,
        )

    def counts(self) -> dict[str, int]:
        """Number of images per class."""
        values = np.bincount(np.asarray(self.labels, int), minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, values, strict=True)}


def _image_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".")
    )


def _sub_dirs(folder: Path) -> list[Path]:
    """Visible sub-folders of ``folder`` that may hold a class (mask folders excluded)."""
    return sorted(
        d for d in folder.iterdir() if d.is_dir() and d.name not in MASK_DIRS and d.name[0] != "."
    )


def _split_classes(split: Path) -> list[Path]:
    """Class folders of one split: ``split/<class>``, or ``split/images/<class>`` (NEU-DET)."""
    images = [d for d in _sub_dirs(split) if d.name.lower() == "images" and _sub_dirs(d)]
    return _sub_dirs(images[0]) if images else _sub_dirs(split)


def _class_dirs(root: Path) -> dict[str, list[Path]]:
    """Class name -> its folders; a pre-split tree (``train/<class>``, ...) is pooled by name."""
    tops = _sub_dirs(root)
    if tops and all(d.name.lower() in SPLIT_NAMES and _sub_dirs(d) for d in tops):
        grouped: dict[str, list[Path]] = {}
        for split in tops:
            for d in _split_classes(split):
                grouped.setdefault(d.name, []).append(d)
        return dict(sorted(grouped.items()))
    return {d.name: [d] for d in tops}


def scan_image_folder(root: str | Path, min_per_class: int = 1) -> ImageSet:
    """Index an ImageFolder tree ``root/<class>/**/*.{png,jpg,bmp,...}``.

    A top-level ``masks/<class>/<name>`` folder (as written by ``generate_dataset``) supplies
    masks by file name and is not a class; hidden folders are skipped. A tree that is already
    split (``train/``, ``val/``, ``test/``, each with class folders, directly or under
    ``images/`` as in NEU-DET) is pooled by class name and split again by seed, stratified.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist or is not a directory")
    paths, labels, masks, classes = [], [], [], []
    for name, folders in _class_dirs(root).items():
        files = [(d, f) for d in folders for f in _image_files(d)]
        if not files:
            continue
        label = len(classes)
        classes.append(name)
        for d, f in files:
            paths.append(f)
            labels.append(label)
            mask = root / "masks" / name / f.relative_to(d)
            masks.append(mask if mask.is_file() else None)
    if len(classes) < 2:
        hint = ""
        if classes and (root / classes[0]).is_dir():
            inner = [d for d in _sub_dirs(root / classes[0]) if _image_files(d)]
            if len(inner) >= 2:
                hint = f"; did you mean {root / classes[0]} (its sub-folders hold the images)?"
        raise DataError(
            f"image folder {root} has {len(classes)} class folder(s) with images; "
            f"need at least 2 (layout: ROOT/<class>/*.png|jpg|bmp){hint}"
        )
    found = ImageSet(paths, labels, classes, masks, root)
    small = {c: n for c, n in found.counts().items() if n < min_per_class}
    if small:
        raise DataError(
            f"image folder {root}: classes with fewer than {min_per_class} images: {small}"
        )
    return found


def load_mvtec(root: str | Path, category: str | None = None) -> ImageSet:
    """Index an MVTec AD category: ``train/good``, ``test/<defect>``, ``ground_truth/<defect>``.

    Classes are ``good`` plus the defect folder names; masks come from
    ``ground_truth/<defect>/<stem>_mask.png``. ``root`` may be the category folder itself or the
    data set root with ``category`` naming the sub-folder.
    """
    base = Path(root) / category if category else Path(root)
    if not (base / "test").is_dir():
        raise DataError(
            f"{base} is not an MVTec AD category (expected {base}/train/good, {base}/test/<defect>"
            f" and {base}/ground_truth/<defect>)"
        )
    defects = sorted(d.name for d in (base / "test").iterdir() if d.is_dir() and d.name != "good")
    classes = ["good", *defects]
    paths, labels, masks = [], [], []
    for split in ("train", "test"):
        for cls_i, cls in enumerate(classes):
            folder = base / split / cls
            if not folder.is_dir():
                continue
            for f in _image_files(folder):
                mask = base / "ground_truth" / cls / f"{f.stem}_mask.png"
                paths.append(f)
                labels.append(cls_i)
                masks.append(mask if mask.is_file() else None)
    if not paths:
        raise DataError(f"MVTec AD category {base} has no images")
    return ImageSet(paths, labels, classes, masks, base)


def stratified_split(
    labels: list[int] | np.ndarray,
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split indices into train/val/test with the same class proportions in each, by seed.

    Every class with at least 3 images gets at least one image in each part.
    """
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1.0) > 1e-6:
        raise DataError(
            f"split fractions must be three non-negative numbers summing to 1: {fractions}"
        )
    labels = np.asarray(labels, int)
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[], [], []]
    for cls in np.unique(labels):
        idx = rng.permutation(np.nonzero(labels == cls)[0])
        n = len(idx)
        n_val = int(round(fractions[1] * n))
        n_test = int(round(fractions[2] * n))
        if n >= 3:
            n_val = max(n_val, 1 if fractions[1] > 0 else 0)
            n_test = max(n_test, 1 if fractions[2] > 0 else 0)
        n_train = n - n_val - n_test
        parts[0] += idx[:n_train].tolist()
        parts[1] += idx[n_train : n_train + n_val].tolist()
        parts[2] += idx[n_train + n_val :].tolist()
    return tuple(np.sort(np.asarray(p, int)) for p in parts)  # type: ignore[return-value]


def fingerprint(images: ImageSet) -> str:
    """SHA-256 over class names, relative paths and file contents: identifies the training data."""
    digest = hashlib.sha256()
    digest.update("\n".join(images.classes).encode())
    for path, label in zip(images.paths, images.labels, strict=True):
        rel = path.relative_to(images.root) if images.root else path.name
        digest.update(f"{rel}:{label}".encode())
        with Path(path).open("rb") as fh:  # streamed: a file's size never becomes memory
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()


def load_arrays(images: ImageSet, size: int, progress: bool = True) -> np.ndarray:
    """Read and resize every image into one uint8 array (N, size, size, 3)."""
    out = np.empty((len(images), size, size, 3), np.uint8)
    for i, path in enumerate(progress_bar(images.paths, desc="load images", progress=progress)):
        out[i] = resize_uint8(load_image(path), size)
    return out


def load_mask(path: Path | None, shape: tuple[int, int]) -> np.ndarray:
    """Read a mask file as bool (H, W) resized to ``shape``; no file means an empty mask."""
    from PIL import Image

    if path is None:
        return np.zeros(shape, bool)
    grey = load_image(path)[..., 0]
    if grey.shape != shape:
        grey = np.asarray(
            Image.fromarray(grey).resize((shape[1], shape[0]), Image.Resampling.NEAREST)
        )
    return grey > 127
