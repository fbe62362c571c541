"""Remaining times: a draw of a distribution given that it has already lasted ``elapsed``.

A warm start (:mod:`dtwin.sim.warmstart`) resumes operations, repairs and services that
began before the plant's state was taken: the time left is ``X - elapsed`` with ``X`` drawn
from the distribution *conditioned on* ``X > elapsed`` (not the full time less the elapsed,
which would end many operations at once). Every family of :mod:`dtwin.sim.distributions`
is conditioned exactly, by inverting its distribution function on ``(F(elapsed), 1)``;
where nothing of the distribution lies beyond ``elapsed`` (a fixed time already over, a
uniform past its end) the time left is :data:`MIN_REMAINING`.
"""

from __future__ import annotations

import math
import random
from statistics import NormalDist

from dtwin.sim.distributions import (
    Empirical,
    Exponential,
    Fixed,
    Lognormal,
    Normal,
    Triangular,
    Uniform,
    Weibull,
)

#: minutes left of an operation that, by its distribution, should already be over
MIN_REMAINING = 1e-6
# the largest F(elapsed) inverted; beyond it the tail is treated as used up
_TOP = 1.0 - 1e-12
_UNIT = NormalDist()

__all__ = ["MIN_REMAINING", "remaining_time"]


def remaining_time(dist: object, elapsed: float, rng: random.Random) -> float:
    """Minutes left of a time drawn from ``dist`` that has lasted ``elapsed`` minutes already.

    ``elapsed <= 0`` gives a plain draw. The result is at least :data:`MIN_REMAINING`.
    """
    elapsed = max(float(elapsed), 0.0)
    total = _conditional(dist, elapsed, rng)
    return max(total - elapsed, MIN_REMAINING)


def _conditional(dist: object, e: float, rng: random.Random) -> float:
    """A draw of ``dist`` given that it exceeds ``e`` (``e`` itself when nothing does)."""
    if isinstance(dist, Fixed):
        return dist.value
    if isinstance(dist, Exponential):
        return e + rng.expovariate(1.0 / dist.mean)  # memoryless
    if isinstance(dist, Weibull):
        # (X / scale) ** shape - (e / scale) ** shape is Exp(1) given X > e
        k, scale = dist.shape, dist.scale
        return scale * ((e / scale) ** k + rng.expovariate(1.0)) ** (1.0 / k)
    if isinstance(dist, Uniform):
        low = max(dist.low, e)
        return rng.uniform(low, dist.high) if low < dist.high else e
    if isinstance(dist, Triangular):
        return _triangular(dist, e, rng)
    if isinstance(dist, Lognormal):
        return _lognormal(dist, e, rng)
    if isinstance(dist, Normal):
        return _normal(dist, e, rng)
    if isinstance(dist, Empirical):
        return _empirical(dist, e, rng)
    raise TypeError(f"unknown distribution {dist!r}")


def _above(p: float, rng: random.Random) -> float | None:
    """A uniform draw on ``(p, 1)``; None when ``p`` leaves no room."""
    if p >= _TOP:
        return None
    return p + rng.random() * (_TOP - p)


def _triangular(dist: Triangular, e: float, rng: random.Random) -> float:
    a, c, b = dist.low, dist.mode, dist.high
    if b <= a:
        return a
    if e <= a:
        return rng.triangular(a, b, c)
    if e >= b:
        return e
    left = (e - a) ** 2 / ((b - a) * (c - a)) if e <= c else None
    cdf = left if left is not None else 1.0 - (b - e) ** 2 / ((b - a) * (b - c))
    u = _above(cdf, rng)
    if u is None:
        return e
    split = (c - a) / (b - a)
    if u <= split:
        return a + math.sqrt(u * (b - a) * (c - a))
    return b - math.sqrt((1.0 - u) * (b - a) * (b - c))


def _lognormal(dist: Lognormal, e: float, rng: random.Random) -> float:
    if dist.std == 0:
        return dist.mean
    s2 = math.log(1.0 + (dist.std / dist.mean) ** 2)
    mu, sigma = math.log(dist.mean) - s2 / 2.0, math.sqrt(s2)
    if e <= 0:
        return rng.lognormvariate(mu, sigma)
    u = _above(_UNIT.cdf((math.log(e) - mu) / sigma), rng)
    return e if u is None else math.exp(mu + sigma * _UNIT.inv_cdf(u))


def _normal(dist: Normal, e: float, rng: random.Random) -> float:
    if dist.std == 0:
        return dist.mean
    law = NormalDist(dist.mean, dist.std)
    u = _above(law.cdf(max(e, 0.0)), rng)  # the engine truncates its normals at 0
    return e if u is None else law.inv_cdf(u)


def _empirical(dist: Empirical, e: float, rng: random.Random) -> float:
    weights = dist.weights or [1.0] * len(dist.values)
    later = [(v, w) for v, w in zip(dist.values, weights, strict=True) if v > e and w > 0]
    if not later:
        return e
    values, kept = zip(*later, strict=True)
    return rng.choices(values, weights=kept)[0]
