"""The twin's KPIs of one run and their summary over replications (mean and 95% half-width).

Over the measured window (after warm-up), from the plant's own books:

- ``good_units_per_day``: good parts shipped per day;
- ``scrap_share``: scrapped parts over all parts that left;
- ``oee``: availability x performance x quality, as ``dtwin simulate`` measures it;
- ``lead_time_mean_min``: mean release-to-exit time of shipped parts;
- ``maintenance_count``: services started (periodic, threshold or requested);
- ``unplanned_down_share``: minutes down with a breakdown over planned minutes, summed over
  the machines that can break down (0 when none can);
- ``cost_per_good_unit``: the factory's ``costs`` (``dtwin.sim.sensor_config.Costs``) of the
  window over its good parts: ``downtime_per_min`` x minutes down with a breakdown (every
  machine) + ``maintenance`` x services started + ``repair`` x breakdowns + ``scrap`` x parts
  scrapped (0 without ``costs``; None without a good part).
"""

from __future__ import annotations

import math
from typing import Any

from dtwin.sim import compute_kpis, machine_frame, summarize

KPI_NAMES = (
    "good_units_per_day",
    "scrap_share",
    "oee",
    "lead_time_mean_min",
    "maintenance_count",
    "unplanned_down_share",
    "cost_per_good_unit",
)


def run_kpis(sim: Any, maintenance_count: int, failures: int = 0) -> dict[str, float]:
    """The KPIs of one run so far (``sim``: a ``dtwin.sim.Simulation``; ``failures``:
    breakdowns in the window)."""
    view = sim.view()
    machines = machine_frame(view)
    k = compute_kpis(view, machines)
    fails = {
        st.name
        for st in sim.config.stations
        if st.failure is not None or (st.health is not None and st.health.wear_cv is not None)
    }
    rows = machines[machines["station"].isin(fails)]
    planned = float(rows["planned_min"].sum())
    down = float((rows["down"] * view.window).sum())
    return {
        "good_units_per_day": k["good_per_hour"] * 24.0,
        "scrap_share": k["scrap_rate"],
        "oee": k["oee"],
        "lead_time_mean_min": k["lead_time_mean_min"],
        "maintenance_count": float(maintenance_count),
        "unplanned_down_share": down / planned if planned > 0 else 0.0,
        "cost_per_good_unit": cost_per_good_unit(
            sim.config.costs,
            down,
            maintenance_count,
            failures,
            k["scrap"],
            k["good_per_hour"] * view.window / 60.0,
        ),
    }


def cost_per_good_unit(
    costs: Any, down_min: float, services: int, failures: int, scrapped: float, good: float
) -> float:
    """The window's costs over its good parts (NaN without a good part; 0 without costs)."""
    if costs is None:
        return 0.0 if good > 0 else float("nan")
    total = (
        costs.downtime_per_min * down_min
        + costs.maintenance * services
        + costs.repair * failures
        + costs.scrap * scrapped
    )
    return total / good if good > 0 else float("nan")


def summarize_kpis(rows: list[dict[str, float]]) -> dict[str, float | None]:
    """``<name>`` (mean) and ``<name>_ci95`` (half-width; None for one replication)."""
    import pandas as pd

    table = summarize(pd.DataFrame(rows, columns=list(KPI_NAMES)))
    out: dict[str, float | None] = {}
    for name in KPI_NAMES:
        mean, half = float(table.loc[name, "mean"]), float(table.loc[name, "half_width"])
        out[name] = mean if math.isfinite(mean) else None
        out[f"{name}_ci95"] = half if math.isfinite(half) else None
    return out
