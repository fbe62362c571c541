"""Synthetic defect generator: determinism, masks, layout and manifest."""

from __future__ import annotations

import csv
import hashlib

import numpy as np
import pytest

from dtwin.errors import DataError
from dtwin.vision.synth import CLASSES, MATERIALS, generate_dataset, generate_sample, sample_seed


def test_same_seed_same_pixels_other_seed_other_pixels():
    a, b = generate_sample("crack", 48, seed=7), generate_sample("crack", 48, seed=7)
    c = generate_sample("crack", 48, seed=8)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("label", CLASSES)
def test_sample_has_mask_only_for_defects(label):
    s = generate_sample(label, 64, seed=sample_seed(0, label, 1))
    assert s.image.shape == (64, 64, 3) and s.image.dtype == np.uint8
    assert s.mask.shape == (64, 64) and s.mask.dtype == bool
    if label == "good":
        assert not s.mask.any() and s.bbox is None
    else:
        x0, y0, x1, y1 = s.bbox
        assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 64
        assert 0 < s.mask.mean() < 0.5  # a defect, not the whole surface


def test_defect_changes_pixels_inside_its_mask():
    s = generate_sample("hole", 64, seed=11)
    inside = s.image[s.mask].astype(float).mean()
    ring = s.image[~s.mask].astype(float).mean()
    assert inside < ring - 10  # holes are darker than their surroundings


def test_at_least_four_materials_are_used():
    seen = {generate_sample("good", 24, seed=i).material for i in range(40)}
    assert len(seen) >= 4 and seen <= set(MATERIALS)


@pytest.mark.parametrize(
    ("label", "size"), [("dent", 32), ("good", 8), ("good", 4096)], ids=["class", "tiny", "huge"]
)
def test_bad_parameters_raise_data_error(label, size):
    with pytest.raises(DataError):
        generate_sample(label, size, seed=0)


def test_dataset_layout_manifest_and_reproducibility(tmp_path):
    manifest = generate_dataset(tmp_path / "a", n=2, size=32, seed=5, progress=False)
    generate_dataset(tmp_path / "b", n=2, size=32, seed=5, progress=False)
    rows = list(csv.DictReader(manifest.open()))
    assert len(rows) == 2 * len(CLASSES)
    assert set(rows[0]) == {"path", "class", "seed", "material", "x0", "y0", "x1", "y1"}
    for row in rows:
        image = tmp_path / "a" / row["path"]
        mask = tmp_path / "a" / "masks" / row["path"]
        assert image.is_file() and mask.is_file()
        assert (row["x0"] == "") == (row["class"] == "good")
        twin = tmp_path / "b" / row["path"]
        digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (image, twin)]
        assert digest[0] == digest[1]
