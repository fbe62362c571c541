"""From history frames to model inputs: regimes, normalisation, sensor choice, windows, targets.

``Preprocessing.fit`` learns everything from the training units only (operating regimes by
clustering the settings, per-regime sensor means and standard deviations, which sensors carry
information and, with ``history=True``, a linear health index of the chosen sensors); it is
plain data, stored in the model card as JSON and applied unchanged to calibration, test and
live histories.

History features (``history=True``) look beyond the window: the health index averaged over
the last 5 to 120 cycles, its slopes over 30 to 120 cycles, its level over the unit's first 20
cycles (the unit's own baseline) and the cycle number itself (the unit's age). They need the
unit's whole history from its first cycle, with the ``cycle`` column.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from dtwin.errors import DataError
from dtwin.health.series import sensor_columns, setting_columns

MAX_REGIMES = 8
MIN_CORRELATION = 0.1  # sensors whose |correlation| with the capped target is lower are dropped
LEVELS = (5, 10, 30, 60, 120)  # cycles over which the health index is averaged
SLOPES = (30, 60, 120)  # cycles over which its slope is taken
BASELINE = 20  # a unit's first cycles: its own starting level
HISTORY_FEATURES = [
    *(f"hi_mean{n}" for n in LEVELS),
    *(f"hi_slope{n}" for n in SLOPES),
    f"hi_first{BASELINE}",
    "cycle",
]
RIDGE = 1.0


def rul_target(frame: pd.DataFrame, cap: float | None = 125.0) -> np.ndarray:
    """Piecewise-linear RUL of every row of a run-to-failure frame: cycles left, capped."""
    last = frame.groupby("unit")["cycle"].transform("max").to_numpy()
    rul = (last - frame["cycle"].to_numpy()).astype(float)
    return rul if cap is None else np.minimum(rul, cap)


@dataclass(frozen=True)
class Preprocessing:
    """Regimes, per-regime normalisation and the chosen sensors, learnt from training units."""

    columns: list[str]
    settings: list[str]
    sensors: list[str]
    centers: list[list[float]]
    setting_scale: list[float]
    mean: list[list[float]]
    std: list[list[float]]
    window: int = 30
    cap: float = 125.0
    dropped: dict[str, str] = field(default_factory=dict)
    history: bool = False
    health_index: list[float] = field(default_factory=list)
    health_offset: float = 0.0
    feature_mean: list[float] = field(default_factory=list)
    feature_std: list[float] = field(default_factory=list)

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, window: int = 30, cap: float = 125.0, history: bool = False
    ) -> Preprocessing:
        """Learn the preprocessing of ``frame`` (run-to-failure units)."""
        settings = setting_columns(frame)
        candidates = sensor_columns(frame)
        centers, scale = _fit_regimes(frame[settings].to_numpy(float))
        regime = _assign(frame[settings].to_numpy(float), centers, scale)
        values = frame[candidates].to_numpy(float)
        mean, std = _regime_stats(values, regime, len(centers))
        target = rul_target(frame, cap)
        dropped: dict[str, str] = {}
        keep = []
        for j, name in enumerate(candidates):
            if np.all(std[:, j] <= 1e-9 * np.maximum(1.0, np.abs(mean[:, j]))):
                dropped[name] = "constant"
                continue
            z = (values[:, j] - mean[regime, j]) / np.where(std[regime, j] > 0, std[regime, j], 1)
            corr = _correlation(z, target)
            if abs(corr) < MIN_CORRELATION:
                dropped[name] = f"uninformative (|r| = {abs(corr):.3f})"
                continue
            keep.append(j)
        if not keep:
            raise DataError(f"no sensor varies with the remaining life (dropped: {dropped})")
        prep = cls(
            columns=[c for c in frame.columns if c not in ("unit", "cycle")],
            settings=settings,
            sensors=[candidates[j] for j in keep],
            centers=centers.tolist(),
            setting_scale=scale.tolist(),
            mean=mean[:, keep].tolist(),
            std=np.where(std[:, keep] > 0, std[:, keep], 1.0).tolist(),
            window=int(window),
            cap=float(cap),
            dropped=dropped,
        )
        return prep._with_health_index(frame, target) if history else prep

    def _with_health_index(self, frame: pd.DataFrame, target: np.ndarray) -> Preprocessing:
        """A ridge regression of the capped target on the normalised sensors, and the history
        features' training means and sds (to standardise them for a network)."""
        z = self.transform(frame)
        zc = z - z.mean(axis=0)
        coef = np.linalg.solve(
            zc.T @ zc + RIDGE * np.eye(z.shape[1]), zc.T @ (target - target.mean())
        )
        offset = float(target.mean() - z.mean(axis=0) @ coef)
        fitted = replace(self, history=True, health_index=coef.tolist(), health_offset=offset)
        h = np.concatenate(
            [
                fitted.history_features(z[rows], frame["cycle"].to_numpy()[rows])
                for _, rows in _unit_rows(frame)
            ]
        )
        std = h.std(axis=0)
        return replace(
            fitted,
            feature_mean=h.mean(axis=0).tolist(),
            feature_std=np.where(std > 0, std, 1.0).tolist(),
        )

    def history_features(self, z: np.ndarray, cycles: np.ndarray, ends=None) -> np.ndarray:
        """History features of one unit's normalised rows ``z`` at each window end (exclusive).

        ``ends`` defaults to every row from the window's end on (as ``sliding`` gives windows).
        """
        if ends is None:
            ends = np.arange(min(self.window, len(z)), len(z) + 1)
        ends = np.asarray(ends, dtype=int)
        hi = z @ np.asarray(self.health_index) + self.health_offset
        sums = np.r_[0.0, np.cumsum(hi)]
        t = np.arange(len(hi), dtype=float)
        moments = [np.r_[0.0, np.cumsum(v)] for v in (t, t * t, t * hi)]
        cols = []
        for n in LEVELS:
            start = np.maximum(ends - n, 0)
            cols.append((sums[ends] - sums[start]) / (ends - start))
        for n in SLOPES:
            start = np.maximum(ends - n, 0)
            m = ends - start
            st, stt, sth = (c[ends] - c[start] for c in moments)
            sh = sums[ends] - sums[start]
            var = stt - st * st / m
            cols.append(np.where(var > 0, (sth - st * sh / m) / np.where(var > 0, var, 1), 0.0))
        first = np.minimum(ends, BASELINE)  # the baseline so far: no look-ahead
        cols.append(sums[first] / first)
        cols.append(np.asarray(cycles, float)[ends - 1])
        return np.stack(cols, axis=1)

    def scaled(self, h: np.ndarray) -> np.ndarray:
        """History features standardised by their training means and sds."""
        return (h - np.asarray(self.feature_mean)) / np.asarray(self.feature_std)

    def to_dict(self) -> dict:
        """The preprocessing as JSON-ready data (the model card's ``normalisation``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Preprocessing:
        """Inverse of ``to_dict``."""
        return cls(**data)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The normalised chosen sensors of every row, shape (rows, sensors)."""
        settings = frame[self.settings].to_numpy(float)
        regime = _assign(settings, np.asarray(self.centers), np.asarray(self.setting_scale))
        values = frame[self.sensors].to_numpy(float)
        return (values - np.asarray(self.mean)[regime]) / np.asarray(self.std)[regime]

    def train_windows(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every full window of every unit, its capped target and its unit: (X, y, units)."""
        x, _, y, units = self.train_samples(frame)
        return x, y, units

    def train_samples(self, frame: pd.DataFrame):
        """Every window of every unit with its history features (``None`` without), its
        capped target and its unit: (X, H, y, units)."""
        z = self.transform(frame)
        target = rul_target(frame, self.cap)
        cycles = frame["cycle"].to_numpy()
        xs, hs, ys, us = [], [], [], []
        for unit, rows in _unit_rows(frame):
            if self.history:
                hs.append(self.history_features(z[rows], cycles[rows]))
            if len(rows) < self.window:
                rows = np.concatenate([np.full(self.window - len(rows), rows[0]), rows])
            xs.append(sliding(z[rows], self.window))
            ys.append(target[rows][self.window - 1 :])
            us.append(np.full(len(ys[-1]), unit))
        h = np.concatenate(hs) if self.history else None
        return np.concatenate(xs), h, np.concatenate(ys), np.concatenate(us)

    def last_windows(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The last window of every unit: (X, units, cycles seen); short units are padded.

        A unit with fewer cycles than the window is padded at the front with its first row
        (the common practice on C-MAPSS test files, whose shortest unit has 31 cycles).
        """
        x, _, units, seen = self.last_samples(frame)
        return x, units, seen

    def last_samples(self, frame: pd.DataFrame):
        """The last window of every unit and its history features: (X, H, units, seen)."""
        z = self.transform(frame)
        if self.history and "cycle" not in frame.columns:
            raise DataError("a model with history features needs the 'cycle' column")
        cycles = frame["cycle"].to_numpy() if "cycle" in frame.columns else None
        xs, hs, units, seen = [], [], [], []
        for unit, rows in _unit_rows(frame):
            xs.append(self.last_window(z[rows]))
            if self.history:
                hs.append(self.history_features(z[rows], cycles[rows], [len(rows)])[0])
            units.append(unit)
            seen.append(len(rows))
        h = np.stack(hs) if self.history else None
        return np.stack(xs), h, np.asarray(units), np.asarray(seen)

    def last_window(self, z: np.ndarray) -> np.ndarray:
        """The last ``window`` rows of ``z``, padded at the front with its first row."""
        tail = z[-self.window :]
        if len(tail) < self.window:
            tail = np.concatenate([np.repeat(tail[:1], self.window - len(tail), axis=0), tail])
        return tail


def sliding(z: np.ndarray, window: int) -> np.ndarray:
    """All windows of ``window`` consecutive rows of ``z``: shape (rows - window + 1, window, f)."""
    view = np.lib.stride_tricks.sliding_window_view(z, window, axis=0)
    return np.ascontiguousarray(view.transpose(0, 2, 1))


def _unit_rows(frame: pd.DataFrame):
    units = frame["unit"].to_numpy()
    starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
    ends = np.r_[starts[1:], len(units)]
    for start, end in zip(starts, ends, strict=True):
        yield int(units[start]), np.arange(start, end)


def _fit_regimes(settings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cluster centres of the operating settings: one regime unless the settings form clusters.

    k-means for k = 2..8 in standardised settings; the smallest k that leaves under 0.1% of the
    total spread is taken (FD002's six flight conditions leave ~0.01%).
    """
    if settings.shape[1] == 0:
        return np.zeros((1, 0)), np.ones(0)
    scale = settings.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = settings / scale
    total = ((z - z.mean(axis=0)) ** 2).sum()
    if total <= 0:
        return z.mean(axis=0, keepdims=True) * scale, scale
    from sklearn.cluster import KMeans

    sample = z[:: max(1, len(z) // 5000)]
    spread = total * len(sample) / len(z)
    for k in range(2, MAX_REGIMES + 1):
        km = KMeans(n_clusters=k, n_init=3, random_state=0).fit(sample)
        if km.inertia_ < 0.001 * spread:
            return km.cluster_centers_ * scale, scale
    return z.mean(axis=0, keepdims=True) * scale, scale


def _assign(settings: np.ndarray, centers: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The regime of every row: the nearest centre in standardised settings."""
    if len(centers) <= 1:
        return np.zeros(len(settings), dtype=int)
    d = ((settings[:, None, :] - centers[None]) / scale) ** 2
    return d.sum(axis=2).argmin(axis=1)


def _regime_stats(values: np.ndarray, regime: np.ndarray, k: int):
    mean = np.zeros((k, values.shape[1]))
    std = np.zeros((k, values.shape[1]))
    for r in range(k):
        rows = values[regime == r]
        if len(rows):
            mean[r], std[r] = rows.mean(axis=0), rows.std(axis=0)
    return mean, std


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])
