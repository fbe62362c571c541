"""Split conformal prediction intervals, one band per range of the predicted value.

Residuals of a model on held-out calibration data (units the model never saw) give the interval
half-width: the ``ceil((n + 1)(1 - alpha)) / n`` quantile of the absolute residuals has coverage
of at least ``1 - alpha`` for exchangeable new points. Errors of a RUL model grow with the
remaining life, so the residuals are split by predicted value (Mondrian conformal prediction):
each band keeps its own quantile and the interval is narrow near failure.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from dtwin.errors import ConfigError

MIN_PER_BAND = 30  # fewer calibration points than this and a band merges into its neighbour


@dataclass(frozen=True)
class ConformalBands:
    """Half-widths per band of predictions (``edges[i] <= prediction < edges[i+1]``)."""

    alpha: float
    edges: list[float]
    half_widths: list[float]
    counts: list[int]

    @classmethod
    def fit(
        cls,
        predicted: np.ndarray,
        true: np.ndarray,
        alpha: float = 0.1,
        edges: list[float] | None = None,
    ) -> ConformalBands:
        """Half-widths from calibration predictions and truths (one band without ``edges``)."""
        if not 0 < alpha < 1:
            raise ConfigError(f"alpha {alpha!r} must lie strictly between 0 and 1")
        predicted = np.asarray(predicted, float)
        residual = np.abs(np.asarray(true, float) - predicted)
        if len(residual) == 0:
            raise ConfigError("conformal calibration needs at least one calibration point")
        cuts = _merge_sparse([-math.inf, *(edges or []), math.inf], predicted)
        widths, counts = [], []
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            inside = residual[(predicted >= lo) & (predicted < hi)]
            widths.append(conformal_quantile(inside, alpha))
            counts.append(int(len(inside)))
        return cls(float(alpha), [float(c) for c in cuts], widths, counts)

    def interval(self, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)`` around each prediction."""
        predicted = np.asarray(predicted, float)
        band = np.searchsorted(np.asarray(self.edges), predicted, side="right") - 1
        band = np.clip(band, 0, len(self.half_widths) - 1)
        width = np.asarray(self.half_widths)[band]
        return predicted - width, predicted + width

    def to_dict(self) -> dict:
        """JSON-ready (infinite edges become ``None``)."""
        data = asdict(self)
        data["edges"] = [e if math.isfinite(e) else None for e in self.edges]
        data["half_widths"] = [w if math.isfinite(w) else None for w in self.half_widths]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ConformalBands:
        """Inverse of ``to_dict``."""
        edges = [
            (-math.inf if i == 0 else math.inf) if e is None else float(e)
            for i, e in enumerate(data["edges"])
        ]
        widths = [math.inf if w is None else float(w) for w in data["half_widths"]]
        return cls(float(data["alpha"]), edges, widths, [int(c) for c in data["counts"]])


def conformal_quantile(residuals: np.ndarray, alpha: float) -> float:
    """The finite-sample split-conformal quantile of absolute residuals (inf when too few)."""
    n = len(residuals)
    rank = math.ceil((n + 1) * (1 - alpha))
    if n == 0 or rank > n:
        return math.inf
    return float(np.sort(residuals)[rank - 1])


def _merge_sparse(cuts: list[float], predicted: np.ndarray) -> list[float]:
    """Drop inner edges until every band holds ``MIN_PER_BAND`` points (or one band is left)."""
    cuts = list(cuts)
    while len(cuts) > 2:
        counts = [
            int(((predicted >= lo) & (predicted < hi)).sum())
            for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)
        ]
        sparse = int(np.argmin(counts))
        if counts[sparse] >= MIN_PER_BAND:
            break
        del cuts[sparse + 1 if sparse + 1 < len(cuts) - 1 else sparse]
    return cuts
