"""A seeded machining failure table in the layout of the AI4I 2020 data set (its stand-in).

Follows the data set's published description (Matzka 2020, "Explainable artificial intelligence
for predictive maintenance applications"): product quality L/M/H (50/30/20%), air temperature as
a random walk around 300 K (sd 2 K), process temperature 10 K above it (sd 1 K), rotational
speed and torque strongly anti-correlated around 1538 rpm and 40 Nm, tool wear growing by 2/3/5
minutes per L/M/H part. A machine fails by any of five modes:

- TWF tool wear failure: the tool is replaced at a random wear of 200-240 min, failing 51 of
  120 times (random);
- HDF heat dissipation: process-air temperature difference < 8.6 K and speed < 1380 rpm;
- PWF power: torque x angular speed < 3500 W or > 9000 W;
- OSF overstrain: tool wear x torque > 11,000 / 12,000 / 13,000 min Nm for L / M / H;
- RNF random: 0.1% of processes, whatever the conditions.

The failure-type columns (TWF ... RNF) are consequences of the target: a model must not use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError

TARGET = "Machine failure"
FAILURE_FLAGS = ["TWF", "HDF", "PWF", "OSF", "RNF"]
SENSORS = [
    "Air temperature [K]",
    "Process temperature [K]",
    "Rotational speed [rpm]",
    "Torque [Nm]",
    "Tool wear [min]",
]
QUALITIES = ("L", "M", "H")
WEAR_PER_PART = {"L": 2, "M": 3, "H": 5}
STRAIN_LIMIT = {"L": 11000.0, "M": 12000.0, "H": 13000.0}


@dataclass(frozen=True)
class MachiningData:
    """A training table and an independent held-out table of the same process."""

    train: pd.DataFrame
    test: pd.DataFrame

    def write(self, folder: str | Path, name: str = "ai4i_standin") -> dict[str, Path]:
        """Write ``<name>.csv`` (train) and ``<name>_test.csv`` (held out) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"train": folder / f"{name}.csv", "test": folder / f"{name}_test.csv"}
        self.train.to_csv(paths["train"], index=False)
        self.test.to_csv(paths["test"], index=False)
        return paths


def generate_machining(seed: int = 0, rows: int = 10_000) -> MachiningData:
    """Two tables of ``rows`` processes from independent random streams of ``seed``."""
    if rows < 10:
        raise ConfigError(f"rows must be >= 10, got {rows}")
    train_rng, test_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    return MachiningData(machining_table(train_rng, rows), machining_table(test_rng, rows))


def machining_table(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    """One AI4I-like table of ``rows`` consecutive processes."""
    quality = rng.choice(np.array(QUALITIES), size=rows, p=[0.5, 0.3, 0.2])
    air = 300.0 + 2.0 * _walk(rng, rows)
    process = air + 10.0 + 1.0 * _walk(rng, rows)
    z_torque = rng.normal(size=rows)
    z_speed = -0.92 * z_torque + np.sqrt(1 - 0.92**2) * rng.normal(size=rows)
    torque = np.clip(40.0 + 10.0 * z_torque, 3.8, None)
    speed = 1168.0 + 334.0 * np.exp(0.45 * z_speed)  # right-skewed like the data's (min 1168)
    wear, twf = _tool_wear(rng, quality)
    power = torque * speed * 2 * np.pi / 60
    flags = {
        "TWF": twf,
        "HDF": (process - air < 8.6) & (speed < 1380),
        "PWF": (power < 3500) | (power > 9000),
        "OSF": wear * torque > np.vectorize(STRAIN_LIMIT.get)(quality),
        "RNF": rng.random(rows) < 0.001,
    }
    failure = np.logical_or.reduce(list(flags.values()))
    serial = rng.choice(np.arange(10000, 100000), size=rows, replace=False)
    table = {
        "UDI": np.arange(1, rows + 1),
        "Product ID": [f"{q}{s}" for q, s in zip(quality, serial, strict=True)],
        "Type": quality,
        SENSORS[0]: np.round(air, 1),
        SENSORS[1]: np.round(process, 1),
        SENSORS[2]: np.round(speed).astype(int),
        SENSORS[3]: np.round(torque, 1),
        SENSORS[4]: wear,
        TARGET: failure.astype(int),
    }
    return pd.DataFrame(table | {k: v.astype(int) for k, v in flags.items()})


def _walk(rng: np.random.Generator, rows: int, keep: float = 0.995) -> np.ndarray:
    """A slowly reverting random walk scaled to mean 0 and sd 1 (drifts like temperatures)."""
    from scipy.signal import lfilter

    walk = lfilter([1.0], [1.0, -keep], rng.normal(size=rows))
    return (walk - walk.mean()) / walk.std()


def _tool_wear(rng: np.random.Generator, quality: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tool wear per process and the tool wear failures (a tool lives 200-240 min)."""
    wear = np.zeros(len(quality), dtype=int)
    twf = np.zeros(len(quality), dtype=bool)
    used, limit = 0, rng.integers(200, 241)
    for i, q in enumerate(quality):
        used += WEAR_PER_PART[q]
        wear[i] = used
        if used >= limit:
            twf[i] = rng.random() < 51 / 120
            used, limit = 0, rng.integers(200, 241)
    return wear, twf
