"""Training: card, metrics, safe checkpoints, determinism and bad parameters."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from dtwin.errors import ConfigError, VisionError
from dtwin.vision.metrics import classification_report
from dtwin.vision.training import (
    TrainConfig,
    augment_batch,
    load_checkpoint,
    predict_arrays,
    save_checkpoint,
    train,
)


def test_model_dir_has_card_checkpoint_and_onnx(tiny_model):
    card = json.loads((tiny_model / "model_card.json").read_text())
    assert {"classes", "img_size", "normalisation", "metrics", "data", "seed", "versions"} <= set(
        card
    )
    assert card["classes"] == sorted(["good", "scratch", "crack", "hole", "stain"])
    test = card["metrics"]["test"]
    assert {"accuracy", "macro_f1", "per_class_recall", "confusion_matrix"} <= set(test)
    assert np.array(test["confusion_matrix"]).sum() == test["n"] == card["data"]["n_test"]
    assert len(card["data"]["fingerprint"]) == 64 and card["training"]["epochs_run"] == 1
    assert card["onnx"]["parity_max_abs_diff"] < 1e-3 and card["onnx"]["parity_same_argmax"]
    blob = torch.load(tiny_model / "checkpoint.pt", weights_only=True)
    assert set(blob) == {"state_dict", "card"}
    model, loaded = load_checkpoint(tiny_model / "checkpoint.pt")
    assert loaded["classes"] == card["classes"] and not model.training


def test_same_seed_same_weights(tiny_data):
    config = TrainConfig(epochs=1, img_size=24, batch_size=8, seed=4, patience=1)
    a = train(tiny_data, config, progress=False).model.state_dict()
    b = train(tiny_data, config, progress=False).model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_time_budget_shrinks_the_schedule_so_it_still_anneals(tiny_data):
    # a budget of ~0 s leaves room for the first epoch only: the plan and the cosine shrink
    config = TrainConfig(epochs=30, img_size=24, batch_size=8, seed=1, max_minutes=1e-6)
    card = train(tiny_data, config, progress=False).card
    training = card["training"]
    assert training["epochs_planned"] == 1 and training["epochs_run"] == 1
    assert training["stop_reason"] == "time_limit"


def test_plateau_cools_down_before_stopping(tiny_data):
    # a learning rate far too high makes validation plateau; the run then anneals for
    # patience // 2 epochs and stops, instead of stopping at full learning rate
    config = TrainConfig(epochs=30, img_size=24, batch_size=8, seed=2, patience=4, lr=0.5)
    training = train(tiny_data, config, progress=False).card["training"]
    best, stale, plateau_epoch = -1.0, 0, None
    for h in training["history"]:
        best, stale = (h["val_accuracy"], 0) if h["val_accuracy"] >= best else (best, stale + 1)
        if stale == config.patience:
            plateau_epoch = h["epoch"]
            break
    assert plateau_epoch is not None and plateau_epoch + 2 < config.epochs
    assert training["stop_reason"] == "early_stopping"
    assert training["epochs_planned"] == training["epochs_run"] == plateau_epoch + 2


def test_the_last_epochs_weights_are_kept(tiny_data):
    # not the best validation epoch's: the returned model reproduces the last epoch's val loss
    config = TrainConfig(epochs=4, img_size=24, batch_size=8, seed=0, patience=10)
    result = train(tiny_data, config, progress=False)
    assert result.card["training"]["best_epoch"] < 4  # so the test tells the two rules apart
    x, y = result.part("val")
    norm = result.card["normalisation"]
    probs = predict_arrays(result.model, x, norm["mean"], norm["std"])
    val_loss = float(-np.log(probs[np.arange(len(y)), y] + 1e-9).mean())
    losses = [h["val_loss"] for h in result.card["training"]["history"]]
    assert len(losses) == 4 and len(set(losses)) == 4
    assert val_loss == pytest.approx(losses[-1], rel=1e-5)
    assert all(val_loss != pytest.approx(other, rel=1e-5) for other in losses[:-1])


def _pickled_object(path):
    torch.save({"state_dict": {}, "card": "{}", "bad": np.float64(1.0)}, path)


def _no_card(path):
    torch.save({"weights": torch.zeros(2)}, path)


def _garbage(path):
    path.write_bytes(b"not a checkpoint at all")


@pytest.mark.parametrize(
    "make", [_pickled_object, _no_card, _garbage], ids=["numpy-scalar-pickle", "no-card", "garbage"]
)
def test_bad_checkpoints_raise_vision_error_naming_the_file(tmp_path, make):
    path = tmp_path / "bad.pt"
    make(path)
    with pytest.raises(VisionError, match="bad.pt"):
        load_checkpoint(path)


def test_checkpoint_of_other_arch_is_refused(tiny_model, tmp_path):
    model, card = load_checkpoint(tiny_model / "checkpoint.pt")
    save_checkpoint(model, dict(card, arch="resnet18"), tmp_path / "other.pt")
    with pytest.raises(VisionError, match="does not match arch resnet18"):
        load_checkpoint(tmp_path / "other.pt")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"arch": "alexnet"},
        {"epochs": 0},
        {"lr": -1.0},
        {"batch_size": 1},
        {"img_size": 4},
        {"label_smoothing": 1.0},
        {"max_minutes": 0},
    ],
    ids=["arch", "epochs", "lr", "batch", "img-size", "smoothing", "budget"],
)
def test_bad_training_parameters(kwargs):
    with pytest.raises(ConfigError):
        TrainConfig(**kwargs)


def test_augmentation_keeps_shape_and_is_seeded():
    x = torch.randn(4, 3, 16, 16)
    a = augment_batch(x, torch.Generator().manual_seed(1))
    b = augment_batch(x, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, x)


def test_classification_report_by_hand():
    report = classification_report([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], ["a", "b", "c"])
    assert report["accuracy"] == pytest.approx(0.6)
    assert report["per_class_recall"] == {"a": 0.5, "b": 1.0, "c": 0.0}
    assert report["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    # F1: a = 0.5, b = 0.8, c = 0
    assert report["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
