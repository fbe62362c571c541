"""CAMs: shapes and ranges for CNN, ViT and Swin; pointing game and IoU by hand."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dtwin.errors import ConfigError, VisionError
from dtwin.vision.explain import Explainer, cam_bbox, cam_iou, pointing_game
from dtwin.vision.models import ARCHS, create_model


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "eigencam", "scorecam"])
def test_explain_returns_cam_overlay_and_box_at_image_size(tiny_model, tiny_data, method):
    explainer = Explainer.from_dir(tiny_model)
    image = np.asarray(Image.open(tiny_data / "hole" / "hole_00001.png"))
    wide = np.concatenate([image, image[:, :20]], axis=1)  # 40 x 60: not the model's size
    result = explainer.explain(wide, method=method)
    assert result.cam.shape == (40, 60) and result.overlay.shape == (40, 60, 3)
    assert result.overlay.dtype == np.uint8
    assert result.cam.min() >= 0.0 and result.cam.max() <= 1.0
    x0, y0, x1, y1 = result.bbox
    assert 0 <= x0 < x1 <= 60 and 0 <= y0 < y1 <= 40
    assert result.label in explainer.classes and 0 <= result.probability <= 1


@pytest.mark.parametrize("arch", ["vit_tiny", "swin_tiny"])
def test_transformer_cams_use_the_right_reshape(arch):
    card = {
        "arch": arch,
        "classes": ["a", "b"],
        "img_size": 32,
        "normalisation": {"mean": [0.5] * 3, "std": [0.25] * 3},
        "cam": {"target_layer": ARCHS[arch].target_layer},
    }
    explainer = Explainer(create_model(arch, 2, 32), card)
    batch = np.random.default_rng(0).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    maps, probs = explainer.cams(batch, [0, 1], "gradcam")
    assert maps.shape == (2, 32, 32) and probs.shape == (2, 2)
    assert np.isfinite(maps).all()


def test_bad_method_and_target(tiny_model):
    explainer = Explainer.from_dir(tiny_model)
    image = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(ConfigError, match="method"):
        explainer.explain(image, method="magic")
    with pytest.raises(ConfigError, match="target"):
        explainer.explain(image, target="dent")


def test_pointing_game_iou_and_box_by_hand():
    mask = np.zeros((40, 40), bool)
    mask[10:20, 10:20] = True
    cam = np.zeros((40, 40))
    cam[12:18, 12:18] = 1.0
    cam[15, 15] = 2.0
    assert pointing_game(cam, mask, tolerance=0)
    assert cam_iou(cam, mask) == pytest.approx(36 / 100)
    assert cam_bbox(cam, threshold=0.4) == (12, 12, 18, 18)
    far = np.zeros((40, 40))
    far[35, 35] = 1.0
    assert not pointing_game(far, mask, tolerance=3)
    assert pointing_game(far, mask, tolerance=30)
    with pytest.raises(VisionError, match="non-empty mask"):
        pointing_game(cam, np.zeros((40, 40), bool))


def test_untrained_pointing_game_repeats_with_its_seed(tiny_model):
    """Notebook 03's `pointing_game_untrained`: same seed, same figure, whatever ran before."""
    import json

    import torch

    from dtwin.vision.explain import localisation_scores
    from dtwin.vision.synth import generate_arrays

    card = json.loads((tiny_model / "model_card.json").read_text())
    images, masks, labels = generate_arrays(3, size=40, seed=7)

    def score():
        model = create_model(card["arch"], len(card["classes"]), card["img_size"], seed=7)
        return localisation_scores(Explainer(model, card), images, masks, labels, "gradcam")

    first = score()
    torch.rand(1000)  # the global stream moves on, as other cells would move it
    assert score() == first


def test_pointing_chance_by_hand():
    from dtwin.vision.explain import pointing_chance, pointing_tolerance

    mask = np.zeros((10, 10), bool)
    mask[0, :] = True  # the top row: within 1 px lie the top two rows
    assert pointing_chance([mask], tolerance=1) == pytest.approx(0.2)
    assert pointing_chance([mask, np.zeros((10, 10), bool)], tolerance=0) == pytest.approx(0.1)
    big = np.zeros((224, 224), bool)
    big[100:110, 100:110] = True
    assert pointing_tolerance(224) == 15
    assert pointing_chance([big]) == pointing_chance([big], tolerance=15)
    with pytest.raises(VisionError, match="non-empty masks"):
        pointing_chance([np.zeros((4, 4), bool)])


def test_draw_box_outlines_exclusive_ends():
    from dtwin.vision.explain import CamResult, boxed_overlay, draw_box

    image = np.zeros((8, 8, 3), np.uint8)
    boxed = draw_box(image, (2, 3, 6, 7), color=(255, 0, 0))
    assert image.max() == 0  # a copy
    red = boxed[..., 0] == 255
    assert red[3, 2:6].all() and red[6, 2:6].all() and red[3:7, 2].all() and red[3:7, 5].all()
    assert not red[4:6, 3:5].any() and not red[7].any() and not red[:, 6].any()
    result = CamResult(np.zeros((8, 8)), image, (2, 3, 6, 7), "a", "a", 1.0)
    assert (boxed_overlay(result) == draw_box(image, (2, 3, 6, 7))).all()
