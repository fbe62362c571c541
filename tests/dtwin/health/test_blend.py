"""The blend (CNN + gradient boosting, averaged) and the CNN's early stopping on held-out units."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dtwin.errors import DataError
from dtwin.health import RulModel, train_rul
from dtwin.health import cnn as cnn_module
from dtwin.health import rul as rul_module
from dtwin.health.cnn import CnnConfig, train_network
from dtwin.health.rul import GBM_FILE, WEIGHTS


@pytest.fixture(scope="module")
def blend_config(tiny_config):
    short = replace(tiny_config.cnn, epochs=3)
    return replace(tiny_config, model="blend", history=True, gbm_iterations=30, cnn=short)


@pytest.fixture(scope="module")
def blend(engines, blend_config):
    return train_rul(engines.train, blend_config)


def _member(model: RulModel, kind: str) -> RulModel:
    return RulModel(model.preprocessing, model.estimator[kind], model.bands, {"model": kind})


def test_blend_predicts_the_mean_of_its_members(blend, engines) -> None:
    assert blend.kind == "blend" and set(blend.estimator) == {"cnn", "gbm"}
    x, h, _, _ = blend.preprocessing.last_samples(engines.test)
    both = blend.predict_windows(x, h)
    cnn = _member(blend, "cnn").predict_windows(x, h)
    gbm = _member(blend, "gbm").predict_windows(x, h)
    assert not np.allclose(cnn, gbm)  # the mean is not trivially either member
    np.testing.assert_allclose(both, (cnn + gbm) / 2, rtol=1e-12)
    assert np.all((both >= 0) & (both <= blend.preprocessing.cap))
    card = blend.card
    assert card["model"] == "blend" and card["history_features"]
    assert card["training"]["gbm_iterations"] == 30 and card["training"]["members"] == 1


def test_blend_folder_round_trip(blend, engines, tmp_path: Path) -> None:
    folder = blend.save(tmp_path / "m")
    assert (folder / WEIGHTS).is_file() and (folder / GBM_FILE).is_file()
    loaded = RulModel.load(folder)
    assert loaded.kind == "blend" and set(loaded.estimator) == {"cnn", "gbm"}
    expected, got = blend.predict(engines.test), loaded.predict(engines.test)
    np.testing.assert_allclose(got[["rul", "lo", "hi"]], expected[["rul", "lo", "hi"]], rtol=1e-6)
    np.testing.assert_array_equal(got["unit"], expected["unit"])
    # each member came back, not just their mean
    x, h, _, _ = blend.preprocessing.last_samples(engines.test)
    for kind in ("cnn", "gbm"):
        np.testing.assert_allclose(
            _member(loaded, kind).predict_windows(x, h),
            _member(blend, kind).predict_windows(x, h),
            rtol=1e-6,
        )
    (folder / GBM_FILE).unlink()
    with pytest.raises(DataError, match="model file is missing"):
        RulModel.load(folder)


def test_blend_needs_its_history_features(blend, engines) -> None:
    x, h, _, _ = blend.preprocessing.last_samples(engines.test)
    with pytest.raises(DataError, match="history features"):
        blend.predict_windows(x)
    with pytest.raises(DataError, match="'cycle' column"):
        blend.predict(engines.test.drop(columns=["cycle"]))
    history = engines.test[engines.test["unit"] == 2].drop(columns=["unit"])
    with pytest.raises(DataError, match="cycle"):
        blend.predict_unit(history.drop(columns=["cycle"]))
    one = blend.predict_unit(history)  # the whole history: what predict gives for unit 2
    table = blend.predict(engines.test)
    assert one.rul == pytest.approx(float(table.loc[table["unit"] == 2, "rul"].iloc[0]), rel=1e-5)


def test_blend_same_seed_same_predictions(blend, engines, blend_config) -> None:
    again = train_rul(engines.train, blend_config)
    x, h, _, _ = blend.preprocessing.last_samples(engines.test)
    np.testing.assert_array_equal(again.predict_windows(x, h), blend.predict_windows(x, h))


def test_early_stopping_keeps_the_best_epoch(monkeypatch) -> None:
    """Scripted validation RMSEs 5, 3, 4, 4, 4...: best at epoch 2, stop after 2 worse ones."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 8, 2)), rng.uniform(0, 125, size=64)
    val = (rng.normal(size=(16, 8, 2)), None, rng.uniform(0, 125, size=16))
    offsets, states = [5.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0], []

    def scripted(nets, xv, hv, cap):
        states.append({k: v.detach().clone() for k, v in nets[0].state_dict().items()})
        return val[2] + offsets[len(states) - 1]

    monkeypatch.setattr(cnn_module, "predict_networks", scripted)
    config = CnnConfig(channels=4, layers=1, hidden=8, epochs=8, batch=32, patience=2)
    net = train_network(x, y, 125.0, config, seed=0, validation=val)
    assert len(states) == 4  # epochs 1-4 run, 5-8 never do
    final = net.state_dict()
    assert all(np.array_equal(final[k], states[1][k]) for k in final)  # epoch 2's weights
    assert not all(np.array_equal(final[k], states[3][k]) for k in final)
    monkeypatch.setattr(cnn_module, "predict_networks", lambda *a: pytest.fail("no validation"))
    train_network(x, y, 125.0, replace(config, epochs=2), seed=0)  # without validation


def test_validation_units_are_held_out_of_training(monkeypatch, tiny_config) -> None:
    """Each member's validation windows come from whole units its training windows never see."""
    calls = []
    monkeypatch.setattr(rul_module, "train_network", lambda *a, **k: calls.append((a, k)))
    units = np.repeat(np.arange(1, 11), 20)
    x = np.broadcast_to(units[:, None, None], (len(units), 5, 1)).astype(float)  # x encodes unit
    y = np.linspace(0, 125, len(units))
    config = replace(tiny_config, members=2, validation_share=0.3)
    rul_module._fit_estimator((x, None, y, units), None, config)  # no history: prep unused
    assert len(calls) == 2
    held_sets = []
    for args, kwargs in calls:
        seen = set(np.unique(args[0][:, 0, 0]))
        held = set(np.unique(kwargs["validation"][0][:, 0, 0]))
        assert held and not seen & held and seen | held == set(range(1, 11))
        assert len(held) == 3  # 30% of 10 units
        held_sets.append(held)
    assert held_sets[0] != held_sets[1]  # each member draws its own split
    calls.clear()
    rul_module._fit_estimator((x, None, y, units), None, replace(config, validation_share=0.0))
    assert all(k["validation"] is None and len(a[0]) == len(y) for a, k in calls)
