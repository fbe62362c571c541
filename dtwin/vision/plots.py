"""Matplotlib figures for the vision notebooks: image grids, training curves, confusion matrix."""

from __future__ import annotations

import numpy as np


def image_grid(
    images: list[np.ndarray], titles: list[str] | None = None, cols: int = 6, size: float = 2.0
):
    """A figure showing RGB uint8 images in a grid with optional titles."""
    import matplotlib.pyplot as plt

    rows = max(1, -(-len(images) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size, rows * size), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, img in enumerate(images):
        ax = axes.flat[i]
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        if titles:
            ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return fig


def plot_history(card: dict):
    """Training loss and validation accuracy per epoch from a model card."""
    import matplotlib.pyplot as plt

    hist = card["training"]["history"]
    epochs = [h["epoch"] for h in hist]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3))
    a.plot(epochs, [h["train_loss"] for h in hist], label="train")
    a.plot(epochs, [h["val_loss"] for h in hist], label="val")
    a.set_xlabel("epoch")
    a.set_ylabel("loss")
    a.legend()
    b.plot(epochs, [h["val_accuracy"] for h in hist], marker="o")
    b.axvline(card["training"]["best_epoch"], color="grey", ls="--", label="best epoch")
    b.set_xlabel("epoch")
    b.set_ylabel("validation accuracy")
    b.legend()
    fig.tight_layout()
    return fig


def plot_confusion(report: dict, classes: list[str]):
    """Confusion matrix (counts) of a classification report."""
    import matplotlib.pyplot as plt

    cm = np.asarray(report["confusion_matrix"])
    fig, ax = plt.subplots(figsize=(1 + 0.7 * len(classes), 1 + 0.6 * len(classes)))
    ax.imshow(cm, cmap="Blues")
    for (i, j), v in np.ndenumerate(cm):
        ax.text(
            j, i, str(v), ha="center", va="center", color="white" if v > cm.max() / 2 else "black"
        )
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.tight_layout()
    return fig
