"""Canonical machine and product ids: the Python rule and its SQL twin agree."""

from __future__ import annotations

import duckdb
import pytest

from dtwin.warehouse.catalog import (
    MACHINE_SQL,
    PRODUCT_KEY_SQL,
    canonical_machine_id,
    canonical_product_id,
    product_key,
)
from dtwin.warehouse.generate import _machine_variants, _product_variants
from dtwin.warehouse.timezones import sql

MACHINE_CASES = [
    ("SMELTER-01", "SMELTER-01"),
    ("Smelter-1", "SMELTER-01"),
    ("smelter1", "SMELTER-01"),
    ("SMELTER_02", "SMELTER-02"),
    ("assembler 1", "ASSEMBLER-01"),
    (" Assembler-001 ", "ASSEMBLER-01"),
    ("press", None),
    ("", None),
]


@pytest.mark.parametrize(
    ("raw", "canonical"), MACHINE_CASES, ids=[r or "empty" for r, _ in MACHINE_CASES]
)
def test_machine_ids(raw: str, canonical: str | None) -> None:
    assert canonical_machine_id(raw) == canonical
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql(MACHINE_SQL, '$1')}", [raw]).fetchone()[0] == canonical


def test_every_generated_variant_maps_back() -> None:
    for machine_id in ("SMELTER-01", "ASSEMBLER-01"):
        assert {canonical_machine_id(v) for v in _machine_variants(machine_id)} == {machine_id}
    variants = _product_variants("Iron Plate", ("Iorn Plate", "Iron Plt", "Fe Plate"))
    assert {canonical_product_id(v) for v in variants} == {"iron-plate"}


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


def test_bronze_checks_cover_every_generated_column() -> None:
    from dtwin.warehouse.bronze import CHECKS
    from dtwin.warehouse.generate import CSV_COLUMNS, SENSOR_KEYS

    assert {k: tuple(CHECKS[k]) for k in CSV_COLUMNS} == CSV_COLUMNS
    assert tuple(CHECKS["sensor_logs"]) == SENSOR_KEYS
