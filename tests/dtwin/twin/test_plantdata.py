"""The warehouse's raw files from a simulated factory: gold equals the simulation's truth."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from dtwin import cli
from dtwin.paths import DEMO_FACTORY
from dtwin.twin.plantdata import generate_plant_data
from dtwin.warehouse import check_against_truth, ingest, load_catalog

# Two stations with different machine counts (custom ids on the welder), two products with
# different routings, a product-specific process time, failures, wear and maintenance.
FACTORY = {
    "name": "two_stations",
    "products": [
        {
            "name": "bracket",
            "routing": ["cutter", "welder"],
            "arrival": {"dist": "exponential", "mean": 6.0},
            "process_times": {"welder": {"dist": "triangular", "low": 6, "mode": 7, "high": 9}},
        },
        {
            "name": "hinge",
            "label": "Door Hinge",
            "aliases": ["Hinge Door"],
            "routing": ["cutter"],
            "arrival": {"dist": "exponential", "mean": 9.0},
        },
    ],
    "stations": [
        {
            "name": "cutter",
            "machines": 3,
            "process_time": {"dist": "uniform", "low": 6, "high": 10},
            "defect_rate": 0.03,
            "energy": {"running": 20, "idle": 4, "blocked": 4, "starved": 3, "down": 1},
            "failure": {
                "ttf": {"dist": "exponential", "mean": 600},
                "repair": {"dist": "exponential", "mean": 30},
            },
        },
        {
            "name": "welder",
            "machines": 2,
            "machine_ids": ["WLD-A", "WLD-B"],
            "firmware": "3.1",
            "process_time": {"dist": "lognormal", "mean": 8, "std": 2},
            "defect_rate": 0.05,
            "health": {"wear_per_op": 0.001, "defect_factor": 0.1},
            "maintenance": {"policy": "periodic", "interval": 2000, "duration": 45},
            "energy": {"running": 35, "idle": 5, "blocked": 5, "starved": 5, "maintenance": 3},
        },
    ],
}
PLANT_IDS = {"cutter-1", "cutter-2", "cutter-3", "WLD-A", "WLD-B"}


@pytest.fixture(scope="module")
def factory_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("factory") / "two.yaml"
    path.write_text(yaml.safe_dump(FACTORY))
    return path


def _gold_machines(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            r[0] for r in con.execute("SELECT machine_id FROM gold.kpi_machine_daily").fetchall()
        }
    finally:
        con.close()


def test_simulated_plant_validates_with_the_plants_ids(factory_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plant"
    generated = generate_plant_data(out, factory_file, days=5, seed=4)
    assert generated.rows["production_batches"] > 0 and (out / "plant.yaml").is_file()
    db = tmp_path / "w.duckdb"
    result = ingest(out, db)  # the catalogue comes from OUT/plant.yaml
    assert result.rows_rejected == 0
    report = check_against_truth(db, out)
    assert report.passed and report.max_rel_error <= 0.005, report.per_level_metric
    assert report.per_metric["units"] == report.per_metric["defective"] == 0.0
    assert _gold_machines(db) == PLANT_IDS == set(load_catalog(factory_file).machine_ids)
    truth = json.loads((out / "ground_truth" / "2026-01-03" / "truth.json").read_text())
    assert set(truth["machines"]) == PLANT_IDS and set(truth["products"]) == {"bracket", "hinge"}
    assert truth["factory"]["defective"] > 0 and truth["firmware"]["WLD-A"] == "3.1"
    con = duckdb.connect(str(db), read_only=True)
    oee = con.execute("SELECT min(oee), max(oee) FROM gold.kpi_machine_daily").fetchone()
    con.close()
    assert 0.2 < oee[0] <= oee[1] < 1.0  # defined for every machine of this plant


def test_same_seed_same_bytes(factory_file: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate_plant_data(tmp_path / name, factory_file, days=2, seed=9, sensor_interval_min=30)
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert files and all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files
    )


def test_demo_factory_through_the_cli(tmp_path: Path) -> None:
    out, db = tmp_path / "demo", tmp_path / "w.duckdb"
    runner = CliRunner()
    args = ["data", "generate", str(out), "--factory", str(DEMO_FACTORY), "--days", "2"]
    generated = runner.invoke(cli.main, [*args, "--sensor-interval-min", "30", "--seed", "3"])
    assert generated.exit_code == 0, generated.output
    ingested = runner.invoke(
        cli.main, ["data", "ingest", str(out), "--db", str(db), "--factory", str(DEMO_FACTORY)]
    )
    assert ingested.exit_code == 0, ingested.output
    # the demo sets no sensor interval: the generated data's (OUT/plant.yaml) applies, so the
    # catalogue from plant.yaml is the same one and a second ingest changes nothing
    again = runner.invoke(cli.main, ["data", "ingest", str(out), "--db", str(db)])
    assert again.exit_code == 0 and "gold unchanged" in again.output, again.output
    validated = runner.invoke(cli.main, ["data", "validate", "--db", str(db), "--raw", str(out)])
    assert validated.exit_code == 0, validated.output
    assert _gold_machines(db) == set(load_catalog(DEMO_FACTORY).machine_ids)
    con = duckdb.connect(str(db), read_only=True)
    slots = con.execute("SELECT count(*) FROM silver.sensor_readings").fetchone()[0]
    con.close()
    assert slots == 2 * 17 * 48
