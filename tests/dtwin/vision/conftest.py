"""Tiny synthetic data and a one-epoch model shared by the vision tests."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("timm")


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    """An ImageFolder of 8 images per class at 40 px, with masks and a manifest."""
    from dtwin.vision.synth import generate_dataset

    out = tmp_path_factory.mktemp("synth")
    generate_dataset(out, n=8, size=40, seed=3, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_data, tmp_path_factory) -> Path:
    """model.onnx, model_card.json and checkpoint.pt of a 1-epoch, 32 px slim ResNet."""
    from dtwin.vision.training import TrainConfig, train_and_export

    out = tmp_path_factory.mktemp("model")
    config = TrainConfig(epochs=1, img_size=32, batch_size=8, seed=0)
    train_and_export(tiny_data, out, config, progress=False)
    return out
