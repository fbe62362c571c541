"""kpi_daily, the demo warehouse, simulation event logs, and the `dtwin data` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import dtwin.cli
from dtwin.errors import DataError
from dtwin.warehouse import build_demo_warehouse, demo_warehouse, kpi_daily, load_event_log

CONTRACT = [
    "date",
    "machine_id",
    "units",
    "defective",
    "defect_rate",
    "energy_kwh",
    "energy_per_unit",
]


def test_kpi_daily_columns_and_rows(warehouse) -> None:  # noqa: ANN001
    kpis = kpi_daily(warehouse.db)
    assert list(kpis.columns[:7]) == CONTRACT
    assert {"availability", "performance", "quality", "oee"} <= set(kpis.columns)
    assert len(kpis) == 24 * 3
    one = kpi_daily(warehouse.db, machine_id="SMELTER-02")
    assert set(one["machine_id"]) == {"SMELTER-02"} and len(one) == 24


def test_degrading_machine_is_visible(warehouse) -> None:  # noqa: ANN001
    kpis = kpi_daily(warehouse.db).set_index("date")

    def trend(machine: str, column: str) -> float:
        series = kpis[kpis["machine_id"] == machine][column]
        return series.iloc[-5:].mean() / series.iloc[:5].mean()

    assert trend("SMELTER-02", "energy_per_unit") > 1.15
    assert trend("SMELTER-02", "defect_rate") > 1.5
    assert 0.9 < trend("SMELTER-01", "energy_per_unit") < 1.1


def test_demo_warehouse_is_deterministic(tmp_path: Path) -> None:
    first = kpi_daily(build_demo_warehouse(tmp_path / "a.duckdb", days=2, seed=5))
    again = kpi_daily(build_demo_warehouse(tmp_path / "a.duckdb", days=2, seed=5))
    pd.testing.assert_frame_equal(first, again)
    assert len(first) == 2 * 3 and first["units"].gt(0).all()


def test_demo_warehouse_is_built_once_and_shared(tmp_path: Path) -> None:
    path = demo_warehouse(days=2, seed=5, cache_dir=tmp_path)
    stamp = path.stat().st_mtime_ns
    assert demo_warehouse(days=2, seed=5, cache_dir=tmp_path) == path
    assert path.stat().st_mtime_ns == stamp  # reused, not rebuilt
    assert demo_warehouse(days=3, seed=5, cache_dir=tmp_path) != path
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "demo-warehouse-2d-seed5.duckdb",
        "demo-warehouse-3d-seed5.duckdb",
    ]  # nothing else left behind
    pd.testing.assert_frame_equal(
        kpi_daily(path), kpi_daily(build_demo_warehouse(tmp_path / "b.duckdb", days=2, seed=5))
    )


def test_load_event_log(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    events = pd.DataFrame(
        {
            "time": [0.0, 1.5, 2.0],
            "entity": [1, 1, 2],
            "station": ["press", "press", "paint"],
            "machine": [0, 0, None],
            "event": ["start", "end", "start"],
        }
    )
    run = load_event_log(db, events, run_id="run-1")
    load_event_log(db, events)
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute(
        "SELECT count(*), count(DISTINCT run_id) FROM gold.fact_sim_event"
    ).fetchone()
    press = con.execute(
        "SELECT events FROM gold.sim_station_events WHERE run_id = ? AND station = ? AND event = ?",
        [run, "press", "start"],
    ).fetchone()
    con.close()
    assert run == "run-1" and stored == (6, 2) and press == (1,)


def test_event_times_are_minutes_and_an_old_time_s_column_is_renamed(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA gold")
    con.execute(
        "CREATE TABLE gold.fact_sim_event (run_id VARCHAR, time_s DOUBLE, entity VARCHAR, "
        "station VARCHAR, machine INTEGER, event VARCHAR, loaded_at TIMESTAMP)"
    )
    con.execute("INSERT INTO gold.fact_sim_event VALUES ('old', 4.0, '1', 'a', 0, 'start', NULL)")
    con.close()
    events = pd.DataFrame(
        {"time": [7.5], "entity": [2], "station": ["a"], "machine": [0], "event": ["start"]}
    )
    load_event_log(db, events, run_id="new")
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT run_id, first_min, last_min FROM gold.sim_station_events ORDER BY run_id"
    ).fetchall()
    con.close()
    assert rows == [("new", 7.5, 7.5), ("old", 4.0, 4.0)]


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"time": [1.0], "station": ["a"]}), "missing column"),
        (
            pd.DataFrame(
                {"time": ["soon"], "entity": [1], "station": ["a"], "machine": [0], "event": ["x"]}
            ),
            "row 0: time 'soon'",
        ),
        (
            pd.DataFrame(
                {
                    "time": [1.0],
                    "entity": [1],
                    "station": ["a"],
                    "machine": ["left"],
                    "event": ["x"],
                }
            ),
            "row 0: machine 'left'",
        ),
        ([1, 2, 3], "expected a pandas DataFrame"),
    ],
    ids=["missing-columns", "non-numeric-time", "non-numeric-machine", "not-a-frame"],
)
def test_bad_event_logs(tmp_path: Path, frame: object, match: str) -> None:
    with pytest.raises(DataError, match=match):
        load_event_log(tmp_path / "e.duckdb", frame)


def test_cli_generate_ingest_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    out, db = tmp_path / "plant", tmp_path / "w.duckdb"
    steps = [
        ["data", "generate", str(out), "--days", "2", "--start", "2026-03-01", "--seed", "4"],
        ["data", "ingest", str(out), "--db", str(db)],
        ["data", "validate", "--db", str(db), "--raw", str(out), "--json"],
    ]
    results = [runner.invoke(dtwin.cli.main, args) for args in steps]
    assert [r.exit_code for r in results] == [0, 0, 0], [r.output for r in results]
    assert (out / "raw" / "2026-03-02" / "sensor_logs.json").is_file()
    summary = json.loads(results[2].output.strip().splitlines()[-1])
    assert summary["max_rel_error"] <= 0.005
    assert set(summary["per_metric"]) == {"batches", "units", "defective", "energy_kwh"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["data", "generate", "{tmp}/x", "--days", "1", "--rate", "sensor_nulls=2"],
            "sensor_nulls",
        ),
        (["data", "ingest", "{tmp}/nothing", "--db", "{tmp}/w.duckdb"], "no raw/ folder"),
        (
            ["data", "validate", "--db", "{tmp}/none.duckdb", "--raw", "{tmp}"],
            "no */truth.json files",
        ),
    ],
    ids=["bad-rate", "no-raw-folder", "no-ground-truth"],
)
def test_cli_bad_input_is_one_error_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(dtwin.cli.main, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("error: ")
    assert message in result.output


def _two_machines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-02", "2026-01-02"]),
            "machine_id": ["A", "B", "A", "B"],
            "units": [100, 300, 100, 0],
            "defective": [10, 30, 0, 0],
            "energy_kwh": [50.0, 100.0, 50.0, 10.0],
            "availability": [0.5, 1.0, 0.5, 1.0],
            "oee": [0.25, 0.75, 0.25, 0.75],
        }
    )


def test_kpi_totals_are_ratios_of_sums() -> None:
    from dtwin.warehouse import kpi_totals

    totals = kpi_totals(_two_machines())
    assert totals["units"] == 500 and totals["defective"] == 40 and totals["energy_kwh"] == 210
    assert totals["defect_rate"] == pytest.approx(40 / 500)
    assert totals["energy_per_unit"] == pytest.approx(210 / 500)
    no_units = kpi_totals(_two_machines().assign(units=0))
    assert "defect_rate" not in no_units and "energy_per_unit" not in no_units
    energy_only = kpi_totals(_two_machines()[["date", "energy_kwh"]])
    assert energy_only["energy_kwh"] == 210 and np.isnan(energy_only["energy_per_unit"])


def test_mean_oee_filter_and_pivots() -> None:
    from datetime import date

    from dtwin.warehouse import filter_kpis, kpi_by_day, kpi_by_machine, mean_oee

    daily = _two_machines()
    assert mean_oee(daily) == {"availability": 0.75, "oee": 0.5}
    only_a = filter_kpis(daily, machines=["A"])
    assert list(only_a["machine_id"]) == ["A", "A"]
    day_two = filter_kpis(daily, first=date(2026, 1, 2), last=date(2026, 1, 2))
    assert len(day_two) == 2 and filter_kpis(daily).equals(daily)
    assert filter_kpis(daily, machines=[]).empty
    wide = kpi_by_day(daily, "units")
    assert list(wide.columns) == ["A", "B"] and wide.loc["2026-01-01", "B"] == 300
    assert kpi_by_machine(daily, "units").to_dict() == {"A": 100.0, "B": 150.0}


def test_ingest_fresh_starts_from_an_empty_warehouse(small_raw: Path, tmp_path: Path) -> None:
    from dtwin.warehouse import ingest

    db = tmp_path / "w.duckdb"
    first = ingest(small_raw, db)
    assert ingest(small_raw, db).files_loaded == 0
    again = ingest(small_raw, db, fresh=True)
    assert again.files_loaded == first.files_loaded and again.rows_loaded == first.rows_loaded
