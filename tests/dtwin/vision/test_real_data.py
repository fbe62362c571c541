"""A small check on real photographs: the magnetic-tile set, when it lies beside the repository.

The data set (``<repo>/../shared/data/magnetic-tile``, see its README) is never copied: the tests
read it in place and train on a seeded handful of its images linked into a temporary folder,
so the whole tier takes well under a minute. Without the data every test here is skipped with
a message naming the folder it looked for.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from dtwin.cli import main
from dtwin.vision.datasets import ImageSet, load_region, scan_image_folder
from dtwin.vision.training import load_checkpoint

REPO = Path(__file__).resolve().parents[3]
DATA = REPO.parent / "shared" / "data" / "magnetic-tile"
CLASSES = ["MT_Blowhole", "MT_Break", "MT_Crack", "MT_Fray", "MT_Free", "MT_Uneven"]
PER_CLASS = {"MT_Free": 8}  # images per class in the small set (6 unless named here)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not DATA.is_dir(),
        reason=f"real-data tier skipped: the magnetic-tile data set is absent ({DATA} not found)",
    ),
]


def _run(*args):
    return CliRunner().invoke(main, ["vision", *map(str, args)])


@pytest.fixture(scope="module")
def real_set() -> ImageSet:
    """The whole magnetic-tile set as the loader sees it."""
    return scan_image_folder(DATA)


@pytest.fixture(scope="module")
def small_set(real_set, tmp_path_factory) -> Path:
    """A seeded few images per class (with their masks), linked, not copied, into a folder."""
    out = tmp_path_factory.mktemp("magnetic-tile-small")
    rng = np.random.default_rng(21)
    labels = np.asarray(real_set.labels)
    for label, name in enumerate(real_set.classes):
        picked = rng.choice(np.nonzero(labels == label)[0], PER_CLASS.get(name, 6), replace=False)
        folder = out / name / "Imgs"
        folder.mkdir(parents=True)
        for i in sorted(picked):
            for source in (real_set.paths[i], real_set.masks[i]):
                (folder / source.name).symlink_to(source.resolve())
    return out


@pytest.fixture(scope="module")
def real_model(small_set, tmp_path_factory) -> Path:
    """checkpoint.pt of a 3-epoch, 64 px model trained on the small set."""
    from dtwin.vision.training import TrainConfig, save_checkpoint, train

    config = TrainConfig(epochs=3, img_size=64, batch_size=8, seed=0, choose_cam=False)
    result = train(small_set, config, progress=False)
    return save_checkpoint(
        result.model, result.card, tmp_path_factory.mktemp("m") / "checkpoint.pt"
    )


def test_layout_counts_every_photo_and_reads_no_mask_as_one(real_set):
    assert real_set.classes == CLASSES
    on_disk = {c: len(list((DATA / c / "Imgs").glob("*.jpg"))) for c in CLASSES}
    assert real_set.counts() == on_disk
    assert sum(on_disk.values()) == 1344  # the README's table
    assert all(p.suffix == ".jpg" for p in real_set.paths)
    pairs = zip(real_set.paths, real_set.masks, strict=True)
    assert all(m == p.with_suffix(".png") for p, m in pairs)


def test_masks_travel_with_their_images(real_set):
    labels = np.asarray(real_set.labels)
    free = CLASSES.index("MT_Free")
    for label in range(len(CLASSES)):
        for i in np.nonzero(labels == label)[0][:3]:
            with Image.open(real_set.paths[i]) as img:
                width, height = img.size
            region = load_region(real_set, int(i))
            assert region.shape == (height, width)
            assert region.any() == (label != free), real_set.paths[i]
            assert region.mean() < 0.9  # a defect covers part of the picture, not all of it


def test_evaluate_json_scores_against_the_real_masks(real_model, small_set):
    result = _run("evaluate", real_model, small_set, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    _, card = load_checkpoint(real_model)
    assert report["split"] == "test" and report["n_images"] == card["data"]["n_test"] == 6
    assert set(report["per_class_recall"]) == set(CLASSES)
    figures = [report["accuracy"], report["macro_f1"], *report["per_class_recall"].values()]
    loc = report["localisation"]
    assert loc["n"] == 5  # one held-out image per class, all but MT_Free with a defect mask
    figures += [loc["pointing_game"], loc["mean_iou"], loc["pointing_chance"]]
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in figures), figures
    assert 0 < loc["pointing_chance"] < 0.5  # small real defects: a random peak mostly misses
    confusion = np.asarray(report["confusion_matrix"])
    assert confusion.sum() == 6 and report["accuracy"] == pytest.approx(np.trace(confusion) / 6)


def test_explain_json_gives_peaks_and_boxes_in_each_photo_pixels(real_model, small_set, tmp_path):
    photos = sorted((small_set / "MT_Uneven" / "Imgs").glob("*.jpg"))[:2]
    photos.append(sorted((small_set / "MT_Blowhole" / "Imgs").glob("*.jpg"))[0])
    result = _run("explain", real_model, *photos, "--json", "--out", tmp_path / "cams")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["path"] for r in rows] == [str(p) for p in photos]
    sizes = set()
    for row, photo in zip(rows, photos, strict=True):
        with Image.open(photo) as img:
            width, height = img.size
        sizes.add((width, height))
        assert (row["width"], row["height"]) == (width, height)
        x, y = row["peak"]
        x0, y0, x1, y1 = row["bbox"]
        assert 0 <= x0 <= x < x1 <= width and 0 <= y0 <= y < y1 <= height
        assert row["label"] in CLASSES and 0.0 <= row["probability"] <= 1.0
        with Image.open(row["overlay"]) as overlay:
            assert overlay.size == (width, height)
    assert len(sizes) > 1 and any(w != h for w, h in sizes)  # real photos: sizes vary, not square
