"""Executing a production schedule on the twin: job-list release with planned priorities."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dtwin.errors import ConfigError
from dtwin.sim.config import FactoryConfig, parse_factory

_NEEDED = ("job", "op", "machine", "start", "end")


def factory_from_schedule(
    frame: pd.DataFrame,
    cv: float = 0.0,
    dispatch: str = "sequence",
    machine_names: dict[int, str] | None = None,
) -> FactoryConfig:
    """A factory that executes a schedule (``dtwin.schedule.schedule_frame`` columns).

    Every job becomes a product with its own routing and fixed process times (lognormal with
    coefficient of variation ``cv`` when ``cv > 0``), released at its planned first start.
    With ``dispatch="sequence"`` every machine keeps the planned job order (waiting for the
    next planned job), so with ``cv=0`` the twin replays the plan (left-shifted: never later)
    and with ``cv>0`` shows how it degrades; ``"priority"`` lets a machine start any waiting
    job, earliest planned start first.
    """
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"schedule frame: missing column(s) {', '.join(missing)}; need {', '.join(_NEEDED)}"
        )
    if dispatch not in ("sequence", "priority"):
        raise ConfigError(f"dispatch: {dispatch!r} is not valid; choices: sequence, priority")
    if cv < 0:
        raise ConfigError(f"cv: must be >= 0 (got {cv})")
    names = machine_names or {}
    station = {m: names.get(int(m), f"M{int(m)}") for m in sorted(frame["machine"].unique())}
    products: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    for job, ops in frame.sort_values(["job", "start", "op"]).groupby("job", sort=True):
        routing = [station[m] for m in ops["machine"]]
        if len(set(routing)) != len(routing):
            raise ConfigError(
                f"schedule frame: job {job} visits a machine twice; the twin supports one "
                f"process time per (job, machine)"
            )
        times = {}
        for name, start, end in zip(routing, ops["start"], ops["end"], strict=True):
            d = float(end - start)
            times[name] = (
                {"dist": "fixed", "value": d}
                if cv == 0
                else {"dist": "lognormal", "mean": d, "std": cv * d}
            )
        products.append({"name": f"J{job}", "routing": routing, "process_times": times})
        starts = [float(s) for s in ops["start"]]
        jobs.append(
            {"product": f"J{job}", "release": starts[0], "priorities": starts, "name": str(job)}
        )
    stations = [
        {"name": name, "machines": 1, "process_time": 1.0, "dispatch": dispatch}
        for name in station.values()
    ]
    data = {"name": "schedule", "products": products, "stations": stations, "jobs": jobs}
    return parse_factory(data, source="schedule frame")
