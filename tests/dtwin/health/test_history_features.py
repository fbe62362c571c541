"""History features: hand-computed values, no look-ahead, a monotone health index, scaling."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dtwin.health.windows import BASELINE, HISTORY_FEATURES, Preprocessing


def _identity_prep(window: int = 3) -> Preprocessing:
    """One sensor whose health index is the sensor itself (coefficient 1, offset 0)."""
    return Preprocessing(
        columns=["s_1"],
        settings=[],
        sensors=["s_1"],
        centers=[[]],
        setting_scale=[],
        mean=[[0.0]],
        std=[[1.0]],
        window=window,
        history=True,
        health_index=[1.0],
        health_offset=0.0,
    )


def _by_hand(hi: np.ndarray, cycles: np.ndarray, end: int) -> list[float]:
    """The history features at one window end, written out loop by loop."""
    row = []
    for n in (5, 10, 30, 60, 120):
        row.append(float(np.mean(hi[max(end - n, 0) : end])))
    for n in (30, 60, 120):
        seg = hi[max(end - n, 0) : end]
        t = np.arange(len(seg), dtype=float)
        row.append(float(np.polyfit(t, seg, 1)[0]) if len(seg) > 1 else 0.0)
    row.append(float(np.mean(hi[: min(end, BASELINE)])))
    row.append(float(cycles[end - 1]))
    return row


def test_values_match_a_hand_computation() -> None:
    prep = _identity_prep(window=3)
    hi = np.array([5.0, 4.0, 6.0, 3.0, 2.0, 2.5, 1.0, 0.0])
    cycles = np.arange(11, 19)  # cycle numbers need not start at 1
    h = prep.history_features(hi[:, None], cycles)
    assert h.shape == (len(hi) - 3 + 1, len(HISTORY_FEATURES))
    expected = [_by_hand(hi, cycles, end) for end in range(3, len(hi) + 1)]
    np.testing.assert_allclose(h, expected, rtol=1e-12, atol=1e-12)
    # spot checks that need no helper: last row's 5-cycle mean and its age
    assert h[-1, 0] == pytest.approx(np.mean([3.0, 2.0, 2.5, 1.0, 0.0]))
    assert h[-1, -1] == 18
    # a straight line has its own slope over every span
    line = prep.history_features((2.0 - 0.5 * np.arange(40.0))[:, None], np.arange(1, 41))
    np.testing.assert_allclose(line[:, 5:8], -0.5, rtol=1e-9)


@pytest.mark.parametrize("window", [3, 30])
def test_no_look_ahead(window: int) -> None:
    """Changing later cycles leaves the features of every earlier window end unchanged."""
    prep = _identity_prep(window=window)
    rng = np.random.default_rng(0)
    hi = rng.normal(size=150)
    cycles = np.arange(1, 151)
    before = prep.history_features(hi[:, None], cycles)
    for cut in (10, 25, 100):  # below and above the 20-cycle baseline
        changed = hi.copy()
        changed[cut:] += rng.normal(scale=10.0, size=len(hi) - cut)
        after = prep.history_features(changed[:, None], cycles)
        rows = np.arange(window, 151) <= cut  # window ends that see only cycles < cut
        if not rows.any():
            continue
        np.testing.assert_array_equal(after[rows], before[rows])
        assert not np.allclose(after[~rows], before[~rows])
    # the features at an end equal those of the history truncated there (what a live twin sees)
    for end in sorted({window, window + 9, 19, 20, 77} - set(range(window))):
        live = prep.history_features(hi[:end, None], cycles[:end], [end])
        np.testing.assert_array_equal(live[0], before[end - window])


def _degrading_frame(units: int = 6, seed: int = 0) -> pd.DataFrame:
    """Units whose one informative sensor rises without noise as they wear out."""
    rng = np.random.default_rng(seed)
    parts = []
    for unit in range(1, units + 1):
        life = int(rng.integers(150, 260))
        cycle = np.arange(1, life + 1)
        wear = np.exp(3.0 * cycle / life)
        parts.append(
            pd.DataFrame(
                {
                    "unit": unit,
                    "cycle": cycle,
                    "setting_1": 0.0,
                    "s_1": 640.0 + wear,
                    "s_2": 1.0,  # constant: dropped
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_health_index_is_monotone_in_degradation() -> None:
    frame = _degrading_frame()
    prep = Preprocessing.fit(frame, window=30, history=True)
    assert prep.history and prep.sensors == ["s_1"] and "s_2" in prep.dropped
    assert prep.health_index[0] < 0  # more wear, less life left
    for _, unit in frame.groupby("unit"):
        hi = prep.transform(unit) @ np.asarray(prep.health_index) + prep.health_offset
        assert np.all(np.diff(hi) < 0)
        assert hi[0] > hi[-1] + 50  # spans most of the 125-cycle target range


def test_health_index_on_turbofan_units(engines) -> None:
    """With noisy sensors the index falls with age: end of life well below the start."""
    prep = Preprocessing.fit(engines.train, window=30, history=True)
    for _, unit in engines.train.groupby("unit"):
        hi = prep.transform(unit) @ np.asarray(prep.health_index) + prep.health_offset
        assert hi[-10:].mean() < hi[:30].mean() - 40
        assert np.corrcoef(hi, unit["cycle"])[0, 1] < -0.6


def test_with_health_index_stores_training_feature_stats(engines) -> None:
    frame = engines.train
    plain = Preprocessing.fit(frame, window=30)
    fitted = Preprocessing.fit(frame, window=30, history=True)
    assert not plain.history and plain.health_index == [] and plain.feature_mean == []
    assert fitted.sensors == plain.sensors and fitted.mean == plain.mean
    assert len(fitted.health_index) == len(fitted.sensors)
    assert len(fitted.feature_mean) == len(fitted.feature_std) == len(HISTORY_FEATURES)
    _, h, y, _ = fitted.train_samples(frame)
    assert h.shape == (len(y), len(HISTORY_FEATURES))
    np.testing.assert_allclose(fitted.feature_mean, h.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(fitted.feature_std, h.std(axis=0), rtol=1e-9)
    s = fitted.scaled(h)
    np.testing.assert_allclose(s.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(s.std(axis=0), 1.0, rtol=1e-9)
    # the index is a least-squares fit: on the training rows it tracks the capped target
    hi = fitted.transform(frame) @ np.asarray(fitted.health_index) + fitted.health_offset
    from dtwin.health.windows import rul_target

    target = rul_target(frame, fitted.cap)
    assert np.corrcoef(hi, target)[0, 1] > 0.8
    assert abs(hi.mean() - target.mean()) < 1e-6
    # plain data: survives the model card's JSON round trip
    assert Preprocessing.from_dict(fitted.to_dict()) == fitted


def test_scaled_uses_the_stored_stats() -> None:
    prep = replace(_identity_prep(), feature_mean=[1.0, 2.0], feature_std=[2.0, 1.0])
    np.testing.assert_allclose(prep.scaled(np.array([[3.0, 2.0], [1.0, 5.0]])), [[1, 0], [0, 3]])
