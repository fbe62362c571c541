"""Reading an MES event log: typed columns, CSV and Parquet, and a strict check of every row."""

from __future__ import annotations

import pandas as pd
import pytest

from dtwin.errors import DataError
from dtwin.event_schema import MES_LOG_COLUMNS
from dtwin.twin.meslog import MAX_SHOWN, read_mes_log

HEADER = "time_min,event,part,product,station,machine"
GOOD = [
    "0,release,p1,bolt,cut,",
    "0,start,p1,bolt,cut,cut-1",
    "1.5,finish,p1,,cut,cut-1",  # the product comes from the part's other events
    "2,failure,,,cut,cut-1",
    "3,repaired,,,cut,cut-1",
    "1.5,start,p1,bolt,mill,mill-2",  # other rows may be out of order; a part's own are not
    "4,exit,p1,bolt,mill,mill-2",
]


def _csv(tmp_path, rows, header=HEADER, name="log.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_reads_a_typed_frame_in_file_order(tmp_path):
    log = read_mes_log(_csv(tmp_path, GOOD))
    assert tuple(log.columns) == MES_LOG_COLUMNS
    assert log["time_min"].dtype == "float64"
    assert log["time_min"].tolist() == [0, 0, 1.5, 2, 3, 1.5, 4]
    assert log["product"].tolist()[:3] == ["bolt"] * 3
    assert log.loc[3, ["part", "product"]].isna().all()
    assert pd.isna(log.loc[0, "machine"])


def test_extra_columns_and_surrounding_spaces_are_ignored(tmp_path):
    rows = [f"{row},x" for row in GOOD]
    log = read_mes_log(_csv(tmp_path, rows, header=HEADER + ",operator"))
    assert tuple(log.columns) == MES_LOG_COLUMNS
    spaced = read_mes_log(_csv(tmp_path, [" 0 , release , p1 , bolt , cut , "], name="s.csv"))
    assert spaced.iloc[0]["event"] == "release" and spaced.iloc[0]["time_min"] == 0


def test_a_spreadsheet_export_with_bom_and_crlf(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + "\r\n".join([HEADER, *GOOD]) + "\r\n").encode("utf-8"))
    assert read_mes_log(path)["event"].tolist()[:2] == ["release", "start"]


def test_parquet_with_numeric_part_ids(tmp_path):
    frame = pd.DataFrame(
        {"time_min": [0.0, 0.0, 2.5], "event": ["release", "start", "exit"], "part": [7, 7, 7],
         "product": ["bolt"] * 3, "station": ["cut"] * 3, "machine": [None, "cut-1", "cut-1"]}
    )  # fmt: skip
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    log = read_mes_log(path)
    assert log["part"].tolist() == ["7", "7", "7"]
    assert log["time_min"].tolist() == [0.0, 0.0, 2.5]


def test_an_empty_log_is_an_empty_frame(tmp_path):
    log = read_mes_log(_csv(tmp_path, []))
    assert log.empty and tuple(log.columns) == MES_LOG_COLUMNS


# (rows replacing GOOD's, words of the message); the CSV line counts the header as line 1
BAD_ROWS = [
    ("unknown-event", ["0,boom,p1,bolt,cut,cut-1"], ["line 2", "event 'boom' is unknown",
                                                     "valid events: release"]),
    ("nan-time", ["nan,start,p1,bolt,cut,cut-1"], ["line 2", "time_min 'nan'", "finite"]),
    ("inf-time", ["inf,start,p1,bolt,cut,cut-1"], ["line 2", "time_min 'inf'"]),
    ("negative-time", ["-1,start,p1,bolt,cut,cut-1"], ["line 2", "time_min '-1'", ">= 0"]),
    ("text-time", ["soon,start,p1,bolt,cut,cut-1"], ["line 2", "time_min 'soon'"]),
    ("empty-time", [",start,p1,bolt,cut,cut-1"], ["line 2", "time_min ''"]),
    ("part-event-without-part", ["0,start,,bolt,cut,cut-1"],
     ["line 2", "part is empty for a 'start' event"]),
    ("no-station", ["0,failure,,,,cut-1"], ["line 2", "station is empty"]),
    ("machine-event-without-machine", ["0,failure,,,cut,"],
     ["line 2", "machine is empty for a 'failure' event"]),
    ("start-without-machine", ["0,start,p1,bolt,cut,"], ["machine is empty for a 'start'"]),
    ("time-backwards-for-a-part", ["5,start,p1,bolt,cut,cut-1", "4,finish,p1,bolt,cut,cut-1"],
     ["line 3", "time_min 4 of part 'p1' is before", "time order"]),
    ("machine-at-two-stations", ["0,start,p1,bolt,cut,m-1", "1,start,p2,bolt,mill,m-1"],
     ["line 3", "machine 'm-1' at station 'mill' but at 'cut'"]),
]  # fmt: skip


@pytest.mark.parametrize("rows,words", [r[1:] for r in BAD_ROWS], ids=[r[0] for r in BAD_ROWS])
def test_bad_rows_name_file_line_and_field(tmp_path, rows, words):
    path = _csv(tmp_path, rows)
    with pytest.raises(DataError) as info:
        read_mes_log(path)
    message = str(info.value)
    assert message.startswith(f"{path}: 1 problem in the MES event log")
    for word in words:
        assert word in message, message


def test_many_problems_are_counted_and_the_first_few_shown(tmp_path):
    rows = [f"{k},boom,p{k},bolt,cut,cut-1" for k in range(12)]
    with pytest.raises(DataError) as info:
        read_mes_log(_csv(tmp_path, rows))
    message = str(info.value)
    assert f"12 problems in the MES event log (the first {MAX_SHOWN} shown)" in message
    assert "line 6:" in message and "line 7:" not in message


def test_parquet_problems_name_the_row(tmp_path):
    frame = pd.DataFrame({c: ["x"] for c in MES_LOG_COLUMNS} | {"time_min": [-2.0]})
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataError, match=r"row 1: event 'x' is unknown; row 1: time_min '-2.0'"):
        read_mes_log(path)


FILE_ROWS = [
    ("missing-file", lambda tmp: tmp / "nope.csv", ["nope.csv", "no such file"]),
    ("a-folder", lambda tmp: tmp, ["is a folder"]),
    ("unknown-suffix", lambda tmp: _csv(tmp, GOOD, name="log.txt"), ["log.txt", "'.txt'"]),
    ("missing-columns", lambda tmp: _csv(tmp, ["0,release,p1,cut"],
                                         header="time_min,event,part,station"),
     ["missing column(s) product, machine", "data/README.md"]),
    ("not-parquet", lambda tmp: _csv(tmp, GOOD, name="log.parquet"),
     ["log.parquet", "not a readable Parquet file"]),
    ("not-utf8", lambda tmp: _bytes(tmp, b"time_min,event\n\xff\xfe,\xff\n"),
     ["bin.csv", "not a readable CSV file"]),
]  # fmt: skip


def _bytes(tmp, data):
    path = tmp / "bin.csv"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make,words", [r[1:] for r in FILE_ROWS], ids=[r[0] for r in FILE_ROWS])
def test_bad_files(tmp_path, make, words):
    with pytest.raises(DataError) as info:
        read_mes_log(make(tmp_path))
    for word in words:
        assert word in str(info.value), str(info.value)
