"""The simulator's MES event log: the schema, the same run as ``simulate``, the CLI's files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import ConfigError
from dtwin.event_schema import (
    MES_EVENTS,
    MES_LOG_COLUMNS,
    MES_LOG_SCHEMA,
    MES_MACHINE_EVENTS,
    MES_PART_EVENTS,
)
from dtwin.sim import (
    check_mes_path,
    load_factory,
    mes_frame,
    mes_log,
    parse_factory,
    simulate,
    write_mes_log,
)
from dtwin.twin.ids import machine_ids

# failures, periodic maintenance and an inspection that scraps: every event the sim makes
SERVICED = {
    "products": [
        {"name": "a", "routing": ["press", "check"], "arrival": {"dist": "exponential", "mean": 2}},
        {"name": "b", "routing": ["check"], "arrival": {"dist": "exponential", "mean": 5}},
    ],
    "stations": [
        {"name": "press", "machines": 2, "process_time": 1.5, "defect_rate": 0.2,
         "failure": {"ttf": {"dist": "exponential", "mean": 60}, "repair": 5},
         "maintenance": {"policy": "periodic", "interval": 120, "duration": 10}},
        {"name": "check", "kind": "inspection", "process_time": 0.5},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def serviced_log() -> pd.DataFrame:
    return mes_log(SERVICED, days=0.5, warmup_days=0.25, seed=3)


def test_the_log_has_the_schema_columns_and_dtypes(serviced_log):
    assert tuple(serviced_log.columns) == MES_LOG_COLUMNS
    assert {c: str(t) for c, t in serviced_log.dtypes.items()} == {
        c: str(pd.Series(dtype=d).dtype) for c, (d, _) in MES_LOG_SCHEMA.items()
    }


def test_every_event_kind_appears_with_its_fields(serviced_log):
    log = serviced_log
    assert set(log["event"]) == set(MES_EVENTS) - {"maintenance_requested"}
    machine = log["event"].isin(MES_MACHINE_EVENTS)
    assert log.loc[machine, ["part", "product"]].isna().all().all()
    assert log.loc[~machine, ["part", "product"]].notna().all().all()
    release = log["event"] == "release"
    assert log.loc[release, "machine"].isna().all()
    assert log.loc[~release, "machine"].notna().all()


def test_machine_ids_are_the_twins_ids(serviced_log):
    ids = machine_ids(parse_factory(SERVICED))
    seen = set(serviced_log["machine"].dropna())
    assert seen == set(ids.ids)
    for row in serviced_log.dropna(subset=["machine"]).itertuples():
        assert ids.station_of(row.machine) == row.station


def test_products_come_from_the_release_facts(serviced_log):
    """Every part's started stations are its product's routing (an unfinished tail aside)."""
    routing = {p["name"]: p["routing"] for p in SERVICED["products"]}
    parts = serviced_log[serviced_log["event"].isin(MES_PART_EVENTS)]
    for (_, product), rows in parts.groupby(["part", "product"]):
        started = list(rows.loc[rows["event"] == "start", "station"])
        assert started == routing[product][: len(started)]


def test_it_is_the_run_of_simulate_warmup_included_from_time_zero(serviced_log):
    """Same seed, days and warm-up: the same events at the same times as the sim's own log."""
    res = simulate(SERVICED, days=0.5, warmup_days=0.25, seed=3)
    assert res.events["time"].tolist() == serviced_log["time_min"].tolist()
    assert res.events["event"].tolist() == serviced_log["event"].tolist()
    assert serviced_log["time_min"].min() < 0.25 * 1440  # the warm-up is in the log
    assert serviced_log["time_min"].is_monotonic_increasing


def test_state_records_are_no_mes_events():
    frame = mes_frame([(1.0, -1, "a", 0, "state:idle"), (2.0, 4, "a", 0, "start")], {4: "p"})
    assert frame["event"].tolist() == ["start"]
    assert frame.iloc[0].to_dict() == {
        "time_min": 2.0, "event": "start", "part": "4", "product": "p", "station": "a",
        "machine": "a-1",
    }  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_and_read_back(serviced_log, tmp_path, suffix):
    from dtwin.twin.meslog import read_mes_log

    path = tmp_path / f"log{suffix}"
    assert write_mes_log(serviced_log, path) == len(serviced_log)
    back = read_mes_log(path)
    pd.testing.assert_frame_equal(back, serviced_log)


def test_csv_has_a_header_and_empty_fields_for_missing(serviced_log, tmp_path):
    path = tmp_path / "log.csv"
    write_mes_log(serviced_log, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(MES_LOG_COLUMNS)
    release = next(line for line in lines if ",release," in line)
    assert release.endswith(",")  # no machine


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_events_out(minimal_path, tmp_path, suffix):
    out = tmp_path / f"events{suffix}"
    args = ["simulate", str(minimal_path), "--days", "0.1", "--warmup-days", "0.05"]
    result = CliRunner().invoke(main, [*args, "--replications", "2", "--events-out", str(out),
                                       "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    log = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert report["events_out"] == str(out) and report["events_written"] == len(log) > 0
    again = mes_log(load_factory(minimal_path), days=0.1, warmup_days=0.05, seed=0)
    assert log["time_min"].tolist() == again["time_min"].tolist()


def test_cli_text_names_the_file(minimal_path, tmp_path):
    out = tmp_path / "events.csv"
    args = ["simulate", str(minimal_path), "--days", "0.05", "--replications", "1"]
    result = CliRunner().invoke(main, [*args, "--events-out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"MES event log of replication 0: {out}" in result.output


@pytest.mark.parametrize(
    "name,words",
    [
        ("events.txt", ["--events-out", "events.txt", ".csv or .parquet"]),
        ("missing/events.csv", ["--events-out", "missing", "does not exist"]),
    ],
    ids=["suffix", "missing-folder"],
)
def test_cli_bad_events_out(minimal_path, tmp_path, name, words):
    out = tmp_path / name
    args = ["simulate", str(minimal_path), "--days", "0.05", "--replications", "1"]
    result = CliRunner().invoke(main, [*args, "--events-out", str(out)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.output
    assert all(w in errors[0] for w in words), errors[0]
    assert not out.exists()


def test_check_mes_path_names_the_field(tmp_path):
    with pytest.raises(ConfigError, match="path: .* must end in"):
        check_mes_path(tmp_path / "x.json", "path")
