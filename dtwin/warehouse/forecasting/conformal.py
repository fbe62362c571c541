"""Split-conformal prediction intervals from out-of-sample forecast errors, and value bounds."""

from __future__ import annotations

import math

import numpy as np

Bounds = tuple[float | None, float | None]


def min_calibration(coverage: float) -> int:
    """Fewest residuals whose order statistics give a two-sided ``coverage`` interval.

    Each tail may hold at most (1 - coverage) / 2 of the mass; with n residuals the lower
    end is the floor((n + 1) * tail)-th smallest, which exists from n = 1 / tail - 1 on
    (19 residuals for 90%).
    """
    tail = (1.0 - coverage) / 2.0
    return max(1, math.ceil(1.0 / tail - 1.0 - 1e-9))


def conformal_offsets(residuals: np.ndarray, coverage: float) -> tuple[float, float, bool]:
    """Offsets ``(lo, hi)`` to add to a point forecast for a ``coverage`` interval.

    ``residuals`` are signed out-of-sample errors (actual - forecast) at one horizon. The
    offsets are the finite-sample conformal order statistics of each tail, so the interval
    may be asymmetric (a biased or skewed model gets a shifted interval). With fewer than
    :func:`min_calibration` residuals the offsets are the smallest and largest residual and
    the flag is False: the interval exists but cannot promise ``coverage``.
    """
    r = np.sort(np.asarray(residuals, dtype=float)[np.isfinite(residuals)])
    n = r.size
    if n == 0:
        return float("nan"), float("nan"), False
    tail = (1.0 - coverage) / 2.0
    k_lo = math.floor((n + 1) * tail + 1e-9)
    k_hi = math.ceil((n + 1) * (1.0 - tail) - 1e-9)
    if k_lo < 1 or k_hi > n:
        return float(r[0]), float(r[-1]), False
    return float(r[k_lo - 1]), float(r[k_hi - 1]), True


def clip(values: np.ndarray | float, bounds: Bounds) -> np.ndarray:
    """``values`` held inside ``bounds`` (None leaves that side open); NaN stays NaN."""
    lower, upper = bounds
    out = np.asarray(values, dtype=float)
    if lower is not None:
        out = np.where(out < lower, lower, out)
    if upper is not None:
        out = np.where(out > upper, upper, out)
    return out
