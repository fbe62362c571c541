"""`dtwin vision` sub-commands through the real top-level group."""

from __future__ import annotations

import json

from click.testing import CliRunner
from PIL import Image

from dtwin.cli import main


def _run(*args):
    return CliRunner().invoke(main, ["vision", *map(str, args)])


def test_synth_writes_imagefolder(tmp_path):
    result = _run("synth", tmp_path / "s", "--n", 2, "--size", 24, "--seed", 1)
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "s").glob("*/*.png"))) == 10
    assert (tmp_path / "s" / "manifest.csv").is_file()


def test_train_writes_model_files(tiny_data, tmp_path):
    out = tmp_path / "m"
    result = _run(
        "train",
        tiny_data,
        "--arch",
        "resnet10t_slim",
        "--epochs",
        1,
        "--img-size",
        32,
        "--seed",
        2,
        "--out",
        out,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    assert "test accuracy" in result.output
    assert {p.name for p in out.iterdir()} == {"model.onnx", "model_card.json", "checkpoint.pt"}


def test_predict_json(tiny_model, tiny_data):
    images = [tiny_data / "hole" / "hole_00000.png", tiny_data / "good" / "good_00001.png"]
    result = _run("predict", tiny_model / "model.onnx", *images, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["path"] for r in rows] == [str(p) for p in images]
    classes = json.loads((tiny_model / "model_card.json").read_text())["classes"]
    for row in rows:
        assert set(row) == {"path", "label", "probabilities", "ms"}
        assert row["label"] in classes and set(row["probabilities"]) == set(classes)


def test_predict_non_image_is_one_error_line(tiny_model, tmp_path):
    bad = tmp_path / "report.png"
    bad.write_text("not an image")
    result = _run("predict", tiny_model / "model.onnx", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith("error:") and "report.png" in result.stderr
    assert "Traceback" not in result.output


def test_explain_writes_overlay_png(tiny_model, tiny_data, tmp_path):
    out = tmp_path / "cam.png"
    result = _run(
        "explain",
        tiny_model / "checkpoint.pt",
        tiny_data / "crack" / "crack_00002.png",
        "--method",
        "gradcam++",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert Image.open(out).size == (40, 40) and "bbox" in result.output


def test_explain_bad_checkpoint_is_one_error_line(tmp_path, tiny_data):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"nope")
    result = _run(
        "explain", bad, tiny_data / "crack" / "crack_00002.png", "--out", tmp_path / "x.png"
    )
    assert result.exit_code == 2 and "model.pt" in result.stderr
