"""What a plant dashboard shows from a warehouse: machine status with degradation flags, daily
sensor means, the material flow by day and the data quality found per delivery day.

Everything is read once (:func:`load_plant_board`) and then cut by day in pandas, so a day
selector that plays through the days never queries the database again. Degradation is judged
only from the days up to the selected one (a dashboard must not know the future): the
efficiency and energy-per-unit trends of :func:`~dtwin.warehouse.kpis.kpi_trends` over that
history, against thresholds measured on the demo plant (``benchmarks`` not needed: on seeds 0
and 1, 7 to 30 days, the wearing SMELTER-02 showed efficiency trends of -0.26 to -0.30 and
energy-per-unit trends of +0.36 to +0.55 per 30 days, the healthy machines |0.01| and below
+0.06).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import WarehouseError

MIN_TREND_DAYS = 7  # fewer days of history: too few to judge a trend
EFFICIENCY_DROP = -0.05  # efficiency trend per 30 days at or below which a machine is flagged
ENERGY_RISE = 0.15  # energy-per-unit trend per 30 days at or above which a machine is flagged
SENSORS = ("efficiency", "temperature_c", "pressure_bar")
RAW_NODE = "raw material"
GOOD_NODE = "good units"
DEFECT_NODE = "defective units"

# (check, what it means): the data-quality rows of quality_by_day, in display order
PLANT_QUALITY_CHECKS: dict[str, str] = {
    "nulls_found": "sensor values missing (filled)",
    "id_variants": "ids spelled another way (mapped)",
    "duplicates_removed": "duplicate rows (removed)",
    "late_rows": "rows delivered late",
    "quarantined": "rows that could not be read (quarantined)",
    "rejected": "implausible rows (rejected)",
}


@dataclass(frozen=True)
class PlantBoard:
    """Everything the dashboard draws, per day: KPIs, sensors, flows and data quality."""

    daily: pd.DataFrame  # gold.kpi_machine_daily (date as Timestamp)
    sensors: pd.DataFrame  # date, machine_id, efficiency, temperature_c, pressure_bar (means)
    flows: pd.DataFrame  # date, source, target, units
    quality: pd.DataFrame  # date, check, rule, rows

    @property
    def days(self) -> list[date]:
        """The days the warehouse covers, in order."""
        return sorted(pd.to_datetime(self.daily["date"]).dt.date.unique())

    @property
    def machines(self) -> list[str]:
        """Machine ids, sorted."""
        return sorted(self.daily["machine_id"].astype(str).unique())


def load_plant_board(db_path: str | Path) -> PlantBoard:
    """Read the gold KPIs, daily sensor means, flows and per-day data quality of ``db_path``."""
    from dtwin.warehouse.kpis import kpi_daily
    from dtwin.warehouse.loading import connect, table_names

    daily = kpi_daily(db_path)
    con = connect(db_path, read_only=True)
    try:
        needed = {"gold.fact_energy", "gold.fact_production", "gold.fact_quality"}
        if not needed <= table_names(con):
            raise WarehouseError(f"{db_path}: no gold layer; run `dtwin data ingest` first")
        sensors = _sensor_daily(con)
        flows = _flows(con)
        quality = _quality_by_day(con, table_names(con))
    finally:
        con.close()
    return PlantBoard(daily, sensors, flows, quality)


def _sensor_daily(con) -> pd.DataFrame:
    frame = con.execute(
        "SELECT CAST(slot_start AS DATE) AS date, machine_id, avg(efficiency) AS efficiency, "
        "avg(temperature_c) AS temperature_c, avg(pressure_bar) AS pressure_bar "
        "FROM gold.fact_energy GROUP BY ALL ORDER BY date, machine_id"
    ).df()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _flows(con) -> pd.DataFrame:
    """Units per link: raw material -> machine -> product -> good / defective units."""
    frame = con.execute(
        f"""
        WITH prod AS (
            SELECT date_key, machine_id, product_id, sum(units) AS units
            FROM gold.fact_production GROUP BY ALL
        ), bad AS (
            SELECT date_key, product_id, sum(defective_units) AS defective
            FROM gold.fact_quality WHERE NOT is_orphan GROUP BY ALL
        ), made AS (
            SELECT date_key, product_id, sum(units) AS units FROM prod GROUP BY ALL
        )
        SELECT date_key, '{RAW_NODE}' AS source, machine_id AS target, sum(units) AS units
        FROM prod GROUP BY ALL
        UNION ALL SELECT date_key, machine_id, product_id, units FROM prod
        UNION ALL
        SELECT m.date_key, m.product_id, '{GOOD_NODE}',
               greatest(m.units - coalesce(b.defective, 0), 0)
        FROM made m LEFT JOIN bad b USING (date_key, product_id)
        UNION ALL
        SELECT m.date_key, m.product_id, '{DEFECT_NODE}', least(coalesce(b.defective, 0), m.units)
        FROM made m LEFT JOIN bad b USING (date_key, product_id)
        """
    ).df()
    frame["date"] = pd.to_datetime(frame.pop("date_key").astype(str), format="%Y%m%d")
    frame["units"] = frame["units"].astype(float)
    return frame[frame["units"] > 0].sort_values(["date", "source", "target"], ignore_index=True)


_DAY = "CAST(_file_date AS DATE)"
_SILVER = ("production_batches", "qc_checks", "operator_logs", "sensor_readings")


def _quality_by_day(con, tables: set[str]) -> pd.DataFrame:
    """Per delivery day: what the pipeline found and fixed, and which rule caught it."""
    parts = [
        "SELECT CAST(_file_date AS DATE) AS date, 'nulls_found' AS check, 'sensor_readings' "
        "AS rule, sum(nulls_found) AS rows FROM silver.sensor_readings GROUP BY ALL",
        "SELECT CAST(file_date AS DATE), 'quarantined', kind, sum(quarantined_rows) "
        "FROM bronze.ingested_files GROUP BY ALL",
    ]
    for table in _SILVER:
        parts.append(
            f"SELECT {_DAY}, 'duplicates_removed', '{table}', sum(duplicates_removed) "
            f"FROM silver.{table} GROUP BY ALL"
        )
        parts.append(
            f"SELECT {_DAY}, 'late_rows', '{table}', count(*) FILTER (is_late) "
            f"FROM silver.{table} GROUP BY ALL"
        )
        if table != "qc_checks":
            parts.append(
                f"SELECT {_DAY}, 'id_variants', '{table}: machine id', "
                f"count(*) FILTER (machine_raw IS DISTINCT FROM machine_id) "
                f"FROM silver.{table} GROUP BY ALL"
            )
    parts.append(
        "SELECT CAST(p._file_date AS DATE), 'id_variants', 'production_batches: product name', "
        "count(*) FILTER (p.product_raw IS DISTINCT FROM c.name) FROM silver.production_batches p "
        "LEFT JOIN silver.product_catalog c USING (product_id) GROUP BY ALL"
    )
    if "silver.rejected" in tables:
        parts.append(
            "SELECT try_strptime(regexp_extract(source_file, '(\\d{4}-\\d{2}-\\d{2})', 1), "
            "'%Y-%m-%d')::DATE, 'rejected', kind || ': ' || rule, count(*) "
            "FROM silver.rejected GROUP BY ALL"
        )
    frame = con.execute(" UNION ALL ".join(parts)).df()
    frame.columns = ["date", "check", "rule", "rows"]
    frame = frame.dropna(subset=["date"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["rows"] = frame["rows"].fillna(0).astype("int64")
    return frame.sort_values(["date", "check", "rule"], ignore_index=True)


def degradation_flags(
    daily: pd.DataFrame,
    day: date,
    min_days: int = MIN_TREND_DAYS,
    efficiency_drop: float = EFFICIENCY_DROP,
    energy_rise: float = ENERGY_RISE,
) -> pd.DataFrame:
    """Per machine, from the days up to ``day`` only: the efficiency and energy-per-unit trends
    (relative change per 30 days), how many days they rest on, and whether they flag wear.

    Columns: machine_id (index), days, efficiency_trend, energy_trend, flagged, reason
    (``""`` when not flagged; "too few days" below ``min_days``).
    """
    from dtwin.warehouse.kpis import kpi_trends

    history = daily[pd.to_datetime(daily["date"]).dt.date <= day]
    if history.empty:
        return pd.DataFrame(
            columns=["days", "efficiency_trend", "energy_trend", "flagged", "reason"]
        )
    trends = kpi_trends(history, ("avg_efficiency", "energy_per_unit"))
    days = history.groupby("machine_id")["date"].nunique()
    rows = []
    for machine, row in trends.iterrows():
        eff, energy = float(row["avg_efficiency"]), float(row["energy_per_unit"])
        n = int(days.get(machine, 0))
        reasons = []
        if n >= min_days and np.isfinite(eff) and eff <= efficiency_drop:
            reasons.append(f"efficiency {eff:+.0%} per 30 days")
        if n >= min_days and np.isfinite(energy) and energy >= energy_rise:
            reasons.append(f"energy per unit {energy:+.0%} per 30 days")
        reason = "; ".join(reasons) if reasons else ("" if n >= min_days else "too few days")
        rows.append((machine, n, eff, energy, bool(reasons), reason))
    frame = pd.DataFrame(
        rows,
        columns=["machine_id", "days", "efficiency_trend", "energy_trend", "flagged", "reason"],
    )
    return frame.set_index("machine_id")


def machine_status(board: PlantBoard, day: date) -> pd.DataFrame:
    """One row per machine for ``day``: units, OEE, defect rate, the day's sensor means,
    whether it produced, and its degradation flag (from the days up to ``day``)."""
    when = pd.Timestamp(day)
    kpis = board.daily[board.daily["date"] == when].set_index("machine_id")
    sensors = board.sensors[board.sensors["date"] == when].set_index("machine_id")
    flags = degradation_flags(board.daily, day)
    rows = []
    for machine in board.machines:
        k = kpis.loc[machine] if machine in kpis.index else None
        s = sensors.loc[machine] if machine in sensors.index else None
        f = flags.loc[machine] if machine in flags.index else None
        rows.append(
            {
                "machine_id": machine,
                "units": float(k["units"]) if k is not None else float("nan"),
                "oee": float(k["oee"]) if k is not None else float("nan"),
                "defect_rate": float(k["defect_rate"]) if k is not None else float("nan"),
                **{n: float(s[n]) if s is not None else float("nan") for n in SENSORS},
                "flagged": bool(f["flagged"]) if f is not None else False,
                "reason": str(f["reason"]) if f is not None else "no data",
            }
        )
    return pd.DataFrame(rows).set_index("machine_id")


def flows_on(board: PlantBoard, day: date) -> pd.DataFrame:
    """The material-flow links (source, target, units) of ``day``."""
    rows = board.flows[board.flows["date"] == pd.Timestamp(day)]
    return rows[["source", "target", "units"]].reset_index(drop=True)


def quality_on(board: PlantBoard, day: date) -> pd.DataFrame:
    """Data-quality findings delivered on ``day``: check, rule, rows (zero rows left out)."""
    rows = board.quality[(board.quality["date"] == pd.Timestamp(day)) & (board.quality["rows"] > 0)]
    return rows[["check", "rule", "rows"]].reset_index(drop=True)
