"""Gold: a star schema (SCD2 machines, products, dates, three facts) and daily KPI views.

A batch's ideal minutes use the catalogue's cycle time of its machine for its product (the
station's mean process time, or the product's own where it overrides it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dtwin.warehouse.rawfiles import SENSOR_FIELDS

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

HISTORY_START = "1900-01-01 00:00:00"
PLANNED_MINUTES_PER_DAY = 1440


def _rename_legacy_time_column(con: DuckDBPyConnection) -> None:
    """Databases of earlier versions named the minutes column ``time_s``: rename it in place."""
    legacy = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'gold' "
        "AND table_name = 'fact_sim_event' AND column_name = 'time_s'"
    ).fetchone()[0]
    if legacy:
        con.execute("ALTER TABLE gold.fact_sim_event RENAME COLUMN time_s TO time_min")


def create_gold(con: DuckDBPyConnection) -> None:
    """Create the gold schema and the tables that survive rebuilds (simulation events)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS gold")
    con.execute(
        "CREATE TABLE IF NOT EXISTS gold.fact_sim_event (run_id VARCHAR, time_min DOUBLE, "
        "entity VARCHAR, station VARCHAR, machine INTEGER, event VARCHAR, loaded_at TIMESTAMP)"
    )
    _rename_legacy_time_column(con)
    con.execute(
        "CREATE TABLE IF NOT EXISTS gold.build_info (bronze_files INTEGER, built_at TIMESTAMP)"
    )
    # what gold was built from: a rebuild is due when bronze or the catalogue changed
    con.execute("ALTER TABLE gold.build_info ADD COLUMN IF NOT EXISTS bronze_bytes BIGINT")
    con.execute("ALTER TABLE gold.build_info ADD COLUMN IF NOT EXISTS catalog_digest VARCHAR")


def build_gold(con: DuckDBPyConnection) -> None:
    """(Re)build the gold dimensions, facts and views from silver."""
    create_gold(con)
    _dim_date(con)
    _dim_product(con)
    _dim_machine(con)
    _facts(con)
    _views(con)


def _dim_date(con: DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE gold.dim_date AS
        WITH bounds AS (
            SELECT min(d) AS lo, max(d) AS hi FROM (
                SELECT prod_date AS d FROM silver.production_batches
                UNION ALL SELECT reading_date FROM silver.sensor_readings)
        )
        SELECT CAST(strftime(CAST(g.d AS DATE), '%Y%m%d') AS INTEGER) AS date_key,
               CAST(g.d AS DATE) AS date, year(g.d) AS year, month(g.d) AS month,
               day(g.d) AS day, isodow(g.d) AS iso_weekday, weekofyear(g.d) AS iso_week,
               dayname(g.d) AS weekday_name, isodow(g.d) >= 6 AS is_weekend
        FROM bounds, range(CAST(bounds.lo AS TIMESTAMP),
                           CAST(bounds.hi AS TIMESTAMP) + INTERVAL 1 DAY,
                           INTERVAL 1 DAY) AS g(d)
        WHERE bounds.lo IS NOT NULL
        ORDER BY date_key
        """
    )


def _dim_product(con: DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE gold.dim_product AS
        WITH ids AS (
            SELECT product_id, name FROM silver.product_catalog
            UNION
            SELECT DISTINCT coalesce(product_id, 'unknown'), 'Unknown product'
            FROM silver.production_batches
            WHERE product_id IS NULL
        )
        SELECT row_number() OVER (ORDER BY product_id) AS product_key, product_id, name
        FROM ids ORDER BY product_key
        """
    )


def _dim_machine(con: DuckDBPyConnection) -> None:
    """SCD type 2: one row per machine version; a firmware update opens a new version."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE gold.dim_machine AS
        WITH seen AS (
            SELECT DISTINCT coalesce(machine_id, 'UNKNOWN') AS machine_id
            FROM (SELECT machine_id FROM silver.production_batches
                  UNION ALL SELECT machine_id FROM silver.sensor_readings)
        ), base AS (
            SELECT c.machine_id, c.machine_type, c.ideal_cycle_s, c.firmware,
                   TIMESTAMP '{HISTORY_START}' AS valid_from
            FROM silver.machine_catalog c
            UNION ALL
            SELECT s.machine_id, 'unknown', NULL, NULL, TIMESTAMP '{HISTORY_START}'
            FROM seen s WHERE s.machine_id NOT IN (SELECT machine_id FROM silver.machine_catalog)
        ), changes AS (
            SELECT o.machine_id, b.machine_type, b.ideal_cycle_s,
                   regexp_extract(o.detail, 'firmware\\s+([0-9][0-9.]*)', 1) AS firmware,
                   o.ts_utc AS valid_from
            FROM silver.operator_logs o JOIN base b USING (machine_id)
            WHERE o.event = 'firmware_update'
        ), versions AS (
            SELECT * FROM base UNION ALL SELECT * FROM changes
        )
        SELECT row_number() OVER (ORDER BY machine_id, valid_from) AS machine_key,
               machine_id, machine_type, ideal_cycle_s, firmware, valid_from,
               lead(valid_from) OVER (PARTITION BY machine_id ORDER BY valid_from) AS valid_to,
               lead(valid_from) OVER (PARTITION BY machine_id ORDER BY valid_from) IS NULL
                   AS is_current,
               row_number() OVER (PARTITION BY machine_id ORDER BY valid_from) AS version
        FROM versions ORDER BY machine_key
        """
    )


def _machine_join(alias: str, at: str) -> str:
    return (
        f"LEFT JOIN gold.dim_machine {alias} ON {alias}.machine_id = "
        f"coalesce(x.machine_id, 'UNKNOWN') AND {at} >= {alias}.valid_from "
        f"AND ({alias}.valid_to IS NULL OR {at} < {alias}.valid_to)"
    )


def _facts(con: DuckDBPyConnection) -> None:
    date_key = "CAST(strftime({d}, '%Y%m%d') AS INTEGER)"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE gold.fact_production AS
        SELECT x.batch_id, {date_key.format(d="x.prod_date")} AS date_key, m.machine_key,
               coalesce(x.machine_id, 'UNKNOWN') AS machine_id, p.product_key,
               coalesce(x.product_id, 'unknown') AS product_id,
               x.start_utc, x.end_utc, x.run_minutes, x.units,
               x.units * coalesce(pc.ideal_cycle_s, m.ideal_cycle_s) / 60.0 AS ideal_minutes,
               x.is_late
        FROM silver.production_batches x
        {_machine_join("m", "x.start_utc")}
        LEFT JOIN silver.machine_product_cycle pc
               ON pc.machine_id = x.machine_id AND pc.product_id = x.product_id
        LEFT JOIN gold.dim_product p ON p.product_id = coalesce(x.product_id, 'unknown')
        ORDER BY date_key, machine_id, start_utc
        """
    )
    # Defects count on the day the batch was produced, not the day it was inspected.
    con.execute(
        f"""
        CREATE OR REPLACE TABLE gold.fact_quality AS
        SELECT q.qc_id, q.batch_id,
               coalesce(b.date_key, {date_key.format(d="q.checked_date")}) AS date_key,
               b.machine_key, coalesce(b.machine_id, 'UNKNOWN') AS machine_id, b.product_key,
               coalesce(b.product_id, 'unknown') AS product_id, q.checked_utc,
               q.inspected_units, q.defective_units, q.result, b.batch_id IS NULL AS is_orphan
        FROM silver.qc_checks q
        LEFT JOIN gold.fact_production b ON b.batch_id = q.batch_id
        ORDER BY date_key, q.checked_utc
        """
    )
    imputed = " OR ".join(f"x.{f}_was_null" for f in SENSOR_FIELDS)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE gold.fact_energy AS
        SELECT {date_key.format(d="x.reading_date")} AS date_key, m.machine_key,
               coalesce(x.machine_id, 'UNKNOWN') AS machine_id, x.slot_start,
               x.energy_kwh, x.power_kw, x.temperature_c, x.pressure_bar, x.efficiency,
               x.energy_source, ({imputed}) AS has_imputed_values
        FROM silver.sensor_readings x
        {_machine_join("m", "x.slot_start")}
        ORDER BY machine_id, slot_start
        """
    )


def _views(con: DuckDBPyConnection) -> None:
    """The KPI views: per machine and day, per product and day, per factory day."""
    _machine_daily_view(con)
    _product_daily_view(con)
    _factory_daily_view(con)


def _machine_daily_view(con: DuckDBPyConnection) -> None:
    """Units, defects, energy and OEE (availability x performance x quality) per machine-day."""
    con.execute(
        f"""
        CREATE OR REPLACE VIEW gold.kpi_machine_daily AS
        WITH grid AS (
            SELECT d.date_key, d.date, m.machine_id
            FROM gold.dim_date d,
                 (SELECT DISTINCT machine_id FROM gold.dim_machine) m
        ), prod AS (
            SELECT date_key, machine_id, count(*) AS batches, sum(units) AS units,
                   sum(run_minutes) AS run_minutes, sum(ideal_minutes) AS ideal_minutes
            FROM gold.fact_production GROUP BY ALL
        ), qual AS (
            SELECT date_key, machine_id, sum(defective_units) AS defective,
                   sum(inspected_units) AS inspected
            FROM gold.fact_quality GROUP BY ALL
        ), energy AS (
            SELECT date_key, machine_id, sum(energy_kwh) AS energy_kwh,
                   avg(temperature_c) AS avg_temperature_c, avg(efficiency) AS avg_efficiency,
                   count(*) AS sensor_slots,
                   sum(CAST(has_imputed_values AS INTEGER)) AS imputed_slots
            FROM gold.fact_energy GROUP BY ALL
        )
        SELECT g.date, g.machine_id,
               coalesce(p.batches, 0) AS batches,
               coalesce(p.units, 0) AS units,
               coalesce(q.defective, 0) AS defective,
               coalesce(q.defective, 0) / nullif(p.units, 0) AS defect_rate,
               e.energy_kwh,
               e.energy_kwh / nullif(p.units, 0) AS energy_per_unit,
               {PLANNED_MINUTES_PER_DAY} AS planned_minutes,
               coalesce(p.run_minutes, 0) AS run_minutes,
               coalesce(p.ideal_minutes, 0) AS ideal_minutes,
               coalesce(p.run_minutes, 0) / {PLANNED_MINUTES_PER_DAY} AS availability,
               p.ideal_minutes / nullif(p.run_minutes, 0) AS performance,
               1 - coalesce(q.defective, 0) / nullif(p.units, 0) AS quality,
               (coalesce(p.run_minutes, 0) / {PLANNED_MINUTES_PER_DAY})
                   * (p.ideal_minutes / nullif(p.run_minutes, 0))
                   * (1 - coalesce(q.defective, 0) / nullif(p.units, 0)) AS oee,
               e.avg_temperature_c, e.avg_efficiency,
               coalesce(e.sensor_slots, 0) AS sensor_slots,
               coalesce(e.imputed_slots, 0) AS imputed_slots
        FROM grid g
        LEFT JOIN prod p USING (date_key, machine_id)
        LEFT JOIN qual q USING (date_key, machine_id)
        LEFT JOIN energy e USING (date_key, machine_id)
        ORDER BY g.date, g.machine_id
        """
    )


def _product_daily_view(con: DuckDBPyConnection) -> None:
    """Batches, units and defects per product and day."""
    con.execute(
        """
        CREATE OR REPLACE VIEW gold.kpi_product_daily AS
        WITH grid AS (
            SELECT d.date_key, d.date, p.product_id FROM gold.dim_date d, gold.dim_product p
        ), prod AS (
            SELECT date_key, product_id, count(*) AS batches, sum(units) AS units
            FROM gold.fact_production GROUP BY ALL
        ), qual AS (
            SELECT date_key, product_id, sum(defective_units) AS defective
            FROM gold.fact_quality GROUP BY ALL
        )
        SELECT g.date, g.product_id, coalesce(p.batches, 0) AS batches,
               coalesce(p.units, 0) AS units, coalesce(q.defective, 0) AS defective,
               coalesce(q.defective, 0) / nullif(p.units, 0) AS defect_rate
        FROM grid g
        LEFT JOIN prod p USING (date_key, product_id)
        LEFT JOIN qual q USING (date_key, product_id)
        ORDER BY g.date, g.product_id
        """
    )


def _factory_daily_view(con: DuckDBPyConnection) -> None:
    """The machine-days summed per day, with the mean OEE."""
    con.execute(
        """
        CREATE OR REPLACE VIEW gold.kpi_factory_daily AS
        SELECT date, sum(batches) AS batches, sum(units) AS units, sum(defective) AS defective,
               sum(defective) / nullif(sum(units), 0) AS defect_rate,
               sum(energy_kwh) AS energy_kwh,
               sum(energy_kwh) / nullif(sum(units), 0) AS energy_per_unit,
               avg(oee) AS mean_oee
        FROM gold.kpi_machine_daily GROUP BY date ORDER BY date
        """
    )
