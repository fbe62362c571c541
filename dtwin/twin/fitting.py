"""Fitting a time distribution to samples: candidates by maximum likelihood, chosen by AIC.

Every candidate is fitted with ``scipy.stats`` (``fit``: maximum likelihood) with its location
at 0 where dtwin's syntax has none (exponential, lognormal, gamma, Weibull), and ranked by
AIC = 2k - 2 log L. The chosen one is the best candidate that dtwin's distribution syntax
(``dtwin.sim`` config, ``data/factories/README.md``) can write; **gamma** has no such syntax,
so it is fitted and ranked (a gamma that beats the chosen one says so) but never chosen. A
sample whose values are all equal (to :data:`FIXED_TOLERANCE`) is ``fixed``. The
Kolmogorov–Smirnov p-value uses the fitted parameters, so it is optimistic (Lilliefors);
read it as a screen, not a test. Samples beyond :data:`MAX_FIT_SAMPLES` are fitted on a
seeded random subset; the mean and its 95% Student-t interval use them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: samples beyond this many are fitted on a seeded random subset (means use them all)
MAX_FIT_SAMPLES = 20_000
#: samples this close together (relative to their mean) are one fixed time: a net process
#: time is a difference of clock times, equal ones differ in their last bits
FIXED_TOLERANCE = 1e-9
MAX_WEIBULL_SHAPE = 100.0
MIN_WEIBULL_SHAPE = 0.1
MAX_LOGNORMAL_CV = 10.0


@dataclass(frozen=True)
class Candidate:
    """A family to fit: its ``scipy.stats`` name, fixed arguments and dtwin's spelling."""

    name: str
    scipy_name: str
    fixed: dict[str, float]
    to_dtwin: Callable[[tuple[float, ...]], dict[str, Any] | None] | None


def _exponential(p: tuple[float, ...]) -> dict[str, Any] | None:
    return {"dist": "exponential", "mean": p[1]} if p[1] > 0 else None


def _lognormal(p: tuple[float, ...]) -> dict[str, Any] | None:
    sigma, scale = p[0], p[2]
    mean = scale * math.exp(sigma**2 / 2)
    std = mean * math.sqrt(math.expm1(sigma**2))
    ok = math.isfinite(std) and mean > 0 and std <= MAX_LOGNORMAL_CV * mean
    return {"dist": "lognormal", "mean": mean, "std": std} if ok else None


def _weibull(p: tuple[float, ...]) -> dict[str, Any] | None:
    ok = MIN_WEIBULL_SHAPE <= p[0] <= MAX_WEIBULL_SHAPE and p[2] > 0
    return {"dist": "weibull", "shape": p[0], "scale": p[2]} if ok else None


def _triangular(p: tuple[float, ...]) -> dict[str, Any] | None:
    c, low, width = p
    if low < 0:
        return None  # dtwin's times are >= 0; a triangle reaching below 0 cannot be written
    return {"dist": "triangular", "low": low, "mode": low + c * width, "high": low + width}


def _uniform(p: tuple[float, ...]) -> dict[str, Any] | None:
    return {"dist": "uniform", "low": p[0], "high": p[0] + p[1]} if p[0] >= 0 else None


#: the candidates, in the order they are tried (ties in AIC keep this order)
CANDIDATES = (
    Candidate("exponential", "expon", {"floc": 0.0}, _exponential),
    Candidate("lognormal", "lognorm", {"floc": 0.0}, _lognormal),
    Candidate("gamma", "gamma", {"floc": 0.0}, None),  # no gamma in dtwin's syntax
    Candidate("weibull", "weibull_min", {"floc": 0.0}, _weibull),
    Candidate("triangular", "triang", {}, _triangular),
    Candidate("uniform", "uniform", {}, _uniform),
)
#: families whose density is 0 or undefined at 0 (a sample with a 0 cannot be fitted)
POSITIVE_ONLY = {"lognormal", "gamma", "weibull"}


def mean_ci(x: np.ndarray) -> tuple[float, list[float] | None]:
    """The mean and its 95% Student-t confidence interval (None below 2 samples)."""
    from scipy import stats

    mean = float(np.mean(x))
    if len(x) < 2:
        return mean, None
    half = float(stats.t.ppf(0.975, len(x) - 1) * np.std(x, ddof=1) / math.sqrt(len(x)))
    return mean, [mean - half, mean + half]


def fit_distribution(samples: Any, seed: int = 0) -> dict[str, Any]:
    """Fit every candidate to ``samples`` and choose one; a JSON-ready report.

    Returns ``n``, ``mean``, ``ci95``, ``distribution`` (dtwin syntax), ``chosen``, ``aic``,
    ``ks_p`` and ``candidates`` (every fitted family by AIC, with ``aic``, ``ks_p``,
    ``writable`` and ``distribution`` where writable).
    """
    x = np.asarray(samples, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        raise ValueError("no samples to fit")
    mean, ci = mean_ci(x)
    report: dict[str, Any] = {"n": int(len(x)), "mean": mean, "ci95": ci}
    if np.ptp(x) <= FIXED_TOLERANCE * max(1.0, abs(mean)):
        fixed = {"dist": "fixed", "value": mean}
        return report | {
            "distribution": fixed,
            "chosen": "fixed",
            "aic": None,
            "ks_p": None,
            "candidates": [],
        }
    if len(x) > MAX_FIT_SAMPLES:
        x = np.random.default_rng(seed).choice(x, MAX_FIT_SAMPLES, replace=False)
    ranked = sorted(_fit_all(x), key=lambda c: c["aic"])
    writable = [c for c in ranked if c["writable"]]
    if not writable:
        raise ValueError("no candidate distribution fits these samples")
    best = writable[0]
    report.update(distribution=best["distribution"], chosen=best["name"], aic=best["aic"])
    report.update(ks_p=best["ks_p"], candidates=ranked)
    if ranked[0] is not best:
        report["note"] = (
            f"{ranked[0]['name']} fits better (AIC {ranked[0]['aic']:.1f}) but dtwin cannot "
            f"write it; chose {best['name']}"
        )
    return report


def _fit_all(x: np.ndarray) -> list[dict[str, Any]]:
    """Every candidate that fits ``x`` (finite log-likelihood), unranked."""
    import warnings

    from scipy import stats

    out = []
    for cand in CANDIDATES:
        if cand.name in POSITIVE_ONLY and x.min() <= 0:
            continue
        family = getattr(stats, cand.scipy_name)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            params = tuple(float(v) for v in family.fit(x, **cand.fixed))
            loglik = float(np.sum(family.logpdf(x, *params)))
            ks_p = float(stats.kstest(x, family.cdf, args=params).pvalue)
        if not math.isfinite(loglik):
            continue
        dist = cand.to_dtwin(params) if cand.to_dtwin else None
        k = len(params) - len(cand.fixed)
        out.append(
            {
                "name": cand.name,
                "aic": 2 * k - 2 * loglik,
                "ks_p": ks_p,
                "writable": dist is not None,
                "distribution": dist,
            }
        )
    return out
