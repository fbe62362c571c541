"""The NASA score, RMSE and split-conformal intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dtwin.errors import ConfigError
from dtwin.health import ConformalBands, coverage, nasa_score, rmse


def test_nasa_score_by_hand() -> None:
    true = np.array([50.0, 50.0, 50.0])
    predicted = np.array([37.0, 60.0, 50.0])  # 13 early, 10 late, exact
    assert nasa_score(predicted, true) == pytest.approx((math.e - 1) + (math.e - 1))
    assert nasa_score([40.0], [50.0]) < nasa_score([60.0], [50.0])  # late costs more
    assert rmse(predicted, true) == pytest.approx(math.sqrt((169 + 100) / 3))


def test_split_conformal_covers_new_points() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 125, 6000)
    noise = rng.normal(0, 2 + 0.1 * x)  # errors grow with the remaining life
    predicted, true = x, x + noise
    bands = ConformalBands.fit(predicted[:3000], true[:3000], alpha=0.1, edges=[25, 50, 75, 100])
    lo, hi = bands.interval(predicted[3000:])
    assert 0.88 <= coverage(true[3000:], lo, hi) <= 0.93
    assert bands.half_widths[0] < bands.half_widths[-1]
    back = ConformalBands.from_dict(bands.to_dict())
    assert back == bands


def test_conformal_with_few_points_merges_bands_and_never_under_covers() -> None:
    bands = ConformalBands.fit(np.array([10.0, 90.0]), np.array([12.0, 80.0]), 0.1, [50.0])
    assert len(bands.half_widths) == 1 and bands.half_widths[0] == math.inf
    assert ConformalBands.from_dict(bands.to_dict()).half_widths == [math.inf]
    with pytest.raises(ConfigError, match="alpha"):
        ConformalBands.fit(np.ones(3), np.ones(3), alpha=1.5)


def test_error_by_life_per_band():
    from dtwin.health import LIFE_BANDS, error_by_life

    true = np.array([5.0, 8.0, 20.0, 100.0])
    pred = np.array([7.0, 8.0, 10.0, 100.0])
    rows = error_by_life(pred, true, pred - 1.0, pred + 1.0)
    assert [r["true_rul"] for r in rows] == [f"{a}-{b}" for a, b in LIFE_BANDS]
    assert [r["windows"] for r in rows] == [2, 1, 0, 1]
    assert rows[0]["rmse"] == pytest.approx(np.sqrt(2.0)) and rows[0]["bias"] == 1.0
    assert rows[0]["coverage"] == 0.5 and rows[1]["rmse"] == 10.0 and rows[3]["coverage"] == 1.0
