"""The shipped model ``models/defects``: made by today's training defaults, and it works."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np

from dtwin.paths import DEFECT_MODEL_DIR
from dtwin.vision.serve import OnnxClassifier
from dtwin.vision.synth import CLASSES, generate_arrays
from dtwin.vision.training import TrainConfig


def test_shipped_card_was_trained_with_the_current_defaults():
    # `dtwin vision train DATA --seed 0 --out DIR` must reproduce the shipped model
    card = json.loads((DEFECT_MODEL_DIR / "model_card.json").read_text())
    expected = json.loads(json.dumps(asdict(TrainConfig(seed=card["seed"]))))
    assert card["training"]["config"] == expected
    assert card["classes"] == sorted(CLASSES)


def test_shipped_onnx_model_classifies_fresh_synthetic_images():
    clf = OnnxClassifier.from_dir(DEFECT_MODEL_DIR)
    images, _, labels = generate_arrays(8, size=128, seed=2024)
    truth = [clf.classes.index(CLASSES[i]) for i in labels]
    predicted = clf.predict_proba(list(images)).argmax(1)
    # the bar (>= 98%) is measured on 300 images per class in benchmarks/vision.py
    assert np.mean(predicted == np.array(truth)) >= 0.9
