"""Daily series from gold's KPI views, and their checks before a model sees them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError, DataError

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@dataclass(frozen=True)
class Metric:
    """A forecastable daily metric: how gold computes it, its unit and its valid range."""

    name: str
    machine_sql: str  # an expression over gold.kpi_machine_daily
    plant_sql: str  # the same metric over gold.kpi_factory_daily (one row per day)
    unit: str
    lower: float | None = None
    upper: float | None = None


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("output", "units", "units", "units/day", lower=0.0),
        Metric("good_output", "units - defective", "units - defective", "units/day", lower=0.0),
        Metric("defect_rate", "defect_rate", "defect_rate", "fraction", lower=0.0, upper=1.0),
        Metric("energy_kwh", "energy_kwh", "energy_kwh", "kWh/day", lower=0.0),
    )
}
PLANT = "plant"  # the machine label of plant-wide series


def metric_named(name: str) -> Metric:
    """The :class:`Metric` called ``name``; an unknown name raises ConfigError listing them."""
    try:
        return METRICS[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"metric: {name!r} is not a forecastable metric; use one of {', '.join(METRICS)}"
        ) from None


def daily_series(
    db: str | Path | DuckDBPyConnection, metric: str, machine: str | None = None
) -> pd.Series:
    """One value per day of ``metric`` for ``machine`` (plant-wide when None) from gold.

    ``db`` is a warehouse file (opened read-only) or an open DuckDB connection (left open).
    The series is indexed by date (daily frequency), named after the metric, and carries
    ``attrs`` ``metric``, ``machine`` and ``unit``. Days gold cannot define (a defect rate
    on a day without units, energy on a day without readings) are NaN.
    """
    spec = metric_named(metric)
    if isinstance(db, str | Path):
        from dtwin.warehouse.loading import connect

        con = connect(db, read_only=True)
        try:
            return _read_series(con, spec, machine, str(db))
        finally:
            con.close()
    return _read_series(db, spec, machine, "the warehouse")


def _read_series(
    con: DuckDBPyConnection, spec: Metric, machine: str | None, where: str
) -> pd.Series:
    present = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'gold' "
        "AND table_name IN ('kpi_machine_daily', 'kpi_factory_daily')"
    ).fetchone()[0]
    if present < 2:
        raise DataError(f"{where}: no gold KPI views; run `dtwin data ingest` first")
    if machine is None:
        query = f"SELECT date, {spec.plant_sql} AS value FROM gold.kpi_factory_daily ORDER BY date"
        frame = con.execute(query).df()
    else:
        _check_machine(con, machine, where)
        query = (
            f"SELECT date, {spec.machine_sql} AS value FROM gold.kpi_machine_daily "
            "WHERE machine_id = ? ORDER BY date"
        )
        frame = con.execute(query, [machine]).df()
    index = pd.DatetimeIndex(pd.to_datetime(frame["date"]), name="date")
    series = pd.Series(frame["value"].to_numpy(dtype=float), index=index, name=spec.name)
    if len(series):
        series = series.asfreq("D")
    series.attrs.update(metric=spec.name, machine=machine or PLANT, unit=spec.unit)
    return series


def _check_machine(con: DuckDBPyConnection, machine: str, where: str) -> None:
    known = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT machine_id FROM gold.kpi_machine_daily ORDER BY machine_id"
        ).fetchall()
    ]
    if machine not in known:
        raise DataError(
            f"machine: {machine!r} is not in {where}; known machines: {', '.join(known) or 'none'}"
        )


def machine_ids(db: str | Path) -> list[str]:
    """The machine ids of gold's daily KPI view (the UNKNOWN bucket left out)."""
    from dtwin.warehouse.loading import connect

    con = connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT machine_id FROM gold.kpi_machine_daily "
            "WHERE machine_id <> 'UNKNOWN' ORDER BY machine_id"
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class CleanSeries:
    """A gap-free daily series: the values, their dates and how many days were filled in."""

    values: np.ndarray
    dates: pd.DatetimeIndex
    imputed_days: int


def clean_series(series: pd.Series) -> CleanSeries:
    """Check ``series`` and make it gap-free daily.

    Leading and trailing NaN days are dropped (there is nothing to interpolate from); inner
    gaps are filled by linear interpolation and counted. A series that is not daily-dated,
    repeats a date, holds infinities or has no finite value raises DataError.
    """
    name = series.name if isinstance(series, pd.Series) else None
    label = f"series {name!r}" if name is not None else "series"
    if not isinstance(series, pd.Series):
        raise DataError(f"series: expected a pandas Series indexed by date, got {type(series)}")
    if pd.api.types.is_numeric_dtype(series.index) and len(series):
        raise DataError(f"{label}: the index must be dates, not {series.index.dtype} numbers")
    try:
        index = pd.DatetimeIndex(pd.to_datetime(series.index)).normalize()
        values = pd.to_numeric(series, errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{label}: needs dates as index and numbers as values ({exc})") from exc
    if index.has_duplicates:
        raise DataError(f"{label}: date {index[index.duplicated()][0].date()} appears twice")
    if np.isinf(values).any():
        raise DataError(f"{label}: holds infinite values; only finite numbers or NaN are valid")
    daily = pd.Series(values, index=index).sort_index()
    if len(daily):
        daily = daily.asfreq("D")
    finite = np.flatnonzero(np.isfinite(daily.to_numpy()))
    if finite.size == 0:
        raise DataError(f"{label}: has no finite value ({len(series)} rows, all NaN or empty)")
    daily = daily.iloc[finite[0] : finite[-1] + 1]
    gaps = int(daily.isna().sum())
    filled = daily.interpolate(method="linear") if gaps else daily
    return CleanSeries(filled.to_numpy(dtype=float), pd.DatetimeIndex(filled.index), gaps)
