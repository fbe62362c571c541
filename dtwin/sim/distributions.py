"""Probability distributions of the factory config and fast samplers for them.

Every distribution is a small pydantic model tagged by ``dist``; :func:`sampler` turns one
into a zero-argument callable bound to a ``random.Random`` stream, which is the cheapest way
to draw one number at a time in CPython (the hot path of the simulation).

Every time is a finite number of minutes in ``[0, MAX_TIME]``; shapes that put almost every
draw near 0 while keeping a large mean (a Weibull shape below 0.1, a lognormal whose std is
more than 10 times its mean) are refused, so that the mean says how often a distribution
fires (see ``data/factories/README.md``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

MAX_TIME = 1e9  # minutes (about 1900 years): the largest time any distribution may give
MIN_WEIBULL_SHAPE = 0.1
MAX_WEIBULL_SHAPE = 100.0
MAX_LOGNORMAL_CV = 10.0  # std / mean

Time = Annotated[float, Field(ge=0, le=MAX_TIME)]
PositiveTime = Annotated[float, Field(gt=0, le=MAX_TIME)]

DIST_NAMES = (
    "fixed",
    "exponential",
    "normal",
    "lognormal",
    "triangular",
    "uniform",
    "weibull",
    "empirical",
)


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @property
    def mean_value(self) -> float:
        """Expected value of the distribution (used as the ideal cycle time for OEE)."""
        raise NotImplementedError


class Fixed(_Dist):
    """A constant: ``{dist: fixed, value: 2.0}``."""

    dist: Literal["fixed"] = "fixed"
    value: Time

    @property
    def mean_value(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with the given mean: ``{dist: exponential, mean: 1.5}``."""

    dist: Literal["exponential"]
    mean: PositiveTime

    @property
    def mean_value(self) -> float:
        return self.mean


class Normal(_Dist):
    """Normal, truncated at 0 by resampling: ``{dist: normal, mean: 2, std: 0.2}``."""

    dist: Literal["normal"]
    mean: PositiveTime
    std: Time

    @property
    def mean_value(self) -> float:
        return self.mean


class Lognormal(_Dist):
    """Lognormal given the mean and std of the variable itself (not of its log)."""

    dist: Literal["lognormal"]
    mean: PositiveTime
    std: Time

    @model_validator(mode="after")
    def _spread(self) -> Lognormal:
        if self.std > MAX_LOGNORMAL_CV * self.mean:
            raise ValueError(
                f"std {self.std:g} is more than {MAX_LOGNORMAL_CV:g} x the mean {self.mean:g} "
                f"(almost every draw would be near 0); valid: std <= {MAX_LOGNORMAL_CV:g} x mean"
            )
        return self

    @property
    def mean_value(self) -> float:
        return self.mean


class Triangular(_Dist):
    """Triangular: ``{dist: triangular, low: 1, mode: 2, high: 4}``."""

    dist: Literal["triangular"]
    low: Time
    mode: Time
    high: Time

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    @property
    def mean_value(self) -> float:
        return (self.low + self.mode + self.high) / 3.0


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: Time
    high: Time

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"need low <= high, got {self.low} > {self.high}")
        return self

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2.0


class Weibull(_Dist):
    """Weibull with ``shape`` k and ``scale`` lambda (mean = scale * Gamma(1 + 1/k))."""

    dist: Literal["weibull"]
    shape: float = Field(ge=MIN_WEIBULL_SHAPE, le=MAX_WEIBULL_SHAPE)
    scale: PositiveTime

    @property
    def mean_value(self) -> float:
        return self.scale * math.gamma(1.0 + 1.0 / self.shape)


class Empirical(_Dist):
    """Resampling of observed values, optionally weighted."""

    dist: Literal["empirical"]
    values: list[Time] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0, le=1e12)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights has {len(self.weights)} entries, values has {len(self.values)}"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be 0")
        return self

    @property
    def mean_value(self) -> float:
        if self.weights is None:
            return sum(self.values) / len(self.values)
        return sum(v * w for v, w in zip(self.values, self.weights, strict=True)) / sum(
            self.weights
        )


def _coerce_number(value: Any) -> Any:
    """Let a bare number stand for a fixed time: ``process_time: 2.5``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


Distribution = Annotated[
    Fixed | Exponential | Normal | Lognormal | Triangular | Uniform | Weibull | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(_coerce_number),
]


def sampler(dist: _Dist, rng: random.Random) -> Callable[[], float]:
    """Return a zero-argument function drawing from ``dist`` with the stream ``rng``."""
    if isinstance(dist, Fixed):
        value = dist.value
        return lambda: value
    if isinstance(dist, Exponential):
        rate = 1.0 / dist.mean
        expo = rng.expovariate
        return lambda: expo(rate)
    if isinstance(dist, Normal):
        mu, sd, gauss = dist.mean, dist.std, rng.gauss

        def normal() -> float:
            x = gauss(mu, sd)
            while x < 0.0:  # truncate at 0 by resampling
                x = gauss(mu, sd)
            return x

        return normal
    if isinstance(dist, Lognormal):
        if dist.std == 0:
            value = dist.mean
            return lambda: value
        s2 = math.log(1.0 + (dist.std / dist.mean) ** 2)
        mu, sigma, logn = math.log(dist.mean) - s2 / 2.0, math.sqrt(s2), rng.lognormvariate
        return lambda: logn(mu, sigma)
    if isinstance(dist, Triangular):
        low, high, mode, tri = dist.low, dist.high, dist.mode, rng.triangular
        return lambda: tri(low, high, mode)
    if isinstance(dist, Uniform):
        low, high, uni = dist.low, dist.high, rng.uniform
        return lambda: uni(low, high)
    if isinstance(dist, Weibull):
        scale, shape, wei = dist.scale, dist.shape, rng.weibullvariate
        return lambda: wei(scale, shape)
    if isinstance(dist, Empirical):
        values = list(dist.values)
        if dist.weights is None:
            choice = rng.choice
            return lambda: choice(values)
        cum, total = [], 0.0
        for w in dist.weights:
            total += w
            cum.append(total)
        choices = rng.choices
        return lambda: choices(values, cum_weights=cum)[0]
    raise TypeError(f"unknown distribution {dist!r}; valid: {', '.join(DIST_NAMES)}")
