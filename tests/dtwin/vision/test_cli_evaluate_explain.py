"""`dtwin vision evaluate --json` and `dtwin vision explain --json [--out]` on small synthetic data.

Coordinates must come back in the source image's pixels: the images here are not square, so the
model's letterbox (padding left and right) has to be undone.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from dtwin.cli import main
from dtwin.vision.datasets import load_region, scan_image_folder, stratified_split
from dtwin.vision.explain import Explainer
from dtwin.vision.synth import generate_real_layout, generate_sample

EXPLAIN_KEYS = {
    "path", "label", "target", "probability", "peak", "bbox", "width", "height", "method",
    "target_layer", "overlay",
}  # fmt: skip


def _run(*args):
    return CliRunner().invoke(main, ["vision", *map(str, args)])


def _card(model_dir: Path) -> dict:
    return json.loads((model_dir / "model_card.json").read_text())


def _tall_image(path: Path, label: str = "hole", seed: int = 5) -> Path:
    """A 48 px wide, 96 px high grey photo: letterboxed into the model with side padding."""
    sample = generate_sample(label, size=96, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sample.image[:, 24:72]).save(path)
    return path


def _fractions(values) -> bool:
    return all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in values)


# ------------------------------------------------------------------ evaluate


def test_evaluate_json_on_the_training_data_reports_its_test_part(tiny_model, tiny_data):
    result = _run("evaluate", tiny_model, tiny_data, "--json", "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    card = _card(tiny_model)
    assert report["split"] == "test" and report["n_images"] == card["data"]["n_test"]
    assert set(report["per_class_recall"]) == set(card["classes"])
    assert _fractions(
        [report["accuracy"], report["macro_f1"], *report["per_class_recall"].values()]
    )
    images = scan_image_folder(tiny_data)
    config = card["training"]["config"]
    _, _, test = stratified_split(images.labels, tuple(config["fractions"]), config["seed"])
    with_defect = [i for i in test if load_region(images, int(i)).any()]
    loc = report["localisation"]
    assert loc["n"] == len(with_defect) > 0
    assert _fractions([loc["pointing_game"], loc["mean_iou"], loc["pointing_chance"]])
    assert set(loc["pointing_game_per_class"]) <= set(card["classes"]) - {"good"}
    assert loc["method"] == card["cam"]["method"] and loc["target_layer"]


def test_evaluate_json_on_a_real_layout_scores_every_image(tiny_model, tmp_path):
    data = generate_real_layout(tmp_path / "real", n=2, size=48, aspect=0.75)
    result = _run("evaluate", tiny_model / "checkpoint.pt", data, "--json", "--method", "gradcam")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # other data than the model was trained on: every image is held out
    assert report["split"] == "all" and report["n_images"] == 2 * 4 + 4 * 2
    assert np.asarray(report["confusion_matrix"]).sum() == 16
    loc = report["localisation"]
    assert loc["n"] == 8 and loc["method"] == "gradcam"  # the defect images, masks beside them
    per_class = loc["pointing_game_per_class"]
    assert _fractions([loc["pointing_game"], loc["mean_iou"], *per_class.values()])


def test_evaluate_text_names_the_figures(tiny_model, tiny_data):
    result = _run("evaluate", tiny_model, tiny_data, "--quiet")
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "pointing game" in result.output
    assert all(f"recall {name}" in result.output for name in _card(tiny_model)["classes"])


# ------------------------------------------------------------------ explain


def test_explain_json_on_a_non_square_image(tiny_model, tmp_path):
    image = _tall_image(tmp_path / "tall.png")
    result = _run("explain", tiny_model / "checkpoint.pt", image, "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert set(row) == EXPLAIN_KEYS
    assert (row["width"], row["height"]) == (48, 96) and row["overlay"] is None
    x, y = row["peak"]
    x0, y0, x1, y1 = row["bbox"]
    assert 0 <= x0 <= x < x1 <= 48 and 0 <= y0 <= y < y1 <= 96
    card = _card(tiny_model)
    assert row["label"] in card["classes"] and row["target"] == row["label"]
    assert row["method"] == card["cam"]["method"] and 0.0 <= row["probability"] <= 1.0


def test_explain_maps_a_known_cam_peak_back_through_the_letterbox(
    tiny_model, tmp_path, monkeypatch
):
    # a 48 x 96 image in the 32 px model: scale 1/3, content 16 x 32 px at x = 8..24 (padding
    # left and right). A CAM peak at model pixel (12, 20) is source pixel ((12.5 - 8) * 3 - 0.5,
    # 20.5 * 3 - 0.5) = (13, 61); a squashed mapping would put it at x = 12.5 * 1.5 - 0.5 = 18.
    original = Explainer.cams
    seen = []

    def known_cam(self, batch, targets=None, method="gradcam", **kwargs):
        _, probs = original(self, batch, targets, method, **kwargs)
        seen.append(batch.shape)
        yy, xx = np.mgrid[0:32, 0:32]
        blob = np.exp(-((xx - 12) ** 2 + (yy - 20) ** 2) / (2 * 2.0**2)).astype(np.float32)
        return np.repeat(blob[None], len(batch), axis=0), probs

    monkeypatch.setattr(Explainer, "cams", known_cam)
    image = _tall_image(tmp_path / "tall.png")
    result = _run("explain", tiny_model / "checkpoint.pt", image, "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert seen == [(1, 32, 32, 3)]
    assert abs(row["peak"][0] - 13) <= 1 and abs(row["peak"][1] - 61) <= 1
    # half maximum of the blob: 2.35 model px = 7 source px around the peak, both ways
    x0, y0, x1, y1 = row["bbox"]
    assert abs(x0 - 6) <= 2 and abs(x1 - 21) <= 2 and abs(y0 - 54) <= 2 and abs(y1 - 69) <= 2


def test_explain_out_folder_holds_one_overlay_per_image(tiny_model, tmp_path):
    images = [
        _tall_image(tmp_path / "a" / "tile.png", "hole", 1),
        _tall_image(tmp_path / "b" / "tile.png", "crack", 2),  # same stem: numbered
        _tall_image(tmp_path / "wide.png", "stain", 3),
    ]
    wide = np.asarray(Image.open(images[2]))
    Image.fromarray(np.ascontiguousarray(wide.transpose(1, 0, 2))).save(
        images[2]
    )  # 96 x 48: padding above, below
    out = tmp_path / "cams"
    result = _run("explain", tiny_model / "checkpoint.pt", *images, "--json", "--out", out)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    expected = [out / "tile_0_cam.png", out / "tile_1_cam.png", out / "wide_cam.png"]
    assert [r["overlay"] for r in rows] == [str(p) for p in expected]
    assert sorted(out.iterdir()) == sorted(expected)
    for row, size in zip(rows, [(48, 96), (48, 96), (96, 48)], strict=True):
        assert Image.open(row["overlay"]).size == size == (row["width"], row["height"])
        x0, y0, x1, y1 = row["bbox"]
        assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]


def test_explain_out_file_for_one_image_with_its_box_drawn(tiny_model, tmp_path):
    image = _tall_image(tmp_path / "tall.png")
    out = tmp_path / "deep" / "cam.jpg"
    result = _run("explain", tiny_model / "checkpoint.pt", image, "--out", out)
    assert result.exit_code == 0, result.output
    assert (
        Image.open(out).size == (48, 96) and "peak" in result.output and str(out) in result.output
    )


# ------------------------------------------------------------------ bad input


def _text(path: Path, content: str = "not an image\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def _other_classes(tmp: Path) -> Path:
    for cls in ("dent", "good"):
        for i in range(2):
            (tmp / "other" / cls).mkdir(parents=True, exist_ok=True)
            Image.new("L", (30, 20), 100 + i).save(tmp / "other" / cls / f"{i}.png")
    return tmp / "other"


# (argument builder from (model dir, data dir, image, tmp), substrings the error line holds)
BAD = [
    pytest.param(
        lambda m, d, i, t: ["evaluate", m, t / "nowhere", "--json"],
        ["nowhere", "does not exist"],
        id="evaluate-missing-data-folder",
    ),
    pytest.param(
        lambda m, d, i, t: ["evaluate", m, i, "--json"],
        ["tall.png", "not a directory"],
        id="evaluate-image-as-data-folder",
    ),
    pytest.param(
        lambda m, d, i, t: ["evaluate", t, d, "--json"],
        ["checkpoint.pt", "does not exist"],
        id="evaluate-folder-without-checkpoint",
    ),
    pytest.param(
        lambda m, d, i, t: ["evaluate", _text(t / "ckpt.pt", "epoch 1\n"), d, "--json"],
        ["ckpt.pt", "is a text file"],
        id="evaluate-text-checkpoint",
    ),
    pytest.param(
        lambda m, d, i, t: ["evaluate", m, _other_classes(t), "--json"],
        ["'dent'", "unknown to the model"],
        id="evaluate-classes-unknown-to-the-model",
    ),
    pytest.param(
        lambda m, d, i, t: ["evaluate", m, generate_real_layout(t / "r", 1, 32), "--split", "test"],
        ["not the data the model was trained on", "'all'"],
        id="evaluate-test-split-of-other-data",
    ),
    pytest.param(
        lambda m, d, i, t: ["explain", m / "checkpoint.pt", t / "missing.png", "--json"],
        ["missing.png", "does not exist"],
        id="explain-missing-image",
    ),
    pytest.param(
        lambda m, d, i, t: ["explain", m / "checkpoint.pt", _text(t / "notes.png"), "--json"],
        ["notes.png", "not an image"],
        id="explain-text-as-image",
    ),
    pytest.param(
        lambda m, d, i, t: ["explain", m / "checkpoint.pt", i, _text(t / "x.jpg"), "--json"],
        ["x.jpg", "not an image"],
        id="explain-second-image-bad",
    ),
    pytest.param(
        lambda m, d, i, t: ["explain", _text(t / "model.pt", "weights\n"), i, "--json"],
        ["model.pt", "is a text file"],
        id="explain-text-checkpoint",
    ),
    pytest.param(
        lambda m, d, i, t: ["explain", m / "model.onnx", i, "--json"],
        ["model.onnx", "is an ONNX model"],
        id="explain-onnx-as-checkpoint",
    ),
    pytest.param(
        lambda m, d, i, t: ["explain", m / "checkpoint.pt", i],
        ["--out", "--json"],
        id="explain-neither-out-nor-json",
    ),
    pytest.param(
        lambda m, d, i, t: ["explain", m / "checkpoint.pt", i, i, "--out", _text(t / "f.png")],
        ["f.png", "must be a folder"],
        id="explain-several-images-out-is-a-file",
    ),
]


@pytest.mark.parametrize(("build", "expected"), BAD)
def test_bad_input_is_one_error_line_and_exit_2(tiny_model, tiny_data, tmp_path, build, expected):
    image = _tall_image(tmp_path / "img" / "tall.png")
    args = build(tiny_model, tiny_data, image, tmp_path)
    result = _run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert all(s in lines[0] for s in expected), lines[0]
    assert "Traceback" not in result.output
