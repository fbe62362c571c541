"""The twin's KPIs of one run and their summary over replications (mean and 95% half-width).

Over the measured window (after warm-up), from the plant's own books:

- ``good_units_per_day``: good parts shipped per day;
- ``scrap_share``: scrapped parts over all parts that left;
- ``oee``: availability x performance x quality, as ``dtwin simulate`` measures it;
- ``lead_time_mean_min``: mean release-to-exit time of shipped parts;
- ``maintenance_count``: services started (periodic, threshold or requested);
- ``unplanned_down_share``: minutes down with a breakdown over planned minutes, summed over
  the machines that can break down (0 when none can).
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
)


def run_kpis(sim: Any, maintenance_count: int) -> dict[str, float]:
    """The KPIs of one run so far (``sim``: a ``dtwin.sim.Simulation``)."""
    view = sim.view()
    machines = machine_frame(view)
    k = compute_kpis(view, machines)
    fails = {st.name for st in sim.config.stations if st.failure is not None}
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
    }


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
