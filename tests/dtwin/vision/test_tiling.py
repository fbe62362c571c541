"""Tiling: the grid covers the image, per-tile predictions aggregate, CAMs land in source pixels."""

from __future__ import annotations

import numpy as np
import pytest

from dtwin.errors import ConfigError
from dtwin.vision.explain import Explainer
from dtwin.vision.models import ARCHS, create_model
from dtwin.vision.tiling import predict_tiled, tile_grid


class BrightSpotExplainer:
    """A stand-in classifier: a tile is defective as far as its brightest pixel is bright, and
    its CAM is the tile's own brightness (so the true peak is known in source pixels)."""

    classes = ["good", "crack"]
    card: dict = {}

    def __init__(self) -> None:
        self.crops: list[np.ndarray] = []

    def source_cams(self, crops, targets=None, method=None):
        self.crops += crops
        cams = [c[..., 0].astype(np.float32) / 255.0 for c in crops]
        defect = np.array([c.max() / 255.0 for c in crops])
        return cams, np.stack([1 - defect, defect], axis=1)

    def decide(self, probs):
        return [int(k) for k in np.argmax(probs, axis=1)]


def _dark_image(height: int, width: int, spot: tuple[int, int] | None) -> np.ndarray:
    image = np.full((height, width, 3), 20, np.uint8)
    if spot:
        x, y = spot
        image[y - 2 : y + 3, x - 2 : x + 3] = 150
        image[y, x] = 255
    return image


@pytest.mark.parametrize(
    ("height", "width", "tile", "overlap"),
    [(300, 1000, 256, 0.25), (512, 512, 128, 0.0), (97, 401, 64, 0.5), (64, 300, 64, 0.25)],
    ids=["wide", "square-no-overlap", "odd-sizes-half-overlap", "one-row"],
)
def test_tile_grid_covers_the_image_with_full_tiles_flush_at_the_edges(
    height, width, tile, overlap
):
    boxes = tile_grid(height, width, tile, overlap)
    cover = np.zeros((height, width), int)
    for x0, y0, x1, y1 in boxes:
        assert (x1 - x0, y1 - y0) == (tile, tile)  # the image is larger than a tile both ways
        cover[y0:y1, x0:x1] += 1
    assert cover.min() >= 1
    assert max(b[2] for b in boxes) == width and max(b[3] for b in boxes) == height
    xs = sorted({b[0] for b in boxes})
    steps = np.diff(xs)
    assert (steps <= tile * (1 - overlap) + 1).all()  # neighbours overlap at least as asked
    assert len(boxes) == len(set(boxes))


@pytest.mark.parametrize(
    ("tile", "overlap", "match"),
    [(4, 0.25, "at least 8"), (64, 1.0, "overlap"), (64, -0.1, "overlap")],
    ids=["tile-too-small", "overlap-1", "overlap-negative"],
)
def test_bad_tiling_parameters_are_config_errors(tile, overlap, match):
    with pytest.raises(ConfigError, match=match):
        tile_grid(100, 100, tile, overlap)


def test_the_most_defective_tile_decides_and_its_cam_lands_in_source_pixels():
    explainer = BrightSpotExplainer()
    image = _dark_image(96, 200, spot=(150, 40))
    result = predict_tiled(explainer, image, tile=64, overlap=0.25)
    assert result.tiles == tile_grid(96, 200, 64, 0.25)
    assert [c.shape[:2] for c in explainer.crops] == [(64, 64)] * len(result.tiles)
    assert result.label == "crack" and result.probabilities[1] == pytest.approx(1.0)
    holding = [(x0 <= 150 < x1 and y0 <= 40 < y1) for x0, y0, x1, y1 in result.tiles]
    assert np.allclose(result.tile_defect[holding], 1.0)
    assert np.allclose(result.tile_defect[~np.array(holding)], 20 / 255)
    assert result.cam.shape == (96, 200) and result.cam.max() == pytest.approx(1.0)
    assert result.peak == (150, 40)
    x0, y0, x1, y1 = result.bbox
    assert (x0, y0, x1, y1) == (148, 38, 153, 43)  # the 5 x 5 spot, above half the maximum


def test_an_image_without_a_defect_tile_is_good():
    result = predict_tiled(BrightSpotExplainer(), _dark_image(80, 150, None), tile=64)
    assert result.label == "good" and np.allclose(result.tile_defect, 20 / 255)


def test_a_real_network_gives_one_source_sized_cam_over_all_tiles():
    card = {
        "arch": "resnet10t_slim",
        "classes": ["good", "crack"],
        "img_size": 32,
        "input": {"resize": "letterbox"},
        "normalisation": {"mean": [0.5] * 3, "std": [0.25] * 3},
        "cam": {"target_layer": ARCHS["resnet10t_slim"].target_layer},
    }
    explainer = Explainer(create_model("resnet10t_slim", 2, 32, seed=0), card)
    image = np.random.default_rng(0).integers(0, 255, (70, 180, 3), dtype=np.uint8)
    result = predict_tiled(explainer, image, tile=48, method="gradcam")
    assert result.cam.shape == (70, 180) and 0 <= result.cam.min() <= result.cam.max() <= 1
    assert len(result.tile_defect) == len(result.tiles) == len(tile_grid(70, 180, 48))
    assert result.probabilities.shape == (2,) and result.label in card["classes"]
    best = int(np.argmax(result.tile_defect))
    assert 1 - result.probabilities[0] == pytest.approx(result.tile_defect[best])
    x, y = result.peak
    x0, y0, x1, y1 = result.bbox
    assert 0 <= x0 <= x < x1 <= 180 and 0 <= y0 <= y < y1 <= 70
