"""A seeded turbofan-like degradation generator in the C-MAPSS layout (the data's stand-in).

Modelled on the damage propagation of Saxena et al. (2008), "Damage propagation modeling for
aircraft engine run-to-failure simulation": every engine starts with a small, unknown initial
wear and manufacturing variation; two health parameters of the high-pressure compressor
(efficiency and flow) degrade exponentially, ``h(t) = d + exp(a t^b) - 1``, at unit-specific
rates, and the engine fails when the health margin is used up (at cycle ``T``). Sensors respond
linearly to the two health parameters (the thermodynamic model linearised around cruise) with
FD001's baselines and noise levels: 14 sensors trend with the wear, seven stay flat or constant
as in FD001 (s1, s5, s6, s10, s16, s18, s19); their changes at failure were set so that each
sensor's correlation with the remaining life matches FD001's published one within ~0.03.
``mode="FD002"`` adds six operating regimes (altitude, Mach, throttle), each with its own sensor
baselines.

What it is not: the thermodynamic simulation itself. Lifetimes are drawn to match FD001's
(128-362 cycles in the train file), not computed from a stall margin, and figures measured on
this data are figures of the stand-in, not of FD001.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError
from dtwin.health.series import CMAPSS_COLUMNS, CMAPSS_SENSORS, write_cmapss

MODES = ("FD001", "FD002")
# sensor -> (FD001 baseline, noise sd, change at failure in noise sds (sign = direction),
#            share of the efficiency loss in that change (the rest follows the flow loss))
SENSORS: dict[str, tuple[float, float, float, float]] = {
    "s_1": (518.67, 0.0, 0.0, 0.0),
    "s_2": (642.40, 0.35, 5.0, 0.7),
    "s_3": (1587.0, 5.0, 4.6, 0.6),
    "s_4": (1403.0, 5.5, 6.7, 0.6),
    "s_5": (14.62, 0.0, 0.0, 0.0),
    "s_6": (21.61, 0.0, 0.0, 0.0),
    "s_7": (553.90, 0.6, -5.3, 0.5),
    "s_8": (2388.06, 0.05, 4.9, 0.3),
    "s_9": (9055.0, 9.0, 3.0, 0.2),
    "s_10": (1.30, 0.0, 0.0, 0.0),
    "s_11": (47.35, 0.15, 7.1, 0.7),
    "s_12": (521.90, 0.5, -5.7, 0.5),
    "s_13": (2388.06, 0.05, 4.9, 0.3),
    "s_14": (8137.0, 8.0, 2.6, 0.2),
    "s_15": (8.415, 0.025, 6.0, 0.6),
    "s_16": (0.03, 0.0, 0.0, 0.0),
    "s_17": (391.8, 1.2, 5.3, 0.6),
    "s_18": (2388.0, 0.0, 0.0, 0.0),
    "s_19": (100.0, 0.0, 0.0, 0.0),
    "s_20": (38.95, 0.14, -5.4, 0.5),
    "s_21": (23.37, 0.085, -5.4, 0.5),
}
UNIT_SPECIFIC = ("s_9", "s_14")  # core-speed sensors: their trend differs from engine to engine
# FD002's six flight conditions: altitude (kft), Mach number, throttle resolver angle
REGIMES = np.array(
    [[0, 0, 100], [10, 0.25, 100], [20, 0.7, 100], [25, 0.62, 60], [35, 0.84, 100], [42, 0.84, 100]]
)
FD001_SETTING = (0.0, 0.0, 100.0)
SETTING_NOISE = (0.0022, 0.0003, 0.0)
DECIMALS = {"s_15": 4, "s_17": 0, "s_10": 2, "s_16": 2}


@dataclass(frozen=True)
class TurbofanData:
    """One generated data set: run-to-failure train units, truncated test units, true RULs."""

    train: pd.DataFrame
    test: pd.DataFrame
    truth: np.ndarray
    lifetimes_train: np.ndarray
    lifetimes_test: np.ndarray

    def write(self, folder: str | Path, name: str = "FD001") -> dict[str, Path]:
        """Write ``train_<name>.txt``, ``test_<name>.txt`` and ``RUL_<name>.txt``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {
            "train": write_cmapss(self.train, folder / f"train_{name}.txt"),
            "test": write_cmapss(self.test, folder / f"test_{name}.txt"),
            "truth": folder / f"RUL_{name}.txt",
        }
        paths["truth"].write_text("".join(f"{int(r)}\n" for r in self.truth))
        return paths


def generate_turbofan(
    seed: int = 0,
    train_units: int = 100,
    test_units: int = 100,
    mode: str = "FD001",
) -> TurbofanData:
    """Generate train and test engines from independent random streams of ``seed``."""
    if mode not in MODES:
        raise ConfigError(f"turbofan mode {mode!r} is unknown (valid: {', '.join(MODES)})")
    if train_units < 1 or test_units < 1:
        raise ConfigError(
            f"train_units and test_units must be >= 1, got {train_units}, {test_units}"
        )
    train_rng, test_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    train_life = _lifetimes(train_rng, train_units)
    test_life = _lifetimes(test_rng, test_units)
    truth = np.array([test_rng.integers(7, min(145, t - 31) + 1) for t in test_life])
    train = _fleet(train_rng, train_life, train_life, mode)
    test = _fleet(test_rng, test_life, test_life - truth, mode)
    return TurbofanData(train, test, truth, train_life, test_life)


def _lifetimes(rng: np.random.Generator, n: int) -> np.ndarray:
    """FD001-like lifetimes: log-normal around 200 cycles, within 128-362."""
    out = rng.lognormal(np.log(200.0), 0.21, size=4 * n + 16)
    out = np.round(out[(out >= 128) & (out <= 362)][:n]).astype(int)
    return out


def _fleet(rng: np.random.Generator, lives: np.ndarray, lengths: np.ndarray, mode: str):
    frames = [
        _engine(rng, unit, int(life), int(length), mode)
        for unit, (life, length) in enumerate(zip(lives, lengths, strict=True), 1)
    ]
    return pd.concat(frames, ignore_index=True)[CMAPSS_COLUMNS]


def _engine(rng: np.random.Generator, unit: int, life: int, length: int, mode: str):
    """One engine's first ``length`` cycles of a life of ``life`` cycles."""
    cycles = np.arange(1, length + 1)
    frac = cycles / life
    efficiency = _health_loss(rng, frac)
    flow = rng.uniform(0.6, 1.0) * _health_loss(rng, frac)  # relative to the efficiency loss
    settings, regime = _settings(rng, length, mode)
    data = {"unit": np.full(length, unit), "cycle": cycles}
    data |= {f"setting_{i + 1}": settings[:, i] for i in range(3)}
    for name in CMAPSS_SENSORS:
        base, noise, change, share = SENSORS[name]
        scale = _regime_scale(name, regime) if mode == "FD002" else 1.0
        if name in UNIT_SPECIFIC:
            change *= rng.normal(1.0, 0.6)
        offset = rng.normal(0.0, 0.3 * noise)
        trend = change * noise * (share * efficiency + (1 - share) * flow)
        value = (base + offset + trend + rng.normal(0.0, noise, length)) * scale
        if name == "s_6":  # FD001's s_6 reads 21.61 and, rarely, 21.60
            value = value - 0.01 * (rng.random(length) < 0.02) * scale
        data[name] = np.round(value, DECIMALS.get(name, 2))
    return pd.DataFrame(data)


def _health_loss(rng: np.random.Generator, frac: np.ndarray) -> np.ndarray:
    """Saxena's ``d + exp(a t^b) - 1`` in the fraction of life ``t/T``, 1 at failure.

    ``a`` scales with the unit's life (``a T^b`` is the loss at the threshold, ``k``), so each
    unit's curve is set by its initial wear ``d``, its exponent ``b`` and its threshold ``k``.
    """
    wear = rng.uniform(0.0, 0.05)
    b = rng.uniform(1.3, 1.7)
    k = rng.uniform(2.5, 4.0)
    return wear + (1 - wear) * np.expm1(k * frac**b) / np.expm1(k)


def _settings(rng: np.random.Generator, length: int, mode: str):
    """The three operating settings per cycle and the regime index (FD001: always 0)."""
    noise = rng.normal(0.0, 1.0, size=(length, 3)) * np.array(SETTING_NOISE)
    if mode == "FD001":
        return np.array(FD001_SETTING) + noise, np.zeros(length, dtype=int)
    regime = rng.integers(0, len(REGIMES), size=length)
    return REGIMES[regime] + noise, regime


def _regime_scale(name: str, regime: np.ndarray) -> np.ndarray:
    """Each flight condition multiplies a sensor's level by its own fixed factor."""
    table = np.random.default_rng(int(name[2:])).uniform(0.7, 1.3, size=len(REGIMES))
    table[0] = 1.0
    return table[regime]
