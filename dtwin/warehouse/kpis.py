"""Daily KPIs per machine from the gold layer, their totals and trends, and a demo warehouse."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import WarehouseError

KPI_COLUMNS = (
    "date",
    "machine_id",
    "units",
    "defective",
    "defect_rate",
    "energy_kwh",
    "energy_per_unit",
    "batches",
    "planned_minutes",
    "run_minutes",
    "ideal_minutes",
    "availability",
    "performance",
    "quality",
    "oee",
    "avg_temperature_c",
    "avg_efficiency",
)
TREND_COLUMNS = ("units", "defect_rate", "energy_per_unit", "oee", "avg_efficiency")
SUMMED_COLUMNS = ("units", "defective", "energy_kwh")
OEE_COLUMNS = ("availability", "performance", "quality", "oee")


def kpi_daily(db_path: str | Path, machine_id: str | None = None) -> pd.DataFrame:
    """Return ``gold.kpi_machine_daily``: one row per day and machine, OEE inputs included.

    Columns: date, machine_id, units, defective, defect_rate, energy_kwh, energy_per_unit,
    batches, planned_minutes, run_minutes, ideal_minutes, availability, performance, quality,
    oee, avg_temperature_c, avg_efficiency.
    """
    from dtwin.warehouse.loading import connect

    con = connect(db_path, read_only=True)
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'gold' AND table_name = 'kpi_machine_daily'"
        ).fetchone()[0]
        if not exists:
            raise WarehouseError(f"{db_path}: no gold layer; run `dtwin data ingest` first")
        query = f"SELECT {', '.join(KPI_COLUMNS)} FROM gold.kpi_machine_daily"
        params: list[object] = []
        if machine_id is not None:
            query += " WHERE machine_id = ?"
            params.append(machine_id)
        frame = con.execute(query + " ORDER BY date, machine_id", params).df()
    finally:
        con.close()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def filter_kpis(
    daily: pd.DataFrame,
    machines: Sequence[str] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> pd.DataFrame:
    """The rows of ``daily`` (from :func:`kpi_daily`) for ``machines`` and dates first..last.

    ``None`` keeps every machine, or leaves that end of the date range open.
    """
    if daily.empty:
        return daily
    keep = pd.Series(True, index=daily.index)
    if machines is not None:
        keep &= daily["machine_id"].astype(str).isin(list(machines))
    dates = pd.to_datetime(daily["date"]).dt.date
    if first is not None:
        keep &= dates >= first
    if last is not None:
        keep &= dates <= last
    return daily[keep]


def kpi_totals(daily: pd.DataFrame) -> dict[str, float]:
    """Units, defective units and energy summed over the rows of ``daily``, with the defect
    rate and energy per unit of those sums (not the mean of the daily ratios).

    Columns missing from ``daily`` are left out; with no units the ratios are left out too
    (NaN when ``daily`` has no units column at all).
    """
    units = daily["units"].sum() if "units" in daily else float("nan")
    totals = {k: daily[k].sum() for k in SUMMED_COLUMNS if k in daily}
    if "defective" in totals and units:
        totals["defect_rate"] = totals["defective"] / units
    if "energy_kwh" in totals and units:
        totals["energy_per_unit"] = totals["energy_kwh"] / units
    return totals


def mean_oee(daily: pd.DataFrame) -> dict[str, float]:
    """Mean daily availability, performance, quality and OEE over the rows of ``daily``."""
    return {k: daily[k].mean() for k in OEE_COLUMNS if k in daily}


def kpi_by_day(daily: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``metric`` per date (index) and machine (columns), averaged where rows repeat."""
    return daily.pivot_table(index="date", columns="machine_id", values=metric, aggfunc="mean")


def kpi_by_machine(daily: pd.DataFrame, metric: str) -> pd.Series:
    """Mean ``metric`` per machine (index: machine ids as text)."""
    return daily.groupby(daily["machine_id"].astype(str))[metric].mean()


def build_demo_warehouse(db_path: str | Path, days: int = 30, seed: int = 0) -> Path:
    """Generate ``days`` days of raw data into a temporary folder and ingest them into ``db_path``.

    An existing file at ``db_path`` is replaced, so the result is the same for the same days
    and seed. Returns the database path.
    """
    from dtwin.warehouse.generate import generate_raw
    from dtwin.warehouse.loading import ingest

    db_path = Path(db_path)
    with tempfile.TemporaryDirectory(prefix="dtwin-warehouse-") as tmp:
        generate_raw(tmp, days=days, seed=seed)
        ingest(tmp, db_path, fresh=True)
    return db_path


def demo_warehouse(days: int = 30, seed: int = 0, cache_dir: str | Path | None = None) -> Path:
    """The demo warehouse for ``days`` and ``seed``, built once and then reused from a cache.

    Apps open it read-only, so every session shares one file instead of leaving a new one
    behind. The cache folder defaults to ``<system temp>/dtwin-cache``; a build goes to a
    private name first and is moved into place whole, so concurrent sessions never see half
    a database.
    """
    folder = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "dtwin-cache"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"demo-warehouse-{days}d-seed{seed}.duckdb"
    if not target.is_file():
        with tempfile.TemporaryDirectory(prefix="build-", dir=folder) as tmp:
            built = build_demo_warehouse(Path(tmp) / target.name, days=days, seed=seed)
            os.replace(built, target)
    return target


def kpi_trends(kpis: pd.DataFrame, columns: tuple[str, ...] = TREND_COLUMNS) -> pd.DataFrame:
    """Relative change per 30 days of each KPI and machine, from a least-squares line.

    A value of 0.25 means the KPI grows by a quarter of its mean level every 30 days; the
    degrading machine stands out with the largest energy-per-unit and defect-rate trends.
    """
    rows = []
    for machine, group in kpis.groupby("machine_id"):
        days = (group["date"] - group["date"].min()).dt.days.to_numpy(dtype=float)
        row: dict[str, object] = {"machine_id": machine}
        for column in columns:
            values = group[column].to_numpy(dtype=float)
            ok = np.isfinite(values)
            if ok.sum() < 2 or np.ptp(days[ok]) == 0:
                row[column] = float("nan")
                continue
            slope = np.polyfit(days[ok], values[ok], 1)[0]
            row[column] = float(slope * 30 / np.mean(values[ok]))
        rows.append(row)
    return pd.DataFrame(rows).set_index("machine_id")


def plot_kpi_trends(kpis: pd.DataFrame, path: str | Path | None = None) -> object:
    """Plot units, defect rate, energy per unit and OEE per machine over time (matplotlib)."""
    import matplotlib.pyplot as plt

    panels = [
        ("units", "units per day"),
        ("defect_rate", "defect rate"),
        ("energy_per_unit", "energy per unit (kWh)"),
        ("oee", "OEE"),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True)
    for ax, (column, title) in zip(axes.flat, panels, strict=True):
        for machine, group in kpis.groupby("machine_id"):
            ax.plot(group["date"], group[column], marker=".", label=machine)
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
