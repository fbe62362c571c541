"""The simulated plant's MES event log: one replication's events as a plant's MES exports them.

The engine's records name a part by its integer id and a machine by (station, slot); the MES
log (``dtwin.event_schema.MES_LOG_SCHEMA``, documented in ``data/README.md``) names a machine
by its id string (``default_machine_id``, the rule of ``dtwin.twin.ids``) and every part event
by its product too, which the engine tells through its release facts
(:meth:`~dtwin.sim.engine.Simulation.subscribe_releases`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from dtwin.errors import ConfigError
from dtwin.event_schema import (
    MES_EVENTS,
    MES_LOG_SUFFIXES,
    SimEventRecord,
    default_machine_id,
    mes_log_frame,
    station_machine_ids,
)
from dtwin.sim.commands import ReleaseFact
from dtwin.sim.config import FactoryConfig, check_run, to_factory
from dtwin.sim.engine import Simulation

MINUTES_PER_DAY = 1440.0

__all__ = ["check_mes_path", "mes_frame", "mes_log", "write_mes_log"]


def mes_log(
    config: FactoryConfig | dict[str, Any] | str | Path,
    days: float = 1.0,
    warmup_days: float = 0.0,
    seed: int = 0,
    replication: int = 0,
) -> pd.DataFrame:
    """The MES event log of one run: the whole run, warm-up included, times from 0.

    The run is the one :func:`~dtwin.sim.runner.simulate` makes with the same arguments (the
    same random streams), so its log is that of replication ``replication`` of
    ``dtwin simulate``.
    """
    check_run(days, warmup_days)
    warmup = warmup_days * MINUTES_PER_DAY
    sim = Simulation(to_factory(config), seed, warmup, True, replication)
    products: dict[int, str] = {}

    def remember(fact: ReleaseFact) -> None:
        products[fact.part] = fact.product

    sim.subscribe_releases(remember)
    sim.run_until(warmup + days * MINUTES_PER_DAY)
    ids = {
        st.name: station_machine_ids(st.name, st.machines, st.machine_ids)
        for st in sim.config.stations
    }
    return mes_frame(sim.log or [], products, ids)


def mes_frame(
    records: Iterable[SimEventRecord],
    products: Mapping[int, str],
    ids: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Engine records ``(time, entity, station, slot, event)`` as a typed MES event log.

    ``products`` maps a part id to its product (from the release facts); ``ids`` maps a
    station to its machine ids (the stations' ``machine_ids``; missing: ``<station>-<k>``).
    Records that are no MES event (``state:...`` changes of a ``states=True`` observer) are
    left out.
    """
    ids = ids or {}
    known = set(MES_EVENTS)
    columns: dict[str, list[Any]] = {
        "time_min": [],
        "event": [],
        "part": [],
        "product": [],
        "station": [],
        "machine": [],
    }
    for time, entity, station, slot, event in records:
        if event not in known:
            continue
        part = entity >= 0
        columns["time_min"].append(float(time))
        columns["event"].append(event)
        columns["part"].append(str(entity) if part else None)
        columns["product"].append(products.get(entity) if part else None)
        columns["station"].append(station)
        named = ids.get(station)
        machine = (
            (named[slot] if named else default_machine_id(station, slot)) if slot >= 0 else None
        )
        columns["machine"].append(machine)
    return mes_log_frame(columns)


def _machine(ids: Mapping[str, Sequence[str]], station: str, slot: int) -> str | None:
    """The id of machine ``slot`` of ``station`` (None for a release)."""
    if slot < 0:
        return None
    named = ids.get(station)
    return named[slot] if named else default_machine_id(station, slot)


def check_mes_path(path: str | Path, what: str = "events_out") -> Path:
    """``path`` if it can take an MES log (.csv or .parquet in an existing folder)."""
    path = Path(path)
    if path.suffix.lower() not in MES_LOG_SUFFIXES:
        raise ConfigError(
            f"{what}: {str(path)!r} must end in {' or '.join(MES_LOG_SUFFIXES)} "
            f"(the MES event log is a CSV file with a header or a Parquet file)"
        )
    if not path.parent.is_dir():
        raise ConfigError(f"{what}: folder {str(path.parent)!r} does not exist (for {path})")
    return path


def write_mes_log(frame: pd.DataFrame, path: str | Path) -> int:
    """Write an MES event log as CSV (with a header; empty = missing) or Parquet; row count."""
    path = check_mes_path(path, "path")
    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, na_rep="")  # times in full (repr) precision
    return len(frame)
