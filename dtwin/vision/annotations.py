"""Finding and reading the ground truth of real images: pixel masks and boxes.

Layouts found (``find_mask``, ``find_boxes``), for an image ``<dir>/<stem>.<ext>`` of class
``<class>`` under the data set root:

* a mask beside the image: ``<dir>/<stem>.png`` next to a non-PNG image (magnetic-tile:
  ``MT_Blowhole/Imgs/exp1_num_4727.jpg`` + ``.png``), or ``<dir>/<stem>_mask.png``;
* parallel folders: ``.../images/<...>/<stem>.*`` with ``.../masks/<...>/<stem>.png`` (or
  ``mask``, ``ground_truth``, ``gt``), also ``<root>/masks/<class>/<name>`` (the synthetic set);
* Pascal VOC boxes: ``<stem>.xml`` beside the image or in an ``annotations/`` (``Annotations``,
  ``xml``) folder at any level up to the root (NEU-DET: ``train/annotations/<stem>.xml``);
* YOLO boxes: ``<stem>.txt`` (``class cx cy w h``, relative to the image) beside the image or in
  a ``labels/`` folder at any level up to the root.

A mask is non-zero where the defect is; boxes are filled to make one (``load_region``).
"""

from __future__ import annotations

from pathlib import Path

from dtwin.errors import DataError

MASK_FOLDERS = ("masks", "mask", "ground_truth", "groundtruth", "gt")
BOX_FOLDERS = ("annotations", "xml", "labels")
ANNOTATION_DIRS = frozenset(MASK_FOLDERS + BOX_FOLDERS)
IMAGE_FOLDERS = frozenset({"images", "imgs", "img", "image", "jpegimages"})
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def is_mask_file(path: Path) -> bool:
    """True for ``<stem>_mask.*`` and for a ``<stem>.png`` that has a non-PNG image beside it."""
    if path.stem.lower().endswith("_mask"):
        return True
    if path.suffix.lower() != ".png":
        return False
    return any(
        path.with_suffix(s).is_file() or path.with_suffix(s.upper()).is_file()
        for s in _IMAGE_SUFFIXES
    )


def _ancestors(start: Path, root: Path) -> list[Path]:
    """``start`` and its parents up to and including ``root``."""
    out = [start]
    while out[-1] != root and out[-1] != out[-1].parent and root in out[-1].parents:
        out.append(out[-1].parent)
    return out


def _first_file(candidates) -> Path | None:
    return next((c for c in candidates if c.is_file()), None)


def find_mask(root: Path, cls: str, class_dir: Path, image: Path) -> Path | None:
    """The mask file of ``image`` (see the module's layouts), or None."""
    stem = image.stem
    beside = [image.with_name(f"{stem}_mask.png")]
    if image.suffix.lower() != ".png":
        beside.insert(0, image.with_suffix(".png"))
    rel = image.relative_to(class_dir)
    names = [rel, rel.with_suffix(".png"), rel.with_name(f"{stem}_mask.png")]
    top = [root / m / cls / n for m in MASK_FOLDERS for n in names]
    parallel = []
    for folder in _ancestors(image.parent, root):
        if folder.name.lower() in IMAGE_FOLDERS:
            inner = image.parent.relative_to(folder)
            for m in MASK_FOLDERS:
                for n in (f"{stem}.png", f"{stem}_mask.png", image.name):
                    parallel.append(folder.parent / m / inner / n)
    return _first_file([*beside, *top, *parallel])


def find_boxes(root: Path, cls: str, class_dir: Path, image: Path) -> Path | None:
    """The VOC ``.xml`` or YOLO ``.txt`` box file of ``image``, or None."""
    stem = image.stem
    candidates = [image.with_suffix(".xml"), image.with_suffix(".txt")]
    for folder in _ancestors(image.parent, root):
        for b in BOX_FOLDERS:
            for sub in (folder / b, folder / b / cls, folder.parent / b):
                candidates += [sub / f"{stem}.xml", sub / f"{stem}.txt"]
    return _first_file(candidates)


def _clip_box(x0, y0, x1, y1, width: int, height: int) -> tuple[int, int, int, int] | None:
    x0, x1 = sorted((max(0, min(width, int(round(x0)))), max(0, min(width, int(round(x1))))))
    y0, y1 = sorted((max(0, min(height, int(round(y0)))), max(0, min(height, int(round(y1))))))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def _read_voc(path: Path, width: int, height: int) -> list[tuple[int, int, int, int]]:
    import defusedxml.ElementTree as ET  # a box file is untrusted input: no entity expansion

    try:
        tree = ET.parse(path)
    except Exception as exc:  # ParseError and defusedxml's refusals
        raise DataError(f"box file {path} is not valid Pascal VOC XML: {exc}") from exc
    boxes = []
    for obj in tree.getroot().iter("object"):
        bb = obj.find("bndbox")
        if bb is None:
            continue
        try:
            # VOC pixel indices are 1-based and inclusive
            x0, y0 = float(bb.findtext("xmin")) - 1, float(bb.findtext("ymin")) - 1
            x1, y1 = float(bb.findtext("xmax")), float(bb.findtext("ymax"))
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"box file {path}: an object's bndbox needs numeric xmin, ymin, xmax, ymax"
            ) from exc
        box = _clip_box(x0, y0, x1, y1, width, height)
        if box:
            boxes.append(box)
    return boxes


def _read_yolo(path: Path, width: int, height: int) -> list[tuple[int, int, int, int]]:
    boxes = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            cx, cy, w, h = (float(v) for v in parts[1:5])
            if len(parts) < 5:
                raise ValueError
        except ValueError:
            raise DataError(
                f"box file {path} line {n}: expected YOLO 'class cx cy w h' (relative "
                f"coordinates), got {line!r}"
            ) from None
        box = _clip_box(
            (cx - w / 2) * width,
            (cy - h / 2) * height,
            (cx + w / 2) * width,
            (cy + h / 2) * height,
            width,
            height,
        )
        if box:
            boxes.append(box)
    return boxes


def read_boxes(path: Path, width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1; ends exclusive, source pixels) of a VOC ``.xml`` or YOLO ``.txt``."""
    path = Path(path)
    if path.stat().st_size > 10_000_000:
        raise DataError(f"box file {path} is larger than 10 MB; not an annotation file")
    if path.suffix.lower() == ".xml":
        return _read_voc(path, width, height)
    return _read_yolo(path, width, height)
