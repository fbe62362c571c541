"""Back-of-the-envelope analysis of a factory config (no simulation): loads and bottleneck."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from dtwin.sim.config import FactoryConfig, to_factory


def station_loads(config: FactoryConfig | dict[str, Any] | str | Path) -> pd.DataFrame:
    """Demand, capacity and load per station from mean times (Poisson arrivals only).

    ``load`` = demand x mean process time / machines; ``load_with_failures`` divides by the
    availability MTBF / (MTBF + MTTR). A load >= 1 means the queue grows without bound.
    """
    cfg = to_factory(config)
    work: dict[str, float] = {st.name: 0.0 for st in cfg.stations}
    demand: dict[str, float] = {st.name: 0.0 for st in cfg.stations}
    for prod in cfg.products:
        if prod.arrival is None:
            continue
        rate = prod.batch_size / prod.arrival.mean_value  # parts per minute
        for name in prod.routing:
            dist = prod.process_times.get(name, cfg.station(name).process_time)
            demand[name] += rate
            work[name] += rate * dist.mean_value
    rows = []
    for st in cfg.stations:
        if st.failure is not None:
            mtbf, mttr = st.failure.ttf.mean_value, st.failure.repair.mean_value
            availability = mtbf / (mtbf + mttr)
        else:
            availability = 1.0
        load = work[st.name] / st.machines
        rows.append(
            {
                "station": st.name,
                "machines": st.machines,
                "demand_per_hour": demand[st.name] * 60.0,
                "capacity_per_hour": (
                    60.0 * demand[st.name] / load * availability if load > 0 else float("inf")
                ),
                "availability": availability,
                "load": load,
                "load_with_failures": load / availability,
            }
        )
    return pd.DataFrame(rows)


def unstable_stations(config: FactoryConfig | dict[str, Any] | str | Path) -> dict[str, float]:
    """Station name -> load (with failures) for every station loaded beyond its capacity."""
    loads = station_loads(config)
    over = loads[loads["load_with_failures"] > 1.0 + 1e-9]
    return {str(r.station): float(r.load_with_failures) for r in over.itertuples()}


def load_warning(config: FactoryConfig | dict[str, Any] | str | Path) -> str | None:
    """One line that names every unstable station (load > 1), or None for a stable factory."""
    over = unstable_stations(config)
    if not over:
        return None
    worst = sorted(over.items(), key=lambda item: -item[1])
    named = ", ".join(f"{name} ({load:.2f})" for name, load in worst)
    return (
        f"unstable factory: load > 1 at {named}; work arrives faster than these stations "
        f"can do it, so their queues grow without end and WIP and lead times depend on the "
        f"run length (add machines there or slow the arrivals)"
    )


def check_load(
    config: FactoryConfig | dict[str, Any] | str | Path, echo: Any = print
) -> str | None:
    """Print a ``warning:`` line for an unstable factory (or its highest load); return it."""
    warning = load_warning(config)
    if warning is not None:
        echo(f"warning: {warning}")
        return warning
    loads = station_loads(config)
    if len(loads) and loads["load_with_failures"].max() > 0:
        top = loads.loc[loads["load_with_failures"].idxmax()]
        load = top.load_with_failures
        echo(f"stable: every station's load is <= 1 (highest: {top.station} {load:.2f})")
    return None
