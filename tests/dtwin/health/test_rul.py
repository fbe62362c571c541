"""RUL models: a tiny CNN learns, same seed same model, folders round-trip, columns checked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dtwin.errors import ConfigError, DataError
from dtwin.health import RulConfig, RulModel, evaluate_rul, rmse, train_rul
from dtwin.health.rul import split_units


def test_tiny_cnn_beats_a_constant_predictor(cnn_model, engines) -> None:
    result = evaluate_rul(cnn_model, engines.test, engines.truth)
    capped = np.minimum(engines.truth, 125)
    # the best constant: the mean of the training targets of the fitting units
    constant = rmse(np.full(len(capped), 80.0), capped)
    assert result.units == 8
    assert result.rmse < 0.8 * constant
    assert set(result.to_dict()) == {"rmse", "score", "units", "coverage", "rmse_uncapped"}


def test_same_seed_same_model(engines, tiny_config) -> None:
    short = replace(tiny_config, cnn=replace(tiny_config.cnn, epochs=1))
    first, again = train_rul(engines.train, short), train_rul(engines.train, short)
    x, _, _ = first.preprocessing.last_windows(engines.test)
    np.testing.assert_array_equal(first.predict_windows(x), again.predict_windows(x))
    assert again.card["training"]["fit_units"] == first.card["training"]["fit_units"]
    other = train_rul(engines.train, replace(short, seed=1))
    assert other.card["training"]["fit_units"] != first.card["training"]["fit_units"]


@pytest.mark.parametrize("which", ["cnn_model", "gbm_model"])
def test_model_folder_round_trip(which: str, request, engines, tmp_path: Path) -> None:
    model = request.getfixturevalue(which)
    model.save(tmp_path / "m")
    loaded = RulModel.load(tmp_path / "m")
    expected = model.predict(engines.test)
    got = loaded.predict(engines.test)
    np.testing.assert_allclose(got[["rul", "lo", "hi"]], expected[["rul", "lo", "hi"]], rtol=1e-6)
    card = loaded.card
    assert card["data"]["sha256"].startswith("sha256:")
    assert card["window"] == 30 and card["cap"] == 125 and card["versions"]["numpy"]
    assert card["normalisation"]["sensors"] == card["features"]


def test_predict_unit_is_what_the_twin_calls(cnn_model, engines) -> None:
    table = cnn_model.predict(engines.test)
    history = engines.test[engines.test["unit"] == 3].drop(columns=["unit"])
    one = cnn_model.predict_unit(history)
    assert one.rul == pytest.approx(float(table.loc[table["unit"] == 3, "rul"].iloc[0]), rel=1e-5)
    assert one.lo <= one.rul <= one.hi
    short = cnn_model.predict_unit(history.iloc[:5])  # padded with its first row
    assert 0 <= short.rul <= 125
    with pytest.raises(DataError, match="s_11"):
        cnn_model.predict_unit(history.drop(columns=["s_11"]))


def test_columns_that_differ_from_the_card_are_refused(cnn_model, engines) -> None:
    with pytest.raises(DataError, match=r"missing \['s_21'\]"):
        cnn_model.predict(engines.test.drop(columns=["s_21"]), source="t.txt")
    with pytest.raises(DataError, match="unexpected \\['extra'\\]"):
        cnn_model.predict(engines.test.assign(extra=1.0), source="t.txt")
    with pytest.raises(DataError, match="8 test units but 3 true RUL"):
        evaluate_rul(cnn_model, engines.test, engines.truth[:3])


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="model 'lstm'.*members 0"):
        RulConfig(model="lstm", members=0)
    with pytest.raises(DataError, match="at least 2"):
        split_units(np.array([1]), 0.2, 0)
    fit, calib = split_units(np.arange(1, 11), 0.2, 0)
    assert len(calib) == 2 and set(fit) | set(calib) == set(range(1, 11))
