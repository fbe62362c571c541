"""The measures the literature reports: RUL RMSE and NASA score, classification and detection."""

from __future__ import annotations

import numpy as np


def rmse(predicted: np.ndarray, true: np.ndarray) -> float:
    """Root mean squared error."""
    d = np.asarray(predicted, float) - np.asarray(true, float)
    return float(np.sqrt(np.mean(d**2)))


def nasa_score(predicted: np.ndarray, true: np.ndarray) -> float:
    """The asymmetric scoring function of the PHM08 challenge (Saxena et al. 2008).

    ``s = sum(exp(-d/13) - 1)`` over early predictions (``d < 0``) plus ``sum(exp(d/10) - 1)``
    over late ones, ``d = predicted - true``: a late prediction costs more than an early one.
    """
    d = np.asarray(predicted, float) - np.asarray(true, float)
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))


def coverage(true: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of ``true`` values inside ``[lo, hi]``."""
    true = np.asarray(true, float)
    return float(np.mean((true >= np.asarray(lo)) & (true <= np.asarray(hi))))


def classification_report(y: np.ndarray, proba: np.ndarray, threshold: float) -> dict:
    """F1, precision, recall, PR-AUC (average precision) and the confusion matrix."""
    from sklearn.metrics import (
        average_precision_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
    )

    y = np.asarray(y, int)
    predicted = (np.asarray(proba) >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    return {
        "f1": float(f1_score(y, predicted, zero_division=0)),
        "precision": float(precision_score(y, predicted, zero_division=0)),
        "recall": float(recall_score(y, predicted, zero_division=0)),
        "pr_auc": float(average_precision_score(y, proba)) if y.any() else 0.0,
        "threshold": float(threshold),
        "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "rows": int(len(y)),
        "positives": int(y.sum()),
    }


#: true remaining-life bands (cycles) of :func:`error_by_life`
LIFE_BANDS = ((0, 10), (10, 25), (25, 50), (50, 125))


def error_by_life(
    predicted: np.ndarray,
    true: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    bands: tuple[tuple[float, float], ...] = LIFE_BANDS,
) -> list[dict]:
    """RUL error by true remaining life: per band ``[a, b)`` the windows, RMSE, bias
    (predicted - true) and interval coverage."""
    rows = []
    for a, b in bands:
        sel = (true >= a) & (true < b)
        err = predicted[sel] - true[sel]
        rows.append(
            {
                "true_rul": f"{a}-{b}",
                "windows": int(sel.sum()),
                "rmse": float(np.sqrt((err**2).mean())),
                "bias": float(err.mean()),
                "coverage": float(((true[sel] >= lo[sel]) & (true[sel] <= hi[sel])).mean()),
            }
        )
    return rows
