"""The patch memory: fitted on defect-free images only, it scores injected defects higher."""

from __future__ import annotations

import numpy as np
import pytest

from dtwin.errors import VisionError
from dtwin.vision.anomaly import anomaly_scores, fit_patch_memory, roc_auc
from dtwin.vision.explain import pointing_game
from dtwin.vision.models import create_model
from dtwin.vision.synth import generate_arrays

SIZE = 64
CARD = {
    "arch": "resnet10t_slim",
    "classes": ["good", "defect"],
    "img_size": SIZE,
    "input": {"resize": "letterbox"},
    "normalisation": {"mean": [0.5] * 3, "std": [0.25] * 3},
}


def _inject(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A dark round blot of radius 4-7 px pasted at a random place; returns image and mask."""
    cx, cy = rng.integers(12, SIZE - 12, 2)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= rng.integers(4, 8) ** 2
    out = image.copy()
    out[mask] = np.clip(out[mask].astype(int) - 90, 0, 255).astype(np.uint8)
    return out, mask


@pytest.fixture(scope="module")
def surfaces():
    """24 defect-free training images; 16 held-out ones, clean and with an injected defect."""
    goods, _, _ = generate_arrays(40, size=SIZE, seed=11, classes=("good",))
    rng = np.random.default_rng(0)
    held_out = list(goods[24:])
    injected = [_inject(im, rng) for im in held_out]
    return {
        "train": list(goods[:24]),
        "clean": held_out,
        "defect": [im for im, _ in injected],
        "masks": [m for _, m in injected],
    }


def _memory(surfaces, seed: int = 0, memory_size: int = 5000, net_seed: int = 1):
    # an untrained network's features (seeded): no label of any kind reaches the memory
    model = create_model(CARD["arch"], 2, SIZE, seed=net_seed)
    return fit_patch_memory(model, CARD, surfaces["train"], memory_size=memory_size, seed=seed)


def test_injected_defects_score_higher_than_the_same_clean_images(surfaces):
    memory = _memory(surfaces)
    scores, maps = memory.score(surfaces["clean"] + surfaces["defect"])
    clean, defect = scores[:16], scores[16:]
    assert (defect > clean).mean() >= 0.8  # paired: the same surface with and without the blot
    hits = [pointing_game(a, m) for a, m in zip(maps[16:], surfaces["masks"], strict=True)]
    assert np.mean(hits) >= 0.6  # the map's peak falls on the blot
    assert all(a.shape == (SIZE, SIZE) for a in maps)


def test_image_and_pixel_auroc_are_above_chance(surfaces):
    empty = [np.zeros((SIZE, SIZE), bool)] * 16
    report = anomaly_scores(
        _memory(surfaces), surfaces["clean"] + surfaces["defect"], empty + surfaces["masks"]
    )
    assert report["n_images"] == 32 and report["n_defect"] == 16
    assert report["memory_images"] == 24 and report["memory_patches"] == 24 * 8 * 8
    assert report["image_auroc"] > 0.6 and report["pixel_auroc"] > 0.75


def test_same_seed_same_memory_and_scores(surfaces):
    images = surfaces["defect"][:4]
    a, b = _memory(surfaces, seed=3, memory_size=500), _memory(surfaces, seed=3, memory_size=500)
    assert len(a.memory) == 500 and bool((a.memory == b.memory).all())
    assert np.array_equal(a.score(images)[0], b.score(images)[0])
    other = _memory(surfaces, seed=4, memory_size=500)
    assert not bool((other.memory == a.memory).all())  # another seed keeps other patches


def test_maps_come_back_in_each_source_image_pixels(surfaces):
    tall = np.concatenate([surfaces["defect"][0], surfaces["clean"][1]], axis=0)[:, :40]
    scores, maps = _memory(surfaces).score([tall, surfaces["clean"][0]])
    assert maps[0].shape == (2 * SIZE, 40) and maps[1].shape == (SIZE, SIZE)
    assert scores[0] == pytest.approx(maps[0].max()) and np.isfinite(scores).all()


def test_an_empty_memory_is_refused():
    with pytest.raises(VisionError, match="at least one defect-free image"):
        fit_patch_memory(create_model(CARD["arch"], 2, SIZE, seed=0), CARD, [])


def test_roc_auc_by_hand():
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert np.isnan(roc_auc([0.1, 0.2], [1, 1]))  # one class: undefined
