"""The event logs' columns, types and units: one definition for sim, warehouse and twin.

``dtwin.sim`` writes event logs in this shape (``SimResult.events``, ``write_events``) and
``dtwin.warehouse.load_event_log`` reads it; neither imports the other, both import this
module, which imports no engine.

The MES event log (``MES_LOG_SCHEMA``) is the plant-facing format: what a manufacturing
execution system exports and the twin reads (``dtwin simulate --events-out`` writes it,
``dtwin.twin.meslog.read_mes_log`` reads it back). Its machine ids follow
:func:`default_machine_id`, the rule that ``dtwin.twin.ids`` applies too.
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


# -- the MES event log: what a plant's manufacturing execution system exports ----------------

#: column -> (pandas dtype, unit or meaning); ``data/README.md`` documents the format
MES_LOG_SCHEMA: dict[str, tuple[str, str]] = {
    "time_min": ("float64", "minutes since the start of the log (a simulated run: of the run, "
                            "warm-up included); finite, >= 0, in time order per part"),
    "event": ("string", "one of MES_EVENTS"),
    "part": ("string", "part (serial) id as the MES writes it; empty for machine events"),
    "product": ("string", "the part's product; empty for machine events"),
    "station": ("string", "station (work centre) name"),
    "machine": ("string", "machine id, <station>-<k> by default (k from 1); empty for release"),
}  # fmt: skip
MES_LOG_COLUMNS = tuple(MES_LOG_SCHEMA)
#: events about one part (``part`` required): released at the first station of its route,
#: started and finished at a machine, left the plant good (``exit``) or scrapped
MES_PART_EVENTS = ("release", "start", "finish", "exit", "scrap")
#: events about one machine (``part`` empty): a breakdown and its repair, a service and (where
#: the MES records the order) the request for it
MES_MACHINE_EVENTS = (
    "failure",
    "repaired",
    "maintenance_requested",
    "maintenance_start",
    "maintenance_end",
)
MES_EVENTS = MES_PART_EVENTS + MES_MACHINE_EVENTS
#: the events that end an operation started by ``start`` (at the same machine)
MES_END_EVENTS = ("finish", "exit", "scrap")
#: the file types an MES event log may have (by suffix)
MES_LOG_SUFFIXES = (".csv", ".parquet")


def default_machine_id(station: str, slot: int) -> str:
    """``<station>-<k>`` with k = slot + 1: the id of a machine its station does not name."""
    return f"{station}-{slot + 1}"


def station_machine_ids(station: str, machines: int, listed: Any = None) -> list[str]:
    """The ids of a station's machines: its own ``machine_ids`` when it lists them, else
    ``<station>-1`` .. ``<station>-<machines>``."""
    if listed:
        return [str(m) for m in listed]
    return [default_machine_id(station, k) for k in range(int(machines))]


def mes_log_frame(rows: dict[str, list[Any]] | None = None) -> Any:
    """Columns of the MES event log (lists in schema order) as a typed DataFrame."""
    import pandas as pd

    rows = rows or {}
    return pd.DataFrame(
        {
            name: pd.Series(rows.get(name, []), dtype=dtype)
            for name, (dtype, _) in MES_LOG_SCHEMA.items()
        }
    )
