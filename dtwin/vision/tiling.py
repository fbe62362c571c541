"""Large images in tiles: predict per tile, aggregate to the image, map CAMs back to its pixels.

A defect that covers 0.2% of a 4000 px photograph vanishes when the whole picture is shrunk to
the model's input. Cut into overlapping tiles of ``tile`` source pixels, each tile is fitted to
the model as in training; the image is as defective as its most defective tile (the tile with
the highest ``1 - p(good)`` gives the image's probabilities), and each tile's CAM, weighted by
that tile's defect probability, is pasted back at the tile's place (the maximum where tiles
overlap), so the peak and box are in the source image's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dtwin.errors import ConfigError
from dtwin.vision.explain import Explainer, cam_bbox, cam_peak


def tile_grid(
    height: int, width: int, tile: int, overlap: float = 0.25
) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1; ends exclusive) of tiles of ``tile`` px covering the image.

    Neighbours overlap by about ``overlap`` of a tile; the last row and column are flush with
    the image's edges. A side shorter than ``tile`` is one tile of that side.
    """
    if tile < 8:
        raise ConfigError(f"tile {tile} px is too small; valid: at least 8 px")
    if not 0 <= overlap < 1:
        raise ConfigError(f"tile overlap {overlap} is invalid; valid: 0 <= overlap < 1")

    def starts(side: int) -> list[int]:
        if side <= tile:
            return [0]
        step = tile * (1 - overlap)
        n = math.ceil((side - tile) / step) + 1
        return sorted({round(i * (side - tile) / (n - 1)) for i in range(n)})

    return [
        (x, y, min(width, x + tile), min(height, y + tile))
        for y in starts(height)
        for x in starts(width)
    ]


@dataclass(frozen=True)
class TiledResult:
    """Aggregated probabilities, the decided label, the stitched CAM and its peak and box."""

    probabilities: np.ndarray
    label: str
    cam: np.ndarray
    peak: tuple[int, int]
    bbox: tuple[int, int, int, int]
    tiles: list[tuple[int, int, int, int]]
    tile_defect: np.ndarray


def _good_index(explainer: Explainer) -> int:
    from dtwin.vision.threshold import find_good_class

    point = explainer.card.get("operating_point")
    if point:
        return explainer.classes.index(point["good_class"])
    return find_good_class(explainer.classes)


def predict_tiled(
    explainer: Explainer,
    image: np.ndarray,
    tile: int,
    overlap: float = 0.25,
    method: str | None = None,
) -> TiledResult:
    """Classify and explain an RGB uint8 image tile by tile (see the module docstring)."""
    height, width = image.shape[:2]
    boxes = tile_grid(height, width, tile, overlap)
    crops = [image[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]
    good = _good_index(explainer)
    cams, probs = [], []
    for i in range(0, len(crops), 32):
        maps, p = explainer.source_cams(crops[i : i + 32], None, method)
        cams += maps
        probs.append(p)
    probs = np.concatenate(probs)
    defect = 1.0 - probs[:, good]
    worst = int(np.argmax(defect))
    canvas = np.zeros((height, width), np.float32)
    for (x0, y0, x1, y1), cam, d in zip(boxes, cams, defect, strict=True):
        np.maximum(canvas[y0:y1, x0:x1], cam * d, out=canvas[y0:y1, x0:x1])
    if canvas.max() > 0:
        canvas /= canvas.max()
    label = explainer.classes[explainer.decide(probs[worst : worst + 1])[0]]
    return TiledResult(
        probabilities=probs[worst],
        label=label,
        cam=canvas,
        peak=cam_peak(canvas),
        bbox=cam_bbox(canvas),
        tiles=boxes,
        tile_defect=defect,
    )
