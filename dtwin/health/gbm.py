"""The gradient-boosting RUL baseline: summary features of each window, HistGradientBoosting."""

from __future__ import annotations

import numpy as np

TAIL = 5  # the mean of the last few cycles: the current level with less noise


def window_features(x: np.ndarray) -> np.ndarray:
    """Per sensor: last value, mean of the last 5, mean, sd, min, max and slope of the window.

    ``x`` has shape (windows, window, sensors); the result (windows, 7 * sensors).
    """
    t = np.arange(x.shape[1], dtype=float)
    t = (t - t.mean()) / ((t - t.mean()) ** 2).sum()
    slope = np.einsum("t,wts->ws", t, x)
    parts = [
        x[:, -1],
        x[:, -TAIL:].mean(axis=1),
        x.mean(axis=1),
        x.std(axis=1),
        x.min(axis=1),
        x.max(axis=1),
        slope,
    ]
    return np.concatenate(parts, axis=1)


def feature_names(sensors: list[str]) -> list[str]:
    """Names of the columns of ``window_features``."""
    kinds = ["last", f"mean{TAIL}", "mean", "sd", "min", "max", "slope"]
    return [f"{s}_{k}" for k in kinds for s in sensors]


def gbm_inputs(x: np.ndarray, h: np.ndarray | None = None) -> np.ndarray:
    """Window features of ``x``, then the history features ``h`` when given."""
    features = window_features(x)
    return features if h is None else np.concatenate([features, h], axis=1)


def fit_gbm(
    x: np.ndarray, y: np.ndarray, seed: int = 0, max_iter: int = 400, h: np.ndarray | None = None
):
    """A ``HistGradientBoostingRegressor`` on the window (and history) features."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = HistGradientBoostingRegressor(
        learning_rate=0.05,
        max_iter=max_iter,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    return model.fit(gbm_inputs(x, h), y)


def predict_gbm(model, x: np.ndarray, h: np.ndarray | None = None) -> np.ndarray:
    """Predicted RUL of each window."""
    return model.predict(gbm_inputs(x, h))
