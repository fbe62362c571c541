"""The simulation event log's columns, types and units: one definition for sim and warehouse.

``dtwin.sim`` writes event logs in this shape (``SimResult.events``, ``write_events``) and
``dtwin.warehouse.load_event_log`` reads it; neither imports the other, both import this
module, which imports no engine.
"""

from __future__ import annotations

from typing import Any

#: column -> (pandas dtype, unit or meaning)
SIM_EVENT_SCHEMA: dict[str, tuple[str, str]] = {
    "time": ("float64", "simulated minutes since the start of the run (warm-up included)"),
    "entity": ("int64", "part id; -1 for machine events (failure, repaired, maintenance)"),
    "station": ("object", "station name"),
    "machine": ("int64", "machine index within its station, from 0; -1 for releases"),
    "event": ("object", "release, start, finish, exit, scrap, failure, repaired, "
                        "maintenance_requested (a command), maintenance_start or "
                        "maintenance_end"),
}  # fmt: skip
SIM_EVENT_COLUMNS = tuple(SIM_EVENT_SCHEMA)
#: one row as the engine produces it (and its observers receive it), in column order
SimEventRecord = tuple[float, int, str, int, str]
SIM_EVENT_TIME_UNIT = "min"
#: the time column's name where a store spells its unit out
SIM_EVENT_TIME_COLUMN = "time_min"


def sim_event_frame(records: list[tuple[Any, ...]] | None) -> Any:
    """Event records ``(time, entity, station, machine, event)`` as a typed DataFrame."""
    import pandas as pd

    if not records:
        return pd.DataFrame(
            {name: pd.Series(dtype=dtype) for name, (dtype, _) in SIM_EVENT_SCHEMA.items()}
        )
    return pd.DataFrame.from_records(records, columns=list(SIM_EVENT_COLUMNS))


def missing_sim_event_columns(columns: Any) -> list[str]:
    """The schema's columns that ``columns`` lacks, in schema order."""
    present = set(columns)
    return [c for c in SIM_EVENT_COLUMNS if c not in present]
