"""ImageFolder and MVTec AD indexing, stratified splits and data fingerprints."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dtwin.errors import DataError
from dtwin.vision.datasets import (
    fingerprint,
    load_mask,
    load_mvtec,
    scan_image_folder,
    stratified_split,
)
from dtwin.vision.synth import CLASSES


def _png(path, value=0, size=(8, 8)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", size, value).save(path)
    return path


def test_scan_synthetic_folder_finds_classes_and_masks(tiny_data):
    found = scan_image_folder(tiny_data)
    assert found.classes == sorted(CLASSES)
    assert found.counts() == {c: 8 for c in sorted(CLASSES)}
    good = found.classes.index("good")
    for label, mask in zip(found.labels, found.masks, strict=True):
        assert mask is not None and mask.parent.parent.name == "masks"
        assert (load_mask(mask, (40, 40)).any()) == (label != good)


def test_scan_accepts_nested_mixed_formats_and_ignores_other_files(tmp_path):
    _png(tmp_path / "ok" / "a.png")
    Image.new("RGB", (5, 5)).save(tmp_path / "ok" / "b.bmp")
    (tmp_path / "bad" / "deep").mkdir(parents=True)
    Image.new("RGB", (5, 5)).save(tmp_path / "bad" / "deep" / "c.jpg")
    (tmp_path / "ok" / "notes.txt").write_text("x")
    (tmp_path / "README.md").write_text("x")
    found = scan_image_folder(tmp_path)
    assert found.classes == ["bad", "ok"] and found.counts() == {"bad": 1, "ok": 2}


@pytest.mark.parametrize(
    "make",
    [lambda p: p / "missing", lambda p: _png(p / "only" / "a.png").parent.parent],
    ids=["missing-dir", "one-class"],
)
def test_scan_bad_folders_raise(tmp_path, make):
    with pytest.raises(DataError, match=str(tmp_path)):
        scan_image_folder(make(tmp_path))


def test_scan_pools_a_pre_split_tree_by_class(tmp_path):
    for split, n in (("train", 3), ("valid", 1), ("test", 2)):
        for cls in ("Crazing", "Patches"):
            for i in range(n):
                _png(tmp_path / split / cls / f"{split}_{i}.bmp")
    found = scan_image_folder(tmp_path)
    assert found.classes == ["Crazing", "Patches"]
    assert found.counts() == {"Crazing": 6, "Patches": 6}
    assert {p.parent.parent.name for p in found.paths} == {"train", "valid", "test"}


def test_scan_pools_neu_det_splits_with_images_and_annotations(tmp_path):
    # NEU-DET's root: <split>/images/<class>/*.jpg beside <split>/annotations/*.xml
    for split in ("train", "validation"):
        for cls in ("crazing", "scratches"):
            _png(tmp_path / split / "images" / cls / f"{cls}_{split}.jpg")
        (tmp_path / split / "annotations").mkdir()
        (tmp_path / split / "annotations" / "crazing_1.xml").write_text("<annotation/>")
    found = scan_image_folder(tmp_path)
    assert found.classes == ["crazing", "scratches"]
    assert found.counts() == {"crazing": 2, "scratches": 2}


def test_scan_points_at_the_folder_that_holds_the_classes(tmp_path):
    # NEU-DET's layout: train/images/<class>/*.jpg beside train/annotations/*.xml
    for cls in ("crazing", "scratches"):
        _png(tmp_path / "images" / cls / f"{cls}_1.jpg")
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "crazing_1.xml").write_text("<annotation/>")
    with pytest.raises(DataError, match=r"did you mean .*images"):
        scan_image_folder(tmp_path)
    assert scan_image_folder(tmp_path / "images").classes == ["crazing", "scratches"]


def test_mvtec_layout(tmp_path):
    cat = tmp_path / "bottle"
    _png(cat / "train" / "good" / "000.png")
    _png(cat / "test" / "good" / "000.png")
    _png(cat / "test" / "broken" / "000.png")
    _png(cat / "ground_truth" / "broken" / "000_mask.png", 255)
    found = load_mvtec(tmp_path, "bottle")
    assert found.classes == ["good", "broken"] and found.counts() == {"good": 2, "broken": 1}
    broken = found.labels.index(1)
    assert found.masks[broken].name == "000_mask.png"
    assert load_mask(found.masks[broken], (4, 4)).all()
    with pytest.raises(DataError, match="MVTec"):
        load_mvtec(tmp_path, "cable")


def test_stratified_split_is_disjoint_complete_and_seeded():
    labels = np.repeat(np.arange(4), [20, 40, 10, 3])
    tr, va, te = stratified_split(labels, (0.7, 0.15, 0.15), seed=1)
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(len(labels)))
    for part in (tr, va, te):
        assert set(labels[part]) == {0, 1, 2, 3}  # every class in every part
    assert np.bincount(labels[va])[1] == 6
    again = stratified_split(labels, (0.7, 0.15, 0.15), seed=1)
    other = stratified_split(labels, (0.7, 0.15, 0.15), seed=2)
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again, strict=True))
    assert not np.array_equal(tr, other[0])


@pytest.mark.parametrize(
    "fractions",
    [(0.5, 0.5), (0.8, 0.3, 0.1), (1.2, -0.1, -0.1)],
    ids=["two", "over-one", "negative"],
)
def test_bad_split_fractions(fractions):
    with pytest.raises(DataError, match="fractions"):
        stratified_split([0, 1, 0, 1], fractions)


def test_fingerprint_changes_with_content(tmp_path):
    a = _png(tmp_path / "x" / "a.png", 1)
    _png(tmp_path / "y" / "b.png", 2)
    before = fingerprint(scan_image_folder(tmp_path))
    assert before == fingerprint(scan_image_folder(tmp_path))
    _png(a, 3)
    assert fingerprint(scan_image_folder(tmp_path)) != before
