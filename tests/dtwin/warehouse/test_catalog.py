"""The plant catalogue: built from a factory YAML, ids matched by key (Python and SQL agree)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dtwin.errors import ConfigError
from dtwin.paths import DEMO_FACTORY, SMELTER_FACTORY
from dtwin.warehouse.catalog import (
    MACHINE_KEY_SQL,
    PRODUCT_KEY_SQL,
    canonical_machine_id,
    canonical_product_id,
    machine_key,
    machine_variants,
    product_key,
    product_variants,
)
from dtwin.warehouse.plant import catalog_from_factory, default_catalog, dist_bounds, load_catalog
from dtwin.warehouse.timezones import sql

MACHINE_CASES = [
    ("SMELTER-01", "SMELTER-01"),
    ("Smelter-1", "SMELTER-01"),
    ("smelter1", "SMELTER-01"),
    ("Smelter_01", "SMELTER-01"),
    ("SMELTER_02", "SMELTER-02"),
    ("assembler 1", "ASSEMBLER-01"),
    (" Assembler-001 ", "ASSEMBLER-01"),
    ("SMELTER-10", None),  # 10 is not 1: only leading zeros go
    ("press", None),
    ("", None),
]


@pytest.mark.parametrize(
    ("raw", "canonical"), MACHINE_CASES, ids=[r or "empty" for r, _ in MACHINE_CASES]
)
def test_machine_ids(raw: str, canonical: str | None) -> None:
    assert canonical_machine_id(raw) == canonical


KEY_CASES = ["SMELTER-01", "weld a 1", "weld_a-1", "A0B00C001", "x-100-007", "0", "00", "01a02",
             "a0-0b", "Öfen-03", "", "1001", "a010"]  # fmt: skip


@pytest.mark.parametrize("raw", KEY_CASES, ids=[r or "empty" for r in KEY_CASES])
def test_machine_key_sql_matches_python(raw: str) -> None:
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql(MACHINE_KEY_SQL, '$1')}", [raw]).fetchone()[0] == machine_key(
        raw
    )


def test_every_generated_variant_maps_back() -> None:
    catalog = load_catalog(DEMO_FACTORY)
    for machine_id in [*default_catalog().machine_ids, *catalog.machine_ids]:
        cat = default_catalog() if machine_id.isupper() else catalog
        variants = machine_variants(machine_id)
        assert variants and machine_id not in variants
        assert {canonical_machine_id(v, cat) for v in variants} == {machine_id}
    variants = product_variants("Iron Plate", ("Iorn Plate", "Iron Plt", "Fe Plate"))
    assert {canonical_product_id(v) for v in variants} == {"iron-plate"}
    assert canonical_machine_id("weld a 1", catalog) == "weld_a-1"


@pytest.mark.parametrize("machine_id", ["st01-1", "st10-5", "line2-press-3", "a1b2c3"])
def test_variants_of_ids_with_several_digit_runs_keep_their_key(machine_id: str) -> None:
    # zero-padding both runs (st01-1 as ST-01-01) would read as machine st101
    variants = machine_variants(machine_id)
    assert variants and machine_id not in variants
    assert {machine_key(v) for v in variants} == {machine_key(machine_id)}


@pytest.mark.parametrize(
    "raw", ["IRON_PLATES", "iron-plate", " Iron Plate ", "Iorn Plate"], ids=str.strip
)
def test_product_key_sql_matches_python(raw: str) -> None:
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql(PRODUCT_KEY_SQL, '$1')}", [raw]).fetchone()[0] == product_key(
        raw
    )
    assert canonical_product_id(raw) == "iron-plate"


def test_unknown_product_is_none() -> None:
    assert canonical_product_id("Copper Cable") is None


def test_default_catalogue_is_the_smelter_factory() -> None:
    catalog = default_catalog()
    assert catalog == load_catalog(SMELTER_FACTORY)
    assert catalog.machine_ids == ("SMELTER-01", "SMELTER-02", "ASSEMBLER-01")
    smelter, _, assembler = catalog.machines
    assert (smelter.ideal_cycle_s, smelter.run_kw, smelter.idle_kw) == (3.2, 90.0, 12.0)
    assert (smelter.defect_p, smelter.firmware, smelter.products) == (0.015, "1.0", ("iron-plate",))
    assert (assembler.ideal_cycle_s, assembler.run_kw, assembler.firmware) == (5.0, 45.0, "2.3")
    assert [p.name for p in catalog.products] == ["Iron Plate", "Gear Wheel"]
    assert catalog.sensor_interval_min == 15


def test_catalogue_of_the_demo_factory() -> None:
    catalog = load_catalog(DEMO_FACTORY)
    assert "press_a-2" in catalog.machine_ids and len(catalog.machine_ids) == 17
    pack = catalog.machine("pack-1")
    assert pack.products == ("housing", "shaft", "gearbox")
    assert pack.ideal_cycle_s == pytest.approx((0.7 + 0.9 + 1.4) / 3 * 60)
    assert pack.cycle_s("gearbox") == pytest.approx(((1.0 + 1.5 + 2.5) / 3 * 60, 60.0))
    assert catalog.machine("press_a-1").min_cycle_s == 0  # lognormal: no lower bound
    assert catalog.product("shaft").name == "Shaft"


def _factory(**station: object) -> dict:
    return {
        "products": [{"name": "part", "routing": ["cut", "weld"]}],
        "stations": [
            {"name": "cut", "machines": 2, "process_time": 2.0},
            {"name": "weld", "machines": 1, "process_time": 3.0, **station},
        ],
    }


BAD_CATALOGUES = [
    ("ids-collide", {"machine_ids": ["CUT-01"]}, "'cut-1' and 'CUT-01' collide"),
    ("no-letters", {"machine_ids": ["--"]}, "no letters or digits"),
    ("bad-dist", {"process_time": {"dist": "gamma", "k": 2}}, "stations.weld.process_time"),
    ("bad-triangular", {"process_time": {"dist": "triangular", "low": 1}}, "triangular"),
]


@pytest.mark.parametrize(
    ("station", "message"), [c[1:] for c in BAD_CATALOGUES], ids=[c[0] for c in BAD_CATALOGUES]
)
def test_bad_catalogues_are_refused(station: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        catalog_from_factory(_factory(**station), "f.yaml")


@pytest.mark.parametrize("minutes", [7, 0, 1441, 2.5], ids=str)
def test_sensor_interval_must_divide_a_day(minutes: object) -> None:
    with pytest.raises(ConfigError, match="sensor_interval_min.*divisor of 1440"):
        catalog_from_factory({**_factory(), "sensor_interval_min": minutes}, "f.yaml")


def test_product_spellings_must_not_collide(tmp_path: Path) -> None:
    data = _factory()
    data["products"].append({"name": "parts", "routing": ["cut"]})
    with pytest.raises(ConfigError, match="collides with product 'part'"):
        catalog_from_factory(data, "f.yaml")


@pytest.mark.parametrize(
    ("dist", "bounds"),
    [
        (2.5, (2.5, 2.5)),
        ({"dist": "uniform", "low": 1, "high": 3}, (2.0, 1.0)),
        ({"dist": "weibull", "shape": 1, "scale": 4}, (4.0, 0.0)),
        ({"dist": "empirical", "values": [1, 3], "weights": [3, 1]}, (1.5, 1.0)),
    ],
    ids=["number", "uniform", "weibull", "empirical"],
)
def test_distribution_bounds(dist: object, bounds: tuple[float, float]) -> None:
    assert dist_bounds(dist, "x") == pytest.approx(bounds)


def test_bronze_checks_cover_every_generated_column() -> None:
    from dtwin.warehouse.bronze import CHECKS
    from dtwin.warehouse.rawfiles import CSV_COLUMNS, SENSOR_KEYS

    assert {k: tuple(CHECKS[k]) for k in CSV_COLUMNS} == CSV_COLUMNS
    assert tuple(CHECKS["sensor_logs"]) == SENSOR_KEYS
