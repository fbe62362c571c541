"""ONNX serving: same preprocessing as training, any image input, foreign models refused."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from dtwin.errors import VisionError
from dtwin.vision.datasets import load_arrays, scan_image_folder
from dtwin.vision.export import quantize_int8
from dtwin.vision.serve import OnnxClassifier
from dtwin.vision.training import load_checkpoint, predict_arrays


def test_predict_accepts_paths_bytes_and_arrays(tiny_model, tiny_data):
    clf = OnnxClassifier.from_dir(tiny_model)
    path = tiny_data / "crack" / "crack_00000.png"
    grey16 = (np.random.default_rng(0).random((50, 70)) * 65535).astype(np.uint16)
    rgba = np.zeros((30, 30, 4), np.uint8)
    preds = clf.predict([path, path.read_bytes(), grey16, rgba, str(path)])
    assert len(preds) == 5
    for p in preds:
        assert p.label in clf.classes and p.ms > 0
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert preds[0].probabilities == pytest.approx(preds[1].probabilities)
    assert len(clf.predict(path)) == 1  # a single image is fine too


def test_onnx_matches_torch_with_training_preprocessing(tiny_model, tiny_data):
    clf = OnnxClassifier.from_dir(tiny_model)
    model, card = load_checkpoint(tiny_model / "checkpoint.pt")
    found = scan_image_folder(tiny_data)
    arrays = load_arrays(found.subset(range(0, 40, 4)), card["img_size"], progress=False)
    norm = card["normalisation"]
    reference = predict_arrays(model, arrays, norm["mean"], norm["std"])
    served = clf.predict_proba(found.paths[0:40:4])
    assert np.abs(reference - served).max() < 1e-4


def test_foreign_onnx_model_is_refused(tmp_path):
    foreign = tmp_path / "other.onnx"
    torch.onnx.export(torch.nn.Linear(4, 2), (torch.zeros(1, 4),), str(foreign), dynamo=False)
    with pytest.raises(VisionError, match="other.onnx.*not a dtwin vision classifier"):
        OnnxClassifier(foreign)


def test_onnx_with_mismatching_card_is_refused(tiny_model, tmp_path):
    shutil.copy(tiny_model / "model.onnx", tmp_path / "model.onnx")
    card = json.loads((tiny_model / "model_card.json").read_text())
    card["classes"] = ["ok", "nok"]
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(VisionError, match="another model"):
        OnnxClassifier.from_dir(tmp_path)


@pytest.mark.parametrize(
    ("name", "content"),
    [("junk.onnx", b"\x00junk"), ("missing.onnx", None)],
    ids=["not-onnx", "missing"],
)
def test_unreadable_models(tmp_path, name, content):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(VisionError, match=name):
        OnnxClassifier(tmp_path / name)


def test_int8_quantisation_serves(tiny_model, tiny_data, tmp_path):
    clf = OnnxClassifier.from_dir(tiny_model)
    calib = load_arrays(scan_image_folder(tiny_data).subset(range(0, 40, 5)), 32, progress=False)
    out = quantize_int8(tiny_model / "model.onnx", tmp_path / "int8.onnx", calib, clf.card)
    q = OnnxClassifier(out)
    probs = q.predict_proba(list(calib))
    assert probs.shape == (8, 5) and np.allclose(probs.sum(1), 1, atol=1e-5)
