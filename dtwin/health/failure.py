"""Failure prediction on tabular records: gradient boosting, calibrated, thresholded for F1.

``train_failure`` picks the feature columns (dropping row identifiers and every column the
leakage guard flags, with a warning naming it), adds pairwise products and differences of the
numeric columns (power = torque x speed, a temperature difference, wear x torque are of that
kind), and fits a class-weighted ``HistGradientBoostingClassifier`` with native categorical
handling. Calibration (isotonic) and the decision threshold (best F1) come from out-of-fold
predictions: each training row is scored by a model that did not see it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError, DataError
from dtwin.health.leakage import find_leaks
from dtwin.health.metrics import classification_report
from dtwin.health.modelcard import (
    check_columns,
    data_description,
    load_skops,
    read_card,
    save_skops,
    versions,
    write_card,
)
from dtwin.health.tables import column_kinds, target_values

MODEL_FILE = "model.skops"


@dataclass(frozen=True)
class FailureConfig:
    """How a failure model is trained."""

    seed: int = 0
    folds: int = 4
    interactions: bool = True
    max_iter: int = 300
    learning_rate: float = 0.05
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.folds < 2 or self.max_iter < 1 or not 0 < self.learning_rate <= 1:
            raise ConfigError(
                f"invalid failure settings: folds {self.folds} (>= 2), max_iter {self.max_iter} "
                f"(>= 1), learning_rate {self.learning_rate} (0 < x <= 1)"
            )


@dataclass
class FailureModel:
    """A trained failure classifier with its calibration map, threshold and card."""

    classifier: object
    card: dict
    warnings: list[str] = field(default_factory=list)

    @property
    def threshold(self) -> float:
        return float(self.card["threshold"])

    def predict_proba(self, frame: pd.DataFrame, source: str | Path = "data") -> np.ndarray:
        """Calibrated failure probability of every row."""
        expected = [c for c in self.card["columns"] if c != self.card["target"]]
        got = [c for c in frame.columns if c != self.card["target"]]
        check_columns(expected, got, source)
        x = design_matrix(frame, self.card["design"], source)
        raw = self.classifier.predict_proba(x)[:, 1]  # type: ignore[attr-defined]
        cal = self.card["calibration"]
        return np.interp(raw, cal["raw"], cal["calibrated"])

    def predict(self, frame: pd.DataFrame, source: str | Path = "data") -> pd.DataFrame:
        """``probability`` and the thresholded ``failure`` (0/1) of every row."""
        proba = self.predict_proba(frame, source)
        return pd.DataFrame({"probability": proba, "failure": (proba >= self.threshold) * 1})

    def save(self, folder: str | Path) -> Path:
        """Write ``model.skops`` and ``card.json`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_skops(self.classifier, folder / MODEL_FILE)
        write_card(folder, self.card)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> FailureModel:
        """Load a folder written by ``save`` (skops, scikit-learn types only)."""
        card = read_card(folder, "failure")
        return cls(load_skops(Path(folder) / MODEL_FILE), card)


def train_failure(
    frame: pd.DataFrame,
    target: str,
    config: FailureConfig = FailureConfig(),
    source: str | Path = "data",
) -> FailureModel:
    """Train on ``frame`` (one row per observation, a 0/1 ``target`` column)."""
    y = target_values(frame, target, source)
    if y.min() == y.max():
        raise DataError(f"{source}: column {target!r} holds only {y[0]}s (need both 0 and 1)")
    design, notes = choose_design(frame, target, config, source)
    x = design_matrix(frame, design, source)
    raw = _out_of_fold(x, y, design, config)
    calibration = _isotonic(raw, y)
    proba = np.interp(raw, calibration["raw"], calibration["calibrated"])
    threshold = best_f1_threshold(y, proba)
    classifier = _classifier(design, config).fit(x, y)
    card = {
        "kind": "failure",
        "target": target,
        "columns": [str(c) for c in frame.columns],
        "data": data_description(frame, source if Path(str(source)).is_file() else None),
        "design": design,
        "threshold": threshold,
        "calibration": calibration,
        "metrics": {"validation": classification_report(y, proba, threshold)},
        "seed": config.seed,
        "training": {"folds": config.folds, "max_iter": config.max_iter},
        "warnings": notes,
        "versions": versions(),
    }
    return FailureModel(classifier, card, notes)


def evaluate_failure(
    model: FailureModel, frame: pd.DataFrame, target: str, source: str | Path = "data"
) -> dict:
    """F1, precision, recall, PR-AUC and confusion matrix on held-out rows."""
    y = target_values(frame, target, source)
    return classification_report(y, model.predict_proba(frame, source), model.threshold)


def choose_design(
    frame: pd.DataFrame, target: str, config: FailureConfig, source: str | Path
) -> tuple[dict, list[str]]:
    """The features: numeric and categorical columns, minus identifiers, exclusions and leaks."""
    unknown = [c for c in config.exclude if c not in frame.columns]
    if unknown:
        raise ConfigError(f"{source}: excluded columns {unknown} are not in the table")
    kinds = column_kinds(frame.drop(columns=[target]), source)
    dropped = {c: "excluded" for c in config.exclude}
    dropped |= {c: "identifier" for c, k in kinds.items() if k == "identifier"}
    numeric = [c for c, k in kinds.items() if k == "numeric" and c not in dropped]
    notes = []
    for leak in find_leaks(frame, target, numeric):
        notes.append(leak.message(target))
        dropped[leak.column] = f"leak: {leak.reason}"
        warnings.warn(leak.message(target), stacklevel=2)
    numeric = [c for c in numeric if c not in dropped]
    categorical = {
        c: sorted(frame[c].astype(str).unique().tolist())
        for c, k in kinds.items()
        if k == "categorical" and c not in dropped
    }
    if not numeric and not categorical:
        raise DataError(f"{source}: no usable feature columns beside {target!r} ({dropped})")
    pairs = [(a, b) for i, a in enumerate(numeric) for b in numeric[i + 1 :]]
    design = {
        "numeric": numeric,
        "categorical": categorical,
        "interactions": [list(p) for p in pairs] if config.interactions else [],
        "dropped": dropped,
    }
    return design, notes


def design_matrix(frame: pd.DataFrame, design: dict, source: str | Path) -> pd.DataFrame:
    """Numeric columns, pairwise products and differences, categorical codes (unknown: NaN)."""
    out = {}
    for column in design["numeric"]:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].astype(str).str.strip().ne("")
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise DataError(
                f"{source}: row {row + 2}: column {column!r}: "
                f"{frame[column].iloc[row]!r} is not a number"
            )
        out[column] = values.to_numpy(float)
    for a, b in design["interactions"]:
        out[f"{a} * {b}"] = out[a] * out[b]
        out[f"{a} - {b}"] = out[a] - out[b]
    for column, categories in design["categorical"].items():
        codes = {c: i for i, c in enumerate(categories)}
        out[column] = frame[column].astype(str).map(codes).to_numpy(float)
    return pd.DataFrame(out, index=frame.index)


def best_f1_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The probability threshold with the highest F1 (midway between neighbouring scores)."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y, proba)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    best = int(np.argmax(f1[:-1])) if len(thresholds) else 0
    return float(thresholds[best]) if len(thresholds) else 0.5


def _classifier(design: dict, config: FailureConfig):
    from sklearn.ensemble import HistGradientBoostingClassifier

    n_numeric = len(design["numeric"]) + 2 * len(design["interactions"])
    mask = [False] * n_numeric + [True] * len(design["categorical"])
    return HistGradientBoostingClassifier(
        learning_rate=config.learning_rate,
        max_iter=config.max_iter,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        class_weight="balanced",
        categorical_features=mask if any(mask) else None,
        early_stopping=False,
        random_state=config.seed,
    )


def _out_of_fold(x: pd.DataFrame, y: np.ndarray, design: dict, config: FailureConfig):
    from sklearn.model_selection import StratifiedKFold

    folds = min(config.folds, int(min(y.sum(), len(y) - y.sum())))
    if folds < 2:
        raise DataError(f"too few failures ({int(y.sum())}) to validate a model (need 2 or more)")
    raw = np.zeros(len(y))
    split = StratifiedKFold(folds, shuffle=True, random_state=config.seed)
    for fit_rows, val_rows in split.split(x, y):
        model = _classifier(design, config).fit(x.iloc[fit_rows], y[fit_rows])
        raw[val_rows] = model.predict_proba(x.iloc[val_rows])[:, 1]
    return raw


def _isotonic(raw: np.ndarray, y: np.ndarray) -> dict:
    """An isotonic map raw score -> probability, as two JSON lists for ``np.interp``."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)
    return {"raw": iso.X_thresholds_.tolist(), "calibrated": iso.y_thresholds_.tolist()}
