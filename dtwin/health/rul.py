"""Remaining useful life: train, predict with an interval, evaluate, save and load a model folder.

``train_rul`` splits the training units into a fitting set and a calibration set (units the
model never sees), learns the preprocessing and an ensemble of 1D-CNNs (``cnn``), the
gradient-boosting baseline (``gbm``) or both averaged (``blend``) on the fitting set, and
calibrates split-conformal intervals on the calibration set. Each CNN member stops early on its
own validation split of the fitting units. ``history=True`` adds features of the unit's whole
history (health index levels and slopes, baseline, age) to the window; the model then needs
histories from the first cycle with their ``cycle`` column.
``RulModel.predict_unit`` is what a live twin calls: one unit's history in, ``(rul, lo, hi)``
out, in well under a millisecond per call for the CNN.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError, DataError
from dtwin.health.cnn import CnnConfig, build_network, predict_networks, train_network
from dtwin.health.conformal import ConformalBands
from dtwin.health.gbm import fit_gbm, predict_gbm
from dtwin.health.metrics import coverage, nasa_score, rmse
from dtwin.health.modelcard import (
    check_columns,
    data_description,
    load_skops,
    read_card,
    save_skops,
    versions,
    write_card,
)
from dtwin.health.windows import HISTORY_FEATURES, Preprocessing

MODELS = ("cnn", "gbm", "blend")
BAND_EDGES = [25.0, 50.0, 75.0, 100.0]
WEIGHTS = "weights.pt"
GBM_FILE = "model.skops"


@dataclass(frozen=True)
class RulConfig:
    """How a RUL model is trained."""

    model: str = "cnn"
    window: int = 30
    cap: float = 125.0
    members: int = 3
    calibration_share: float = 0.2
    validation_share: float = 0.15
    history: bool = False
    alpha: float = 0.1
    seed: int = 0
    cnn: CnnConfig = field(default_factory=CnnConfig)
    gbm_iterations: int = 300
    progress: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.model not in MODELS:
            problems.append(f"model {self.model!r} (valid: {', '.join(MODELS)})")
        if self.window < 1:
            problems.append(f"window {self.window} (valid: >= 1)")
        if not self.cap > 0:
            problems.append(f"cap {self.cap} (valid: > 0)")
        if self.members < 1:
            problems.append(f"members {self.members} (valid: >= 1)")
        if not 0 < self.calibration_share < 1:
            problems.append(f"calibration_share {self.calibration_share} (valid: 0 < x < 1)")
        if not 0 <= self.validation_share < 1:
            problems.append(f"validation_share {self.validation_share} (valid: 0 <= x < 1)")
        if problems:
            raise ConfigError("invalid RUL settings: " + "; ".join(problems))


@dataclass(frozen=True)
class RulPrediction:
    """One unit's predicted RUL (cycles) and its conformal interval."""

    rul: float
    lo: float
    hi: float


@dataclass
class RulModel:
    """A trained RUL model: preprocessing, estimator, conformal bands and its card."""

    preprocessing: Preprocessing
    estimator: object
    bands: ConformalBands
    card: dict

    @property
    def kind(self) -> str:
        return self.card["model"]

    def predict_windows(self, x: np.ndarray, h: np.ndarray | None = None) -> np.ndarray:
        """Predicted RUL of each window ``x`` (n, window, sensors), within [0, cap].

        ``h``: the windows' history features (``Preprocessing.train_samples``/``last_samples``),
        required when the model was trained with them.
        """
        prep = self.preprocessing
        if prep.history and h is None:
            raise DataError("this model uses history features: pass them with the windows")
        h_net = None if h is None else prep.scaled(h)
        parts = []
        if self.kind in ("cnn", "blend"):
            nets = self.estimator["cnn"] if self.kind == "blend" else self.estimator
            parts.append(predict_networks(nets, x, h_net, prep.cap))  # type: ignore[arg-type]
        if self.kind in ("gbm", "blend"):
            gbm = self.estimator["gbm"] if self.kind == "blend" else self.estimator
            parts.append(np.clip(predict_gbm(gbm, x, h), 0.0, prep.cap))
        return np.mean(parts, axis=0)

    def predict_unit(self, history: pd.DataFrame) -> RulPrediction:
        """``(rul, lo, hi)`` from one unit's history (rows in time order; extra columns ignored).

        A history shorter than the window is padded at the front with its first row. A model
        with history features needs the whole history from the first cycle, with ``cycle``.
        """
        prep = self.preprocessing
        needed = [*prep.settings, *prep.sensors, *(["cycle"] if prep.history else [])]
        missing = [c for c in needed if c not in history.columns]
        if missing or len(history) == 0:
            raise DataError(f"history lacks columns {missing} or rows (model needs {needed})")
        z = prep.transform(history if prep.history else history.iloc[-prep.window :])
        h = None
        if prep.history:
            h = prep.history_features(z, history["cycle"].to_numpy(), [len(z)])
        rul = float(self.predict_windows(prep.last_window(z)[None], h)[0])
        lo, hi = self.bands.interval(np.array([rul]))
        return RulPrediction(rul, float(max(lo[0], 0.0)), float(hi[0]))

    def predict(self, frame: pd.DataFrame, source: str | Path = "data") -> pd.DataFrame:
        """Per unit of a history frame: ``unit``, ``cycles``, ``rul``, ``lo``, ``hi``."""
        check_columns(self.preprocessing.columns, _value_columns(frame), source)
        x, h, units, seen = self.preprocessing.last_samples(frame)
        rul = self.predict_windows(x, h)
        lo, hi = self.bands.interval(rul)
        return pd.DataFrame(
            {"unit": units, "cycles": seen, "rul": rul, "lo": np.maximum(lo, 0.0), "hi": hi}
        )

    def save(self, folder: str | Path) -> Path:
        """Write the weights and ``card.json`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self.kind in ("cnn", "blend"):
            import torch

            nets = self.estimator["cnn"] if self.kind == "blend" else self.estimator
            state = {
                f"member{i}.{name}": tensor.detach().clone()
                for i, net in enumerate(nets)  # type: ignore[arg-type]
                for name, tensor in net.state_dict().items()
            }
            torch.save(state, folder / WEIGHTS)
        if self.kind in ("gbm", "blend"):
            gbm = self.estimator["gbm"] if self.kind == "blend" else self.estimator
            save_skops(gbm, folder / GBM_FILE)
        card = {**self.card, "normalisation": self.preprocessing.to_dict()}
        write_card(folder, card | {"interval": self.bands.to_dict()})
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> RulModel:
        """Load a folder written by ``save`` (weights only, no pickled code)."""
        card = read_card(folder, "rul")
        prep = Preprocessing.from_dict(card["normalisation"])
        bands = ConformalBands.from_dict(card["interval"])
        if card["model"] == "gbm":
            return cls(prep, load_skops(Path(folder) / GBM_FILE), bands, card)
        nets = _load_networks(Path(folder), card, prep)
        if card["model"] == "blend":
            gbm = load_skops(Path(folder) / GBM_FILE)
            return cls(prep, {"cnn": nets, "gbm": gbm}, bands, card)
        return cls(prep, nets, bands, card)


def train_rul(
    frame: pd.DataFrame, config: RulConfig = RulConfig(), source: str | Path | None = None
) -> RulModel:
    """Train a RUL model on run-to-failure histories (a unit's last cycle is its failure)."""
    fit_units, calib_units = split_units(
        frame["unit"].unique(), config.calibration_share, config.seed
    )
    fit = frame[frame["unit"].isin(fit_units)]
    calib = frame[frame["unit"].isin(calib_units)]
    started, cpu = time.perf_counter(), time.process_time()
    prep = Preprocessing.fit(fit, window=config.window, cap=config.cap, history=config.history)
    estimator = _fit_estimator(prep.train_samples(fit), prep, config)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    model = RulModel(
        prep, estimator, ConformalBands(config.alpha, [], [], []), {"model": config.model}
    )
    xc, hc, yc, _ = prep.train_samples(calib)
    predicted = model.predict_windows(xc, hc)
    model.bands = ConformalBands.fit(predicted, yc, config.alpha, BAND_EDGES)
    lo, hi = model.bands.interval(predicted)
    model.card = {
        "kind": "rul",
        "model": config.model,
        "data": data_description(frame, source),
        "columns": prep.columns,
        "features": prep.sensors,
        "window": config.window,
        "cap": config.cap,
        "seed": config.seed,
        "history_features": HISTORY_FEATURES if config.history else [],
        "training": _training_entry(config, fit_units, calib_units, seconds)
        | {"cpu_seconds": round(cpu, 1)},
        "metrics": {
            "calibration_rmse": rmse(predicted, yc),
            "calibration_coverage": coverage(yc, lo, hi),
            "calibration_windows": int(len(yc)),
        },
        "versions": versions(),
    }
    return model


def split_units(units: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fitting and calibration units (at least one of each), drawn by ``seed``."""
    units = np.sort(np.asarray(units))
    if len(units) < 2:
        raise DataError(f"need at least 2 run-to-failure units to train, got {len(units)}")
    shuffled = np.random.default_rng(seed).permutation(units)
    n_calib = min(max(1, round(share * len(units))), len(units) - 1)
    return np.sort(shuffled[n_calib:]), np.sort(shuffled[:n_calib])


@dataclass(frozen=True)
class RulEvaluation:
    """Last-window figures on test units: RMSE and NASA score against the capped truth."""

    rmse: float
    score: float
    units: int
    coverage: float
    rmse_uncapped: float
    predictions: pd.DataFrame

    def to_dict(self) -> dict:
        return {
            "rmse": self.rmse,
            "score": self.score,
            "units": self.units,
            "coverage": self.coverage,
            "rmse_uncapped": self.rmse_uncapped,
        }


def evaluate_rul(
    model: RulModel, test: pd.DataFrame, truth: np.ndarray, source: str | Path = "test data"
) -> RulEvaluation:
    """RMSE and NASA score on the last window of each test unit.

    ``truth`` holds one true RUL per test unit in unit order (the C-MAPSS ``RUL_FD00x.txt``);
    like most published C-MAPSS figures, it is capped at the model's cap before scoring
    (``rmse_uncapped`` is reported too).
    """
    predictions = model.predict(test, source)
    truth = np.asarray(truth, float)
    if len(truth) != len(predictions):
        raise DataError(f"{source}: {len(predictions)} test units but {len(truth)} true RUL values")
    capped = np.minimum(truth, model.preprocessing.cap)
    predictions = predictions.assign(true_rul=truth)
    return RulEvaluation(
        rmse=rmse(predictions["rul"], capped),
        score=nasa_score(predictions["rul"], capped),
        units=len(truth),
        coverage=coverage(capped, predictions["lo"], predictions["hi"]),
        rmse_uncapped=rmse(predictions["rul"], truth),
        predictions=predictions,
    )


def _fit_estimator(samples: tuple, prep: Preprocessing, config: RulConfig) -> object:
    x, h, y, units = samples
    gbm = None
    if config.model in ("gbm", "blend"):
        gbm = fit_gbm(x, y, seed=config.seed, max_iter=config.gbm_iterations, h=h)
        if config.model == "gbm":
            return gbm
    h_net = None if h is None else prep.scaled(h)
    nets = []
    for i in range(config.members):
        seed = config.seed * 1000 + i
        rows, validation = np.ones(len(y), dtype=bool), None
        if config.validation_share > 0 and len(np.unique(units)) >= 3:
            _, held = split_units(np.unique(units), config.validation_share, seed)
            val = np.isin(units, held)
            rows = ~val
            validation = (x[val], None if h_net is None else h_net[val], y[val])
        nets.append(
            train_network(
                x[rows],
                y[rows],
                config.cap,
                config.cnn,
                seed,
                config.progress,
                h=None if h_net is None else h_net[rows],
                validation=validation,
            )
        )
    return nets if gbm is None else {"cnn": nets, "gbm": gbm}


def _training_entry(config: RulConfig, fit_units, calib_units, seconds: float) -> dict:
    entry = {
        "seconds": round(seconds, 1),
        "fit_units": [int(u) for u in fit_units],
        "calibration_units": [int(u) for u in calib_units],
        "alpha": config.alpha,
    }
    entry |= {"history": config.history, "validation_share": config.validation_share}
    if config.model in ("cnn", "blend"):
        entry |= {"members": config.members, "cnn": config.cnn.to_dict()}
    if config.model in ("gbm", "blend"):
        entry |= {"gbm_iterations": config.gbm_iterations}
    return entry


def _load_networks(folder: Path, card: dict, prep: Preprocessing) -> list:
    import torch

    path = folder / WEIGHTS
    if not path.is_file():
        raise DataError(f"{path}: the weights file is missing")
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # a truncated or foreign file: torch raises many kinds
        raise DataError(f"{path}: not a readable weights file ({type(exc).__name__})") from None
    config = CnnConfig(**card["training"]["cnn"])
    extra = len(prep.feature_mean) if prep.history else 0
    nets = []
    for i in range(card["training"]["members"]):
        net = build_network(len(prep.sensors), prep.window, config, extra)
        prefix = f"member{i}."
        net.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})
        nets.append(net.eval())
    return nets


def _value_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("unit", "cycle")]
