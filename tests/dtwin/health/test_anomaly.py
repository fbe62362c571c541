"""The streaming detector on injected steps, drifts and spikes."""

from __future__ import annotations

import numpy as np
import pytest

from dtwin.errors import ConfigError
from dtwin.health import Fault, RobustDetector, inject_faults, score_detection, sensor_series


def test_detector_finds_injected_faults() -> None:
    reports = []
    for seed in (21, 22, 23):
        series, faults = inject_faults(sensor_series(seed), seed, noise_sd=1.0)
        reports.append(score_detection(RobustDetector().detect(series), faults))
    assert np.mean([r["recall"] for r in reports]) >= 0.8
    assert np.mean([r["precision"] for r in reports]) >= 0.5
    assert np.mean([r["mean_delay"] for r in reports]) < 25


def test_warm_up_and_clean_series() -> None:
    detector = RobustDetector()
    flags = detector.detect(sensor_series(31))
    assert flags.sum() <= 10
    detector.reset()
    assert not any(detector.update(v) for v in [0.0, 100.0, -100.0])  # nothing in warm-up


def test_injection_is_seeded_and_scored_by_hand() -> None:
    a, fa = inject_faults(sensor_series(1), 4)
    b, fb = inject_faults(sensor_series(1), 4)
    np.testing.assert_array_equal(a, b)
    assert fa == fb and [f.kind for f in fa] == ["step", "drift", "spike"] * 2
    flags = np.zeros(100, dtype=bool)
    flags[12:15] = True  # inside the fault
    flags[60] = True  # a false alarm
    report = score_detection(flags, [Fault("step", 10, 20, 3.0), Fault("spike", 80, 81, 9.0)])
    assert report["precision"] == 0.5 and report["recall"] == 0.5 and report["mean_delay"] == 2


def test_bad_settings() -> None:
    with pytest.raises(ConfigError, match="warmup"):
        RobustDetector(window=10, warmup=20)
    with pytest.raises(ConfigError, match="too short"):
        inject_faults(np.zeros(100), 0, count=6)
