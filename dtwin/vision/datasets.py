"""Labelled image collections: any ImageFolder tree, the MVTec AD layout, and stratified splits.

Ground truth travels with the images: a pixel mask (``ImageSet.masks``) or a box file
(``ImageSet.boxes``: Pascal VOC XML or YOLO txt) per image, found by the layouts of
``dtwin.vision.annotations``; ``load_region`` turns either into a mask in the source's pixels.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dtwin.errors import DataError
from dtwin.progress import progress_bar
from dtwin.vision.annotations import (
    ANNOTATION_DIRS,
    find_boxes,
    find_mask,
    is_mask_file,
    read_boxes,
)
from dtwin.vision.images import IMAGE_EXTENSIONS, fit_image, load_image

MASK_DIRS = ANNOTATION_DIRS
SPLIT_NAMES = frozenset({"train", "training", "val", "valid", "validation", "test", "testing"})


@dataclass
class ImageSet:
    """Image paths with labels into ``classes``, optional mask and box files (None = none)."""

    paths: list[Path]
    labels: list[int]
    classes: list[str]
    masks: list[Path | None] = field(default_factory=list)
    root: Path | None = None
    boxes: list[Path | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.masks:
            self.masks = [None] * len(self.paths)
        if not self.boxes:
            self.boxes = [None] * len(self.paths)
        if not len(self.paths) == len(self.labels) == len(self.masks) == len(self.boxes):
            raise DataError(
                "paths, labels, masks and boxes of an image set must have the same length"
            )

    def has_region(self, index: int) -> bool:
        """True when image ``index`` has a mask or a box file."""
        return self.masks[index] is not None or self.boxes[index] is not None

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
            [self.boxes[i] for i in idx],
        )

    def counts(self) -> dict[str, int]:
        """Number of images per class."""
        values = np.bincount(np.asarray(self.labels, int), minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, values, strict=True)}


def _image_files(folder: Path) -> list[Path]:
    """Image files under ``folder``; masks (beside their image or in mask folders) excluded."""
    found = []
    for p in folder.rglob("*"):
        if not p.is_file() or p.suffix.lower() not in IMAGE_EXTENSIONS or p.name[0] == ".":
            continue
        inner = {part.lower() for part in p.relative_to(folder).parts[:-1]}
        if inner & MASK_DIRS or is_mask_file(p):
            continue
        found.append(p)
    return sorted(found)


def _sub_dirs(folder: Path) -> list[Path]:
    """Visible sub-folders of ``folder`` that may hold a class (mask folders excluded)."""
    return sorted(
        d
        for d in folder.iterdir()
        if d.is_dir() and d.name.lower() not in MASK_DIRS and d.name[0] != "."
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

    Ground truth is found beside each image or in parallel folders (see
    ``dtwin.vision.annotations``): a ``<stem>.png`` mask beside a ``<stem>.jpg`` (magnetic-tile's
    ``<Class>/Imgs/``), ``<stem>_mask.png``, ``masks/<class>/<name>`` at the top (as written by
    ``generate_dataset``), ``<...>/images/`` beside ``<...>/masks/``, Pascal VOC
    ``<stem>.xml`` and YOLO ``<stem>.txt`` boxes beside the image or in ``annotations/``,
    ``labels/`` folders. Mask files are never read as images; hidden folders are skipped.
    A tree that is already split (``train/``, ``val/``, ``test/``, each with class folders,
    directly or under ``images/`` as in NEU-DET) is pooled by class name and split again by
    seed, stratified.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist or is not a directory")
    paths, labels, masks, boxes, classes = [], [], [], [], []
    for name, folders in _class_dirs(root).items():
        files = [(d, f) for d in folders for f in _image_files(d)]
        if not files:
            continue
        label = len(classes)
        classes.append(name)
        for d, f in files:
            paths.append(f)
            labels.append(label)
            masks.append(find_mask(root, name, d, f))
            boxes.append(find_boxes(root, name, d, f))
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
    found = ImageSet(paths, labels, classes, masks, root, boxes)
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


def load_arrays(
    images: ImageSet, size: int, progress: bool = True, mode: str = "squash"
) -> np.ndarray:
    """Read every image into one uint8 array (N, size, size, 3), squashed or letterboxed."""
    out = np.empty((len(images), size, size, 3), np.uint8)
    for i, path in enumerate(progress_bar(images.paths, desc="load images", progress=progress)):
        out[i] = fit_image(load_image(path), size, mode)
    return out


def load_region(images: ImageSet, index: int, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Ground truth of image ``index`` as a bool mask (H, W) in the source image's pixels.

    From its mask file, else its boxes (filled), else all False. ``shape`` (the image's
    ``(height, width)``) saves reading the image when known. This is the one function that
    gives an image's mask or box to evaluation, notebooks and apps.
    """
    if shape is None:
        from dtwin.vision.images import open_image

        with open_image(images.paths[index]) as img:
            shape = (img.size[1], img.size[0])
    if images.masks[index] is not None:
        return load_mask(images.masks[index], shape)
    region = np.zeros(shape, bool)
    if images.boxes[index] is not None:
        for x0, y0, x1, y1 in read_boxes(images.boxes[index], shape[1], shape[0]):
            region[y0:y1, x0:x1] = True
    return region


def load_boxes(images: ImageSet, index: int) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1; ends exclusive) of image ``index`` in source pixels ([] if none).

    A mask gives the box around each of its connected regions.
    """
    from dtwin.vision.images import open_image

    with open_image(images.paths[index]) as img:
        width, height = img.size
    if images.boxes[index] is not None:
        return read_boxes(images.boxes[index], width, height)
    if images.masks[index] is None:
        return []
    from scipy import ndimage

    mask = load_mask(images.masks[index], (height, width))
    labelled, _ = ndimage.label(mask)
    return [
        (int(sx.start), int(sy.start), int(sx.stop), int(sy.stop))
        for sy, sx in ndimage.find_objects(labelled)
    ]


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
