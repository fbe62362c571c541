"""Classification metrics: accuracy, macro-F1, per-class recall and the confusion matrix."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts (true class rows x predicted class columns)."""
    cm = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return cm


def classification_report(y_true, y_pred, classes: list[str]) -> dict:
    """Accuracy, macro-F1, per-class recall/precision and the confusion matrix (JSON-ready)."""
    cm = confusion_matrix(y_true, y_pred, len(classes))
    tp = np.diag(cm).astype(float)
    support = cm.sum(axis=1).astype(float)
    predicted = cm.sum(axis=0).astype(float)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    present = support > 0
    total = cm.sum()
    return {
        "accuracy": float(tp.sum() / total) if total else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class_recall": {c: float(r) for c, r in zip(classes, recall, strict=True)},
        "per_class_precision": {c: float(p) for c, p in zip(classes, precision, strict=True)},
        "confusion_matrix": cm.tolist(),
        "n": int(total),
    }
