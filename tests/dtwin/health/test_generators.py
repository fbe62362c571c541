"""The stand-in generators: deterministic by seed, independent train and test, faithful shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtwin.errors import ConfigError
from dtwin.health import Preprocessing, generate_machining, generate_turbofan
from dtwin.health.machining import FAILURE_FLAGS, SENSORS, TARGET


def test_turbofan_is_deterministic_by_seed() -> None:
    a, b = generate_turbofan(7, 5, 4), generate_turbofan(7, 5, 4)
    pd.testing.assert_frame_equal(a.train, b.train)
    pd.testing.assert_frame_equal(a.test, b.test)
    np.testing.assert_array_equal(a.truth, b.truth)
    assert not generate_turbofan(8, 5, 4).train.equals(a.train)


def test_turbofan_looks_like_fd001(engines) -> None:
    train, test = engines.train, engines.test
    lives = train.groupby("unit")["cycle"].max()
    assert lives.between(128, 362).all()
    assert (
        test.groupby("unit")["cycle"].max().to_numpy() + engines.truth == engines.lifetimes_test
    ).all()
    assert engines.truth.min() >= 7 and engines.truth.max() <= 145
    assert test.groupby("unit").size().min() >= 31
    flat = [c for c in ["s_1", "s_5", "s_10", "s_16", "s_18", "s_19"] if train[c].nunique() > 1]
    assert flat == []
    # the informative sensors rise (or fall) towards failure
    first = train.groupby("unit").head(20)[["s_11", "s_12"]].mean()
    last = train.groupby("unit").tail(20)[["s_11", "s_12"]].mean()
    assert last["s_11"] > first["s_11"] and last["s_12"] < first["s_12"]


def test_train_and_test_engines_are_independent(engines) -> None:
    assert not np.array_equal(engines.lifetimes_train[:8], engines.lifetimes_test)
    head = engines.train[engines.train["unit"] == 1]["s_11"].to_numpy()[:31]
    tail = engines.test[engines.test["unit"] == 1]["s_11"].to_numpy()[:31]
    assert not np.allclose(head, tail)


def test_fd002_has_six_regimes_that_normalisation_finds() -> None:
    data = generate_turbofan(1, train_units=6, test_units=2, mode="FD002")
    prep = Preprocessing.fit(data.train)
    assert len(prep.centers) == 6
    assert "s_11" in prep.sensors and "s_1" not in prep.sensors
    z = prep.transform(data.train)
    assert np.abs(z.mean(axis=0)).max() < 0.2


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ConfigError, match="FD004"):
        generate_turbofan(0, mode="FD004")


def test_machining_table_is_deterministic_and_ai4i_like(machining) -> None:
    again = generate_machining(seed=5, rows=3000)
    pd.testing.assert_frame_equal(machining.train, again.train)
    train = machining.train
    assert len(train) == 3000 and set(train["Type"]) == {"L", "M", "H"}
    assert 0.02 <= train[TARGET].mean() <= 0.06
    flagged = train[FAILURE_FLAGS].any(axis=1).astype(int)
    assert (flagged == train[TARGET]).all()
    assert train[SENSORS[3]].corr(train[SENSORS[2]]) < -0.7
    assert not train[SENSORS].equals(machining.test[SENSORS])
