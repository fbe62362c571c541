"""Gold against the ground truth, and the data-quality report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from dtwin.errors import DataError, WarehouseError
from dtwin.warehouse.validation import check_against_truth


def test_gold_matches_truth_within_half_a_percent(warehouse) -> None:  # noqa: ANN001
    report = check_against_truth(warehouse.db, warehouse.out)
    assert report.passed and report.max_rel_error <= 0.005
    assert set(report.per_metric) == {"batches", "units", "defective", "energy_kwh"}
    # Counts are recovered exactly; only imputed energy may deviate slightly.
    assert report.per_metric["units"] == report.per_metric["defective"] == 0.0
    assert report.comparisons["date"].nunique() == 24
    summary = json.loads(json.dumps(report.to_dict(), default=str))
    assert summary["max_rel_error"] == report.max_rel_error


def test_quality_report_accounts_for_the_injected_chaos(warehouse) -> None:  # noqa: ANN001
    quality = check_against_truth(warehouse.db, warehouse.out).quality
    assert list(quality.columns) == ["check", "table", "rows", "share"]
    meta = json.loads((warehouse.out / "ground_truth" / "chaos.json").read_text())["injected"]
    rows = quality.groupby("check")["rows"].sum()
    assert rows["duplicates_removed"] == meta["duplicates"]
    assert rows["machine_variants_mapped"] == meta["machine_variants"]
    assert rows["product_variants_mapped"] == meta["product_variants"]
    assert rows["quarantined_rows"] == meta["malformed_rows"]
    assert rows["source_rows"] == rows["bronze_rows"] + rows["quarantined_rows"]
    assert rows["late_rows"] > 0 and rows["local_time_rows"] > 0
    nulls = quality[quality["check"].str.startswith("nulls_found")]["rows"].sum()
    assert nulls == pytest.approx(meta["sensor_nulls"], rel=0.1)  # duplicates carry nulls too


def test_a_wrong_gold_value_is_caught(warehouse, tmp_path: Path) -> None:  # noqa: ANN001
    db = tmp_path / "tampered.duckdb"
    shutil.copy(warehouse.db, db)
    con = duckdb.connect(str(db))
    con.execute(
        "UPDATE gold.fact_production SET units = units + 500 WHERE batch_id = "
        "(SELECT min(batch_id) FROM gold.fact_production WHERE machine_id = ?)",
        ["SMELTER-01"],
    )
    con.close()
    report = check_against_truth(db, warehouse.out)
    assert not report.passed
    worst = report.comparisons.sort_values("rel_error").iloc[-1]
    assert str(worst["date"]) == "2026-01-01" and worst["metric"] == "units"


def test_broken_truth_file_is_named(warehouse, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "plant"
    shutil.copytree(warehouse.out / "ground_truth", out / "ground_truth")
    bad = out / "ground_truth" / "2026-01-03" / "truth.json"
    bad.write_text('{"date": "2026-01-03"}')
    with pytest.raises(DataError, match="2026-01-03/truth.json"):
        check_against_truth(warehouse.db, out)


def test_missing_inputs(warehouse, tmp_path: Path) -> None:  # noqa: ANN001
    with pytest.raises(DataError, match="ground_truth"):
        check_against_truth(warehouse.db, tmp_path)
    with pytest.raises(WarehouseError, match="no such warehouse"):
        check_against_truth(tmp_path / "none.duckdb", warehouse.out)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(WarehouseError, match="no gold layer"):
        check_against_truth(empty, warehouse.out)
