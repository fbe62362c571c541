"""The warehouse's silver tables as an MES event log (``dtwin twin log-from-warehouse``)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.twin.meslog import read_mes_log
from dtwin.twin.warehouselog import log_from_warehouse
from tests.cli_checks import assert_one_error_line
from tests.dtwin.twin.conftest import INVENTED_PLANT


@pytest.fixture(scope="module")
def plant_db(tmp_path_factory):
    """Three days of the invented plant's warehouse (simulated, default chaos), ingested."""
    from dtwin.twin.plantdata import generate_plant_data
    from dtwin.warehouse import ingest

    folder = tmp_path_factory.mktemp("plantwh")
    factory = folder / "plant.yaml"
    factory.write_text(yaml.safe_dump(INVENTED_PLANT), encoding="utf-8")
    generate_plant_data(folder / "data", factory, days=3, seed=4)
    db = folder / "plant.duckdb"
    ingest(folder / "data", db)
    return db, folder / "data"


def test_every_batch_is_a_lot_and_every_breakdown_a_failure(plant_db):
    import duckdb

    db, data = plant_db
    result = log_from_warehouse(db)
    frame = result.frame
    with duckdb.connect(str(db), read_only=True) as con:
        batches = con.execute("SELECT count(*) FROM silver.production_batches").fetchone()[0]
        breakdowns = con.execute(
            "SELECT count(*) FROM silver.operator_logs WHERE event = 'breakdown'"
        ).fetchone()[0]
    assert result.lots == batches == frame.loc[frame["event"] == "release", "part"].nunique()
    assert (frame["event"] == "failure").sum() == breakdowns > 0
    ends = frame[frame["event"].isin(["exit", "scrap"])]
    assert len(ends) == batches
    assert set(frame["station"]) <= {st["name"] for st in INVENTED_PLANT["stations"]}
    assert result.origin == pd.Timestamp("2026-01-01")
    assert frame["time_min"].is_monotonic_increasing and frame["time_min"].min() >= 0


def test_the_log_reads_back_and_calibrates(plant_db, tmp_path):
    db, _ = plant_db
    out = tmp_path / "lots.csv"
    result = CliRunner().invoke(main, ["twin", "log-from-warehouse", str(db), "--out", str(out),
                                       "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["lots"] > 0 and summary["time_unit"] == "minutes since origin_utc"
    log = read_mes_log(out)
    assert len(log) == summary["rows"]
    cal = CliRunner().invoke(main, ["twin", "calibrate", str(out), "--out",
                                    str(tmp_path / "cal.yaml"), "--json"])  # fmt: skip
    assert cal.exit_code == 0, cal.output
    stations = json.loads(cal.output)["stations"]
    truth = {st["name"]: st.get("machines", 1) for st in INVENTED_PLANT["stations"]}
    assert {name: st["machines"] for name, st in stations.items()} == truth


def test_a_breakdown_without_a_repair_gets_one_from_its_detail(tmp_path):
    from dtwin.twin.warehouselog import _machine_rows

    logs = pd.DataFrame(
        {
            "ts_utc": pd.to_datetime(["2026-01-01 01:00", "2026-01-01 05:00"]),
            "machine_id": ["M-1", "M-1"],
            "station": ["m", "m"],
            "event": ["breakdown", "breakdown"],
            "detail": ["stopped for 45 min, fault code E101", "no detail"],
        }
    )
    rows, synthetic = _machine_rows(logs, pd.Timestamp("2026-01-01"))
    assert synthetic == 1
    assert rows[["time_min", "event"]].values.tolist() == [
        [60.0, "failure"], [105.0, "repaired"], [300.0, "failure"]
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p / "missing.duckdb", "no such warehouse file"),
        (lambda p: (p / "text.duckdb").write_text("hello") and p / "text.duckdb", "not a DuckDB"),
    ],
)
def test_bad_warehouses_are_one_error_line(tmp_path, make, needle):
    db = make(tmp_path)
    out = tmp_path / "log.csv"
    assert_one_error_line(
        CliRunner().invoke(main, ["twin", "log-from-warehouse", str(db), "--out", str(out)]),
        needle,
    )


def test_an_empty_warehouse_names_the_missing_tables(tmp_path):
    import duckdb

    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    result = CliRunner().invoke(
        main, ["twin", "log-from-warehouse", str(db), "--out", str(tmp_path / "x.csv")]
    )
    assert_one_error_line(result, "missing table(s) silver.production_batches")


def test_a_bad_out_suffix_is_one_error_line(plant_db, tmp_path):
    db, _ = plant_db
    result = CliRunner().invoke(
        main, ["twin", "log-from-warehouse", str(db), "--out", str(tmp_path / "x.txt")]
    )
    assert_one_error_line(result, "--out", ".csv or .parquet")
