"""Silver cleaning and the gold star schema."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from dtwin.warehouse.plant import default_catalog
from dtwin.warehouse.timezones import parse_timestamp

MACHINE_IDS = default_catalog().machine_ids


@pytest.fixture(scope="module")
def con(warehouse):  # noqa: ANN001, ANN201
    connection = duckdb.connect(str(warehouse.db), read_only=True)
    yield connection
    connection.close()


def _one(con, query: str, params: list | None = None):  # noqa: ANN001, ANN202
    return con.execute(query, params or []).fetchone()


def test_batches_are_deduplicated_on_their_id(con) -> None:  # noqa: ANN001
    total, unique, removed = _one(
        con,
        "SELECT count(*), count(DISTINCT batch_id), sum(duplicates_removed) "
        "FROM silver.production_batches",
    )
    bronze = _one(con, "SELECT count(*) FROM bronze.production_batches")[0]
    assert total == unique and removed > 0 and total + removed == bronze


def test_ids_are_canonical(con) -> None:  # noqa: ANN001
    machines = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT machine_id FROM silver.production_batches UNION "
            "SELECT DISTINCT machine_id FROM silver.sensor_readings"
        ).fetchall()
    }
    products = {
        r[0]
        for r in con.execute("SELECT DISTINCT product_id FROM silver.production_batches").fetchall()
    }
    assert machines == set(MACHINE_IDS)
    assert products == {"iron-plate", "gear-wheel"}


def test_local_times_are_converted_to_utc(con) -> None:  # noqa: ANN001
    raw, start_utc = _one(
        con,
        "SELECT b.start_time, s.start_utc FROM bronze.production_batches b "
        "JOIN silver.production_batches s ON s._source_file = b._source_file "
        "AND s._line = b._line WHERE b.start_time LIKE '%+01:00' LIMIT 1",
    )
    local = datetime.fromisoformat(raw[:19])
    assert start_utc == parse_timestamp(raw)[0]
    assert (local - start_utc).total_seconds() == 3600


def test_late_rows_sit_on_their_true_day(con) -> None:  # noqa: ANN001
    late = _one(con, "SELECT count(*) FILTER (is_late) FROM silver.production_batches")[0]
    assert late > 0
    # The batch id carries its true production day; late rows must keep it.
    mismatches = _one(
        con,
        "SELECT count(*) FROM silver.production_batches "
        "WHERE strftime(prod_date, '%Y%m%d') <> substr(batch_id, 2, 8)",
    )[0]
    assert mismatches == 0


def test_sensor_nulls_are_flagged_and_filled(con, warehouse) -> None:  # noqa: ANN001
    days = warehouse.generated.days
    slots, flagged, left_null = _one(
        con,
        "SELECT count(*), count(*) FILTER (temperature_c_was_null), "
        "count(*) FILTER (temperature_c IS NULL OR energy_kwh IS NULL OR power_kw IS NULL) "
        "FROM silver.sensor_readings",
    )
    assert slots == days * len(MACHINE_IDS) * 96  # one reading per machine and 15-minute slot
    assert flagged > 0 and left_null == 0
    sources = {
        r[0]
        for r in con.execute("SELECT DISTINCT energy_source FROM silver.sensor_readings").fetchall()
    }
    assert {"measured", "from_power"} <= sources


def test_interpolation_is_linear_between_neighbours(con) -> None:  # noqa: ANN001
    row = _one(
        con,
        "WITH x AS (SELECT machine_id, slot_start, efficiency, efficiency_was_null, "
        "lag(efficiency) OVER w AS before, lead(efficiency) OVER w AS after, "
        "lag(efficiency_was_null) OVER w AS before_null, lead(efficiency_was_null) OVER w "
        "AS after_null FROM silver.sensor_readings "
        "WINDOW w AS (PARTITION BY machine_id ORDER BY slot_start)) "
        "SELECT efficiency, before, after FROM x WHERE efficiency_was_null "
        "AND NOT before_null AND NOT after_null LIMIT 1",
    )
    value, before, after = row
    assert value == pytest.approx((before + after) / 2)


def test_dim_machine_is_scd2(con) -> None:  # noqa: ANN001
    versions = con.execute(
        "SELECT machine_id, firmware, valid_from, valid_to, is_current FROM gold.dim_machine "
        "ORDER BY machine_id, valid_from"
    ).fetchall()
    by_machine: dict[str, list] = {}
    for row in versions:
        by_machine.setdefault(row[0], []).append(row)
    assert all(sum(v[4] for v in rows) == 1 for rows in by_machine.values())
    for rows in by_machine.values():
        for older, newer in zip(rows, rows[1:], strict=False):
            assert older[3] == newer[2]  # closed exactly when the next version opens
    updated = [rows for rows in by_machine.values() if len(rows) > 1]
    assert updated and updated[0][1][1] != updated[0][0][1]  # firmware changed


def test_facts_join_the_version_valid_at_the_time(con) -> None:  # noqa: ANN001
    wrong = _one(
        con,
        "SELECT count(*) FROM gold.fact_production f JOIN gold.dim_machine m "
        "USING (machine_key) WHERE NOT (f.start_utc >= m.valid_from AND "
        "(m.valid_to IS NULL OR f.start_utc < m.valid_to))",
    )[0]
    versions = _one(con, "SELECT count(DISTINCT machine_key) FROM gold.fact_production")[0]
    assert wrong == 0 and versions > len(MACHINE_IDS)


def test_gold_tables_and_views(con, warehouse) -> None:  # noqa: ANN001
    days = warehouse.generated.days
    names = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gold'"
        ).fetchall()
    }
    assert {
        "dim_machine",
        "dim_product",
        "dim_date",
        "fact_production",
        "fact_quality",
        "fact_energy",
        "kpi_machine_daily",
        "kpi_product_daily",
        "kpi_factory_daily",
    } <= names
    assert _one(con, "SELECT count(*) FROM gold.dim_date")[0] == days
    assert _one(con, "SELECT count(*) FROM gold.kpi_machine_daily")[0] == days * len(MACHINE_IDS)
    oee = _one(con, "SELECT min(oee), max(oee) FROM gold.kpi_machine_daily")
    assert 0.3 < oee[0] <= oee[1] < 1.0  # reality check
