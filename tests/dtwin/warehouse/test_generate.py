"""The raw-data generator: layout, determinism, each chaos type, and bad parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dtwin.errors import ConfigError, WarehouseError
from dtwin.warehouse.catalog import canonical_machine_id
from dtwin.warehouse.chaos import NO_CHAOS
from dtwin.warehouse.generate import FILE_NAMES, generate_raw
from dtwin.warehouse.plant import default_catalog

MACHINE_IDS = default_catalog().machine_ids


def _contents(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_layout_matches_the_issue(small_raw: Path) -> None:
    days = sorted(p.name for p in (small_raw / "raw").iterdir())
    assert days == ["2026-01-01", "2026-01-02", "2026-01-03"]
    for day in days:
        assert sorted(p.name for p in (small_raw / "raw" / day).iterdir()) == sorted(
            FILE_NAMES.values()
        )
        truth = json.loads((small_raw / "ground_truth" / day / "truth.json").read_text())
        assert truth["date"] == day
        assert set(truth["machines"]) == set(MACHINE_IDS)
        assert set(truth["products"]) == {"iron-plate", "gear-wheel"}
        factory = truth["factory"]
        assert factory["units"] == sum(m["units"] for m in truth["machines"].values())
        assert factory["units"] == sum(p["units"] for p in truth["products"].values())
        assert factory["energy_kwh"] > 0


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    generate_raw(tmp_path / "a", days=2, seed=11)
    generate_raw(tmp_path / "b", days=2, seed=11)
    generate_raw(tmp_path / "c", days=2, seed=12)
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")
    assert _contents(tmp_path / "a") != _contents(tmp_path / "c")


def test_every_chaos_type_is_injected(warehouse) -> None:  # noqa: ANN001
    meta = json.loads((warehouse.out / "ground_truth" / "chaos.json").read_text())
    for kind in (
        "product_variants",
        "machine_variants",
        "sensor_nulls",
        "drifted_timestamps",
        "duplicates",
        "late_rows",
        "local_timestamps",
        "malformed_rows",
    ):
        assert meta["injected"][kind] > 0, kind
    sensor_values = meta["source_rows"]["sensor_logs"] * 5
    assert 0.06 < meta["injected"]["sensor_nulls"] / sensor_values < 0.09
    assert meta["degrading_machine"] == "SMELTER-02"


def test_without_chaos_rows_are_clean(tmp_path: Path) -> None:
    generate_raw(tmp_path, days=2, seed=1, chaos=NO_CHAOS)
    text = (tmp_path / "raw" / "2026-01-02" / "production_batches.csv").read_text()
    lines = text.splitlines()[1:]
    machines = {line.split(",")[1] for line in lines}
    assert machines <= set(MACHINE_IDS)
    assert all(line.split(",")[3].endswith(":00Z") for line in lines)  # UTC, no drift
    assert len({line.split(",")[0] for line in lines}) == len(lines)  # no duplicates
    sensors = json.loads((tmp_path / "raw" / "2026-01-02" / "sensor_logs.json").read_text())
    assert len(sensors) == 3 * 96
    assert all(v is not None for record in sensors for v in record.values())


def test_variants_still_name_real_machines(small_raw: Path) -> None:
    lines = (small_raw / "raw" / "2026-01-02" / "operator_logs.csv").read_text().splitlines()
    raws = {line.split(",")[2] for line in lines[1:] if line.count(",") == 5}
    assert {canonical_machine_id(r) for r in raws} <= set(MACHINE_IDS)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sensor_nulls": 1.5}, ConfigError, "sensor_nulls"),
        ({"bogus_rate": 0.1}, ConfigError, "bogus_rate"),
        ({"drift_minutes": 9}, ConfigError, "drift_minutes"),
        ({"days": 0}, WarehouseError, "days"),
        ({"start": "2026-02-30"}, WarehouseError, "start"),
    ],
    ids=["rate-above-one", "unknown-rate", "drift-beyond-half-slot", "zero-days", "bad-start"],
)
def test_bad_parameters(tmp_path: Path, kwargs: dict, error: type, match: str) -> None:
    args = {"days": 1, **kwargs}
    with pytest.raises(error, match=match):
        generate_raw(tmp_path, **args)


def test_refuses_to_mix_with_existing_data(small_raw: Path) -> None:
    with pytest.raises(WarehouseError, match="already holds data"):
        generate_raw(small_raw, days=1)


@pytest.mark.parametrize("minutes", [5, 60], ids=["5-min", "60-min"])
def test_sensor_interval_scales_through_silver_and_gold(tmp_path: Path, minutes: int) -> None:
    from dtwin.warehouse import check_against_truth, ingest

    out = tmp_path / "plant"
    generate_raw(out, days=2, seed=4, sensor_interval_min=minutes)
    assert "sensor_interval_min: " + str(minutes) in (out / "plant.yaml").read_text()
    db = tmp_path / "w.duckdb"
    assert ingest(out, db).rows_rejected == 0
    report = check_against_truth(db, out)
    assert report.passed, report.per_level_metric
    slots = report.quality.query("check == 'silver_rows' and table == 'sensor_logs'")["rows"]
    assert int(slots.iloc[0]) == 2 * len(MACHINE_IDS) * 1440 // minutes


def test_refuses_a_sensor_interval_that_does_not_divide_a_day(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="7 minutes does not divide a day"):
        generate_raw(tmp_path, days=1, sensor_interval_min=7)
    assert not (tmp_path / "raw").exists()
