"""Failure prediction: F1 on a held-out table, the leakage guard, the target check, folders."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtwin.errors import DataError
from dtwin.health import FailureConfig, FailureModel, evaluate_failure, find_leaks, train_failure
from dtwin.health.machining import FAILURE_FLAGS, TARGET

FAST = FailureConfig(folds=3, max_iter=80, seed=0)


@pytest.fixture(scope="module")
def failure_model(machining):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = train_failure(machining.train, TARGET, FAST)
    return model, [str(w.message) for w in caught]


def test_failure_model_scores_on_held_out_rows(failure_model, machining) -> None:
    model, _ = failure_model
    report = evaluate_failure(model, machining.test, TARGET)
    assert report["f1"] >= 0.75 and report["pr_auc"] >= 0.75
    c = report["confusion"]
    assert c["tp"] + c["fn"] == report["positives"] == machining.test[TARGET].sum()
    assert 0 < model.threshold < 1


def test_leakage_guard_names_the_flag_columns(failure_model) -> None:
    model, caught = failure_model
    for flag in FAILURE_FLAGS[:4]:
        assert any(f"'{flag}'" in message for message in caught), flag
        assert model.card["design"]["dropped"][flag].startswith("leak")
    used = set(model.card["design"]["numeric"]) | set(model.card["design"]["categorical"])
    sensors = {"Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]"}
    assert sensors | {"Torque [Nm]", "Tool wear [min]", "Type"} <= used
    assert used & set(FAILURE_FLAGS[:4]) == set()  # RNF: too rare in 3,000 rows to be sure
    assert model.card["design"]["dropped"]["UDI"] == "identifier"


def test_a_numeric_copy_of_the_target_leaks() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.1).astype(int)
    frame = pd.DataFrame(
        {"y": y, "copy": y * 3.0 + rng.normal(0, 0.01, 400), "x": rng.normal(size=400)}
    )
    leaks = find_leaks(frame, "y", ["copy", "x"])
    assert [leak.column for leak in leaks] == ["copy"] and "AUC" in leaks[0].reason


def test_probabilities_are_calibrated(failure_model, machining) -> None:
    model, _ = failure_model
    proba = model.predict_proba(machining.test)
    assert abs(proba.mean() - machining.test[TARGET].mean()) < 0.01


def test_folder_round_trip(failure_model, machining, tmp_path: Path) -> None:
    model, _ = failure_model
    model.save(tmp_path / "f")
    loaded = FailureModel.load(tmp_path / "f")
    np.testing.assert_allclose(
        loaded.predict_proba(machining.test), model.predict_proba(machining.test)
    )
    with pytest.raises(DataError, match="missing \\['Torque \\[Nm\\]'\\]"):
        loaded.predict(machining.test.drop(columns=["Torque [Nm]"]), "t.csv")


@pytest.mark.parametrize(
    "change,words",
    [
        (lambda t: t.assign(**{TARGET: t[TARGET].replace("1", "2")}), "is '2' (valid: 0 or 1)"),
        (lambda t: t.drop(columns=[TARGET]), "no target column"),
        (lambda t: t.assign(**{TARGET: 0}), "holds only 0s"),
    ],
    ids=["target-2", "no-target", "one-class"],
)
def test_bad_targets_are_refused(machining, change, words) -> None:
    table = change(machining.train.head(300).astype(str))
    with pytest.raises(DataError, match=None) as info:
        train_failure(table, TARGET, FAST, "t.csv")
    assert words in str(info.value)
