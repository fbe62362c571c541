"""Targets, normalisation, sensor choice and windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dtwin.health import Preprocessing, rul_target
from dtwin.health.windows import sliding


def _frame() -> pd.DataFrame:
    rows = []
    for unit, life in ((1, 200), (2, 150)):
        for cycle in range(1, life + 1):
            rows.append((unit, cycle, 5.0, cycle / life + 0.01 * (cycle % 3), 1.0 * (cycle % 7)))
    return pd.DataFrame(rows, columns=["unit", "cycle", "flat", "wear", "noise"])


def test_piecewise_linear_target_is_capped() -> None:
    frame = _frame()
    target = rul_target(frame, cap=125)
    unit1 = target[frame["unit"] == 1]
    assert unit1[0] == 125 and unit1[-1] == 0 and unit1[-2] == 1
    assert rul_target(frame, cap=None)[0] == 199


def test_constant_and_uninformative_sensors_are_dropped() -> None:
    prep = Preprocessing.fit(_frame(), window=10)
    assert prep.sensors == ["wear"]
    assert prep.dropped["flat"] == "constant"
    assert prep.dropped["noise"].startswith("uninformative")
    again = Preprocessing.from_dict(prep.to_dict())
    np.testing.assert_allclose(again.transform(_frame()), prep.transform(_frame()))


def test_windows_and_padding() -> None:
    frame = _frame()
    prep = Preprocessing.fit(frame, window=30)
    x, y, units = prep.train_windows(frame)
    assert x.shape == (171 + 121, 30, 1)
    assert y[0] == 125 and y[170] == 0 and units[171] == 2
    short = frame[(frame["unit"] == 2) & (frame["cycle"] <= 12)]
    last, which, seen = prep.last_windows(pd.concat([frame[frame["unit"] == 1], short]))
    assert last.shape == (2, 30, 1) and list(which) == [1, 2] and list(seen) == [200, 12]
    z = prep.transform(short)
    np.testing.assert_allclose(last[1, :19, 0], z[0, 0])  # padded with the first row
    np.testing.assert_allclose(last[1, 18:, 0], z[:, 0])


def test_sliding_windows() -> None:
    z = np.arange(10.0)[:, None]
    w = sliding(z, 4)
    assert w.shape == (7, 4, 1) and list(w[-1, :, 0]) == [6, 7, 8, 9]
