"""``dtwin health``: JSON keys of every command and one ``error:`` line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dtwin import cli
from tests.cli_checks import assert_one_error_line

TARGET = "Machine failure"


def _run(*args: str):
    return CliRunner().invoke(cli.main, ["health", *map(str, args)])


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Generated stand-ins and small models trained through the command line."""
    root = tmp_path_factory.mktemp("cli")
    out = {"root": root}
    result = _run(
        "generate", "cmapss", root / "cmapss", "--seed", 2, "--train-units", 8, "--test-units", 4
    )
    assert result.exit_code == 0, result.output
    out |= {k: root / "cmapss" / f"{k}_FD001.txt" for k in ("train", "test")}
    out["truth"] = root / "cmapss" / "RUL_FD001.txt"
    result = _run(
        "rul",
        "train",
        out["train"],
        "--out",
        root / "rul",
        "--epochs",
        1,
        "--members",
        1,
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    assert _run("generate", "failures", root / "ai4i", "--rows", 1500).exit_code == 0
    out["csv"] = root / "ai4i" / "ai4i_standin.csv"
    out["csv_test"] = root / "ai4i" / "ai4i_standin_test.csv"
    out["failure_train"] = _run(
        "failure",
        "train",
        out["csv"],
        "--target",
        TARGET,
        "--out",
        root / "failure",
        "--iterations",
        40,
    )
    return out


def test_rul_evaluate_and_predict_json(files) -> None:
    root = files["root"]
    report = _json(
        _run("rul", "evaluate", root / "rul", files["test"], "--truth", files["truth"], "--json")
    )
    assert {"rmse", "score", "units"} <= set(report) and report["units"] == 4
    predicted = _json(_run("rul", "predict", root / "rul", files["test"], "--json"))
    assert len(predicted["units"]) == 4
    assert {"unit", "rul", "lo", "hi"} <= set(predicted["units"][0])
    card = json.loads((root / "rul" / "card.json").read_text())
    assert card["data"]["format"] == "cmapss" and card["data"]["file"] == "train_FD001.txt"


def test_failure_train_warns_and_evaluate_json(files) -> None:
    trained = files["failure_train"]
    assert trained.exit_code == 0, trained.output
    warnings = [line for line in trained.output.splitlines() if line.startswith("warning: ")]
    assert any("'TWF'" in line for line in warnings) and any("'OSF'" in line for line in warnings)
    root = files["root"]
    report = _json(
        _run(
            "failure", "evaluate", root / "failure", files["csv_test"], "--target", TARGET, "--json"
        )
    )
    assert {"f1", "precision", "recall", "pr_auc", "confusion"} <= set(report)
    rows = _json(_run("failure", "predict", root / "failure", files["csv_test"], "--json"))["rows"]
    assert len(rows) == 1500 and set(rows[0]) == {"probability", "failure"}


def test_short_units_are_padded_with_a_warning_or_refused(files, tmp_path: Path) -> None:
    lines = files["test"].read_text().splitlines()
    short = tmp_path / "short.txt"
    short.write_text(
        "\n".join(line for line in lines if line.split()[0] != "1" or int(line.split()[1]) <= 10)
        + "\n"
    )
    root = files["root"]
    padded = _run("rul", "predict", root / "rul", short, "--json")
    assert padded.exit_code == 0
    assert "warning: " in padded.output and "unit 1 (10 cycles)" in padded.output
    refused = _run("rul", "predict", root / "rul", short, "--short-units", "refuse")
    assert_one_error_line(refused, "unit 1 (10 cycles)", "window of 30")


def _bad_files(root: Path, files: dict[str, Path]) -> list[tuple[list, tuple[str, ...]]]:
    """(arguments, words of the error line) for each bad input."""
    empty = root / "empty.txt"
    empty.write_text("")
    narrow = root / "narrow.txt"
    narrow.write_text("1 1 0.5 0.5 0.5\n")
    text = root / "text.txt"
    good = files["test"].read_text().splitlines()
    text.write_text("\n".join([good[0], good[1].rsplit(" ", 1)[0] + " hot", *good[2:]]) + "\n")
    table = root / "table.csv"
    table.write_text("unit,cycle,s_2\n1,1,3\n1,2,4\n")
    target = root / "target.csv"
    target.write_text(files["csv"].read_text().replace(",0,0,0,0,0,0\n", ",2,0,0,0,0,0\n", 1))
    model, fmodel = root / "rul", root / "failure"
    truth = ["--truth", files["truth"]]
    return [
        (["rul", "train", empty, "--out", root / "x"], ("empty.txt", "empty")),
        (["rul", "train", narrow, "--out", root / "x"], ("narrow.txt", "line 1 has 5 columns")),
        (["rul", "evaluate", model, text, *truth], ("text.txt", "s_21", "'hot'")),
        (["rul", "predict", model, table, "--format", "table"], ("differ", "missing")),
        (["rul", "evaluate", model, files["test"], "--truth", empty], ("empty",)),
        (["rul", "predict", root / "nowhere", files["test"]], ("not a model folder",)),
        (
            ["failure", "train", target, "--target", TARGET, "--out", root / "y"],
            ("target.csv", "'2'", "valid: 0 or 1"),
        ),
        (["failure", "train", empty, "--target", TARGET, "--out", root / "y"], ("empty",)),
        (
            ["failure", "evaluate", fmodel, files["csv_test"], "--target", "nope"],
            ("no target column 'nope'",),
        ),
        (["failure", "predict", model, files["csv_test"]], ("a 'rul' model",)),
    ]


BAD_IDS = [
    "empty",
    "columns",
    "text-cell",
    "other-columns",
    "empty-truth",
    "no-model",
    "target-not-binary",
    "empty-csv",
    "unknown-target",
    "wrong-kind",
]


@pytest.mark.parametrize("index", range(len(BAD_IDS)), ids=BAD_IDS)
def test_bad_input_is_one_error_line(files, index: int) -> None:
    args, words = _bad_files(files["root"], files)[index]
    assert_one_error_line(_run(*args), *words)
