"""The shipped model ``models/defects``: made by today's training defaults, and it works."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
from PIL import Image

from dtwin.paths import DEFECT_MODEL_DIR
from dtwin.vision.datasets import scan_image_folder
from dtwin.vision.images import fit_image
from dtwin.vision.serve import OnnxClassifier
from dtwin.vision.synth import CLASSES, generate_arrays
from dtwin.vision.training import TrainConfig, auto_img_size, balance_mode

# options added after the shipped model was trained; on its data (square, balanced synthetic
# images of 128 px) each one is a no-op, which the test below checks
ADDED_SINCE = {
    "resize": "letterbox",
    "balance": "none",
    "target_recall": None,
    "good_class": None,
    "choose_cam": True,
}


def test_shipped_card_was_trained_with_the_current_defaults(tmp_path):
    # `dtwin vision train DATA --seed 0 --out DIR` must reproduce the shipped model
    card = json.loads((DEFECT_MODEL_DIR / "model_card.json").read_text())
    shipped = card["training"]["config"]
    expected = json.loads(json.dumps(asdict(TrainConfig(seed=card["seed"]))))
    assert {k: v for k, v in expected.items() if k not in shipped} == ADDED_SINCE
    assert {k: expected[k] for k in shipped} == shipped
    assert card["classes"] == sorted(CLASSES)
    # the defaults' no-ops on the shipped data: 96 px for 128 px images, no balancing on
    # balanced classes, and letterboxing a square is squashing it
    square = generate_arrays(1, size=128, seed=1)[0][0]
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        Image.fromarray(square).save(tmp_path / cls / "x.png")
    assert auto_img_size(scan_image_folder(tmp_path)) == 96
    assert balance_mode("auto", np.repeat(np.arange(5), 210)) == "none"
    assert np.array_equal(fit_image(square, 96, "letterbox"), fit_image(square, 96, "squash"))


def test_shipped_onnx_model_classifies_fresh_synthetic_images():
    clf = OnnxClassifier.from_dir(DEFECT_MODEL_DIR)
    images, _, labels = generate_arrays(8, size=128, seed=2024)
    truth = [clf.classes.index(CLASSES[i]) for i in labels]
    predicted = clf.predict_proba(list(images)).argmax(1)
    # the bar (>= 98%) is measured on 300 images per class in benchmarks/vision.py
    assert np.mean(predicted == np.array(truth)) >= 0.9
