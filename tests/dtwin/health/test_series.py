"""Loaders: the C-MAPSS text format, the RUL truth file and the long table; bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtwin.errors import DataError
from dtwin.health import read_cmapss, read_histories, read_rul_truth, read_table, write_cmapss
from dtwin.health.series import CMAPSS_COLUMNS


def test_cmapss_round_trip(engines, tmp_path: Path) -> None:
    path = write_cmapss(engines.train, tmp_path / "train_FD001.txt")
    back = read_cmapss(path)
    assert list(back.columns) == CMAPSS_COLUMNS
    assert back["unit"].nunique() == 16
    np.testing.assert_allclose(back.to_numpy(float), engines.train.to_numpy(float), atol=5e-5)


def test_truth_file_has_one_value_per_test_unit(engine_files, engines) -> None:
    truth = read_rul_truth(engine_files["truth"])
    np.testing.assert_array_equal(truth, engines.truth)
    test = read_cmapss(engine_files["test"])
    assert test["unit"].nunique() == len(truth)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"], ids=["csv", "parquet"])
def test_long_table_with_time_column(engines, tmp_path: Path, suffix: str) -> None:
    table = engines.train[["unit", "cycle", "s_2", "s_11"]].rename(columns={"cycle": "time"})
    path = tmp_path / f"series{suffix}"
    table.to_csv(path, index=False) if suffix == ".csv" else table.to_parquet(path)
    back = read_histories(path, "table")
    assert list(back.columns) == ["unit", "cycle", "s_2", "s_11"]
    np.testing.assert_allclose(back["s_11"], table["s_11"])


GOOD_LINE = "1 1 " + " ".join(["0.5"] * 24)
CMAPSS_BAD = [
    ("", "empty"),
    ("   \n\n", "empty"),
    ("1 1 0.5 0.5\n", "line 1 has 4 columns, expected 26"),
    (GOOD_LINE + "\n1 2 " + " ".join(["0.5"] * 23) + " abc\n", "line 2: column s_21: 'abc'"),
    (GOOD_LINE + "\n1 2 " + " ".join(["0.5"] * 23) + " nan\n", "'nan' is not a number"),
    (GOOD_LINE + "\n" + GOOD_LINE + "\n", "unit 1 has cycle 1 twice"),
    ("1.5 1 " + " ".join(["0.5"] * 24) + "\n", "unit 1.5 is not an integer"),
]


@pytest.mark.parametrize(
    "text,words",
    CMAPSS_BAD,
    ids=["empty", "blank", "columns", "text-cell", "nan-cell", "repeated-cycle", "unit-float"],
)
def test_cmapss_bad_input(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "train.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=None) as info:
        read_cmapss(path)
    assert words in str(info.value) and str(path) in str(info.value)


TABLE_BAD = [
    ("", "empty"),
    ("unit,cycle,s1\n", "no rows"),
    ("unit,s1\n1,2\n", "lack 'unit' and 'cycle'"),
    ("unit,cycle\n1,1\n", "no sensor columns"),
    ("unit,cycle,s1\n1,1,2\n1,2,hot\n", "row 3: column s1: 'hot' is not a number"),
    ("unit,cycle,s1\n1,1,2\n1,2,\n", "row 3: column s1: '' is not a number"),
]


@pytest.mark.parametrize(
    "text,words", TABLE_BAD, ids=["empty", "header-only", "no-time", "no-sensor", "text", "blank"]
)
def test_table_bad_input(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "series.csv"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        read_table(path)
    assert words in str(info.value)


@pytest.mark.parametrize(
    "text,words",
    [("", "empty"), ("12\n-3\n", "line 2: RUL '-3'"), ("12 13\n", "2 values"), ("x\n", "'x'")],
    ids=["empty", "negative", "two-values", "text"],
)
def test_truth_bad_input(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "RUL.txt"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        read_rul_truth(path)
    assert words in str(info.value)


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_cmapss(tmp_path / "nope.txt")
    with pytest.raises(DataError, match="unknown format 'xls'"):
        read_histories(tmp_path / "x", "xls")
    assert isinstance(pd.DataFrame(), pd.DataFrame)
