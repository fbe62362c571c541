"""Sensor anomaly detection: a robust streaming detector and how it is measured.

``RobustDetector`` keeps a rolling window of recent *normal* readings and compares the mean of
the last few readings with their median, in units of the noise (the MAD of successive
differences, scaled to a standard deviation and to the mean's). It raises an alarm when that
score stays above ``threshold`` for ``min_run`` readings in a row (steps and drifts), or at once
when one reading alone is ``spike_factor * threshold`` out (spikes). Readings join the normal
window only after a lag and only if they raised nothing, so a lasting fault is not learnt as
the new normal. Nothing is flagged during the warm-up.

``inject_faults`` writes steps, drifts and spikes into a clean series by seed and returns the
truth; ``score_detection`` gives event precision, recall and mean detection delay.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from dtwin.errors import ConfigError

MAD_TO_SD = 1.4826
FAULT_KINDS = ("step", "drift", "spike")


@dataclass
class RobustDetector:
    """Rolling median/MAD detector for one sensor, fed one reading at a time."""

    window: int = 60
    threshold: float = 5.0
    min_run: int = 3
    warmup: int = 40
    spike_factor: float = 1.6
    level: int = 5
    lag: int = 10

    def __post_init__(self) -> None:
        if self.window < 5 or not 0 < self.warmup <= self.window or self.min_run < 1:
            raise ConfigError(
                f"detector needs window >= 5 ({self.window}), 0 < warmup <= window "
                f"({self.warmup}) and min_run >= 1 ({self.min_run})"
            )
        if not self.threshold > 0 or not self.spike_factor >= 1 or self.level < 1:
            raise ConfigError("detector needs threshold > 0, spike_factor >= 1 and level >= 1")
        self.reset()

    def reset(self) -> None:
        """Forget everything (after maintenance, a new sensor)."""
        self._normal: deque[float] = deque(maxlen=self.window)
        self._pending: deque[tuple[float, bool]] = deque()
        self._recent: deque[float] = deque(maxlen=self.level)
        self._run = 0
        self._skipped = 0
        self.seen = 0

    def scores(self, value: float) -> tuple[float, float]:
        """Robust z-scores of ``value`` and of the mean of the last readings (0 in warm-up)."""
        if len(self._normal) < self.warmup:
            return 0.0, 0.0
        ref = np.fromiter(self._normal, float)
        median = float(np.median(ref))
        # the noise scale from successive differences: a slow cycle or trend does not inflate it
        steps = np.diff(ref)
        mad = MAD_TO_SD * float(np.median(np.abs(steps - np.median(steps)))) / np.sqrt(2)
        spread = mad if mad > 0 else max(float(ref.std()), 1e-12)
        recent = np.fromiter(self._recent, float)
        level = abs(recent.mean() - median) / (spread / np.sqrt(len(recent)))
        return abs(value - median) / spread, float(level)

    def update(self, value: float) -> bool:
        """Feed one reading; ``True`` when it is anomalous."""
        self.seen += 1
        self._recent.append(float(value))
        point, level = self.scores(value)
        self._run = self._run + 1 if level > self.threshold else 0
        alarm = point > self.spike_factor * self.threshold or self._run >= self.min_run
        # readings join the normal window after ``lag`` readings and only if unsuspicious, so a
        # fault is not learnt as normal; after ``window`` suspicious readings in a row the
        # detector accepts them (a lasting change of level is reported, then re-learnt)
        self._pending.append((float(value), max(point, level) > self.threshold))
        while len(self._pending) > self.lag or (self._pending and len(self._normal) < self.warmup):
            old, suspicious = self._pending.popleft()
            self._skipped = self._skipped + 1 if suspicious else 0
            if not suspicious or self._skipped > self.window:
                self._normal.append(old)
        return bool(alarm)

    def detect(self, series: np.ndarray) -> np.ndarray:
        """Flags of a whole series, fed in order (resets first)."""
        self.reset()
        return np.array([self.update(float(v)) for v in series], dtype=bool)


@dataclass(frozen=True)
class Fault:
    """One injected fault: ``kind`` over readings ``start`` to ``end`` (exclusive)."""

    kind: str
    start: int
    end: int
    size: float


def inject_faults(
    series: np.ndarray,
    seed: int,
    count: int = 6,
    noise_sd: float | None = None,
    gap: int = 120,
    kinds: tuple[str, ...] = FAULT_KINDS,
) -> tuple[np.ndarray, list[Fault]]:
    """``series`` with ``count`` faults (steps, drifts, spikes) at seeded places, and the truth.

    Sizes are in noise standard deviations (``noise_sd``; the series' own when not given):
    steps 3-6 sd lasting 40-80 readings, drifts reaching 6-10 sd over 60-100 readings, spikes
    of 8-15 sd lasting one reading. Faults are at least ``gap`` readings apart.
    """
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        raise ConfigError(f"fault kinds {unknown} unknown (valid: {', '.join(FAULT_KINDS)})")
    rng = np.random.default_rng(seed)
    out = np.asarray(series, float).copy()
    sd = float(noise_sd if noise_sd is not None else np.std(np.diff(out)) / np.sqrt(2))
    slot = len(out) // max(count, 1)
    faults = []
    for i in range(count):
        kind = str(kinds[i % len(kinds)])
        length = {"step": rng.integers(40, 81), "drift": rng.integers(60, 101), "spike": 1}[kind]
        lo, hi = i * slot + gap // 2, (i + 1) * slot - gap // 2 - int(length)
        if hi <= lo:
            raise ConfigError(f"series of {len(out)} readings too short for {count} faults")
        start = int(rng.integers(lo, hi))
        sign = rng.choice([-1.0, 1.0])
        if kind == "step":
            size = rng.uniform(3, 6) * sd
            out[start : start + length] += sign * size
        elif kind == "drift":
            size = rng.uniform(6, 10) * sd
            out[start : start + length] += sign * size * np.arange(1, length + 1) / length
        else:
            size = rng.uniform(8, 15) * sd
            out[start] += sign * size
        faults.append(Fault(kind, start, start + int(length), float(size)))
    return out, faults


def score_detection(flags: np.ndarray, faults: list[Fault], tolerance: int = 10) -> dict:
    """Event precision and recall, and mean delay (readings) from fault start to first alarm.

    An alarm run is a true alarm when it begins within a fault or up to ``tolerance`` readings
    after it; a fault is detected when any alarm falls within it (or ``tolerance`` after).
    """
    flags = np.asarray(flags, bool)
    starts = np.flatnonzero(flags & ~np.r_[False, flags[:-1]])
    windows = [(f.start, f.end + tolerance) for f in faults]
    true_runs = sum(any(lo <= s < hi for lo, hi in windows) for s in starts)
    delays, by_kind = [], {}
    for fault, (lo, hi) in zip(faults, windows, strict=True):
        hits = np.flatnonzero(flags[lo:hi])
        found = len(hits) > 0
        if found:
            delays.append(int(hits[0]))
        seen, total = by_kind.get(fault.kind, (0, 0))
        by_kind[fault.kind] = (seen + found, total + 1)
    return {
        "precision": true_runs / len(starts) if len(starts) else 1.0,
        "recall": len(delays) / len(faults) if faults else 1.0,
        "mean_delay": float(np.mean(delays)) if delays else None,
        "alarms": int(len(starts)),
        "faults": len(faults),
        "recall_by_kind": {k: s / t for k, (s, t) in by_kind.items()},
    }


def sensor_series(seed: int, length: int = 2000, noise_sd: float = 1.0) -> np.ndarray:
    """A clean sensor series: a slow daily-like cycle, a slight wear trend and Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    cycle = 1.5 * noise_sd * np.sin(2 * np.pi * t / 480 + rng.uniform(0, 2 * np.pi))
    trend = noise_sd * 2.0 * t / length
    return 50.0 + cycle + trend + rng.normal(0.0, noise_sd, length)
