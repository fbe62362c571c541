"""Synchronisation: the plant's state at time T, replayed from its MES event log.

:func:`state_at` reads the log's events with ``time_min <= T`` in time order (ties in file
order) and keeps, per machine, whether it is up, down (``failure`` -> ``repaired``) or in
maintenance (``maintenance_start`` -> ``maintenance_end``) and since when, and its operating
minutes since its last repair (the time it held a part while up); per part, from its
``release`` to its ``exit`` or ``scrap``, where it is (the buffer of the next station of its
route, or the machine that started it), when it got there, the operating minutes done on
that machine, and the rest of its route: its product's routing in the factory, advanced by
one station at each ``finish``. The result is a :class:`dtwin.sim.PlantState` that
:func:`dtwin.sim.simulation_from` resumes.

A part whose first event in the log is not its ``release`` (it entered the plant before the
log began) is taken at the station of that event, released at that time. A log that
contradicts the factory (a product it lacks, a part started at a station its route does not
reach next) is refused with one :class:`~dtwin.errors.DataError` naming the parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dtwin.errors import DataError
from dtwin.sim import FactoryConfig, MachineAt, OpenPart, PlantState

#: problems shown in one error (all are counted)
MAX_SHOWN = 5

__all__ = ["lead_times", "log_rows", "state_at"]


@dataclass
class _Part:
    product: str
    routing: tuple[str, ...]
    step: int
    released: float
    since: float
    machine: str | None = None
    worked: float = 0.0


@dataclass
class _Machine:
    status: str = "up"
    since: float | None = None
    age: float = 0.0
    last_service: float | None = None
    part: str | None = None
    run_from: float | None = None  # when its current operating interval began


@dataclass
class _Replay:
    routing: dict[str, tuple[str, ...]]
    parts: dict[str, _Part] = field(default_factory=dict)
    machines: dict[str, _Machine] = field(default_factory=dict)
    last_release: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def log_rows(frame: pd.DataFrame, until: float | None = None) -> list[tuple[Any, ...]]:
    """The log's rows ``(time, event, part, product, station, machine)`` in time order
    (ties in file order), empty fields as None; only ``time_min <= until`` when given."""
    if until is not None:
        frame = frame[frame["time_min"] <= until]
    order = np.argsort(frame["time_min"].to_numpy(dtype=float), kind="stable")
    columns = [frame["time_min"].to_numpy(dtype=float)[order]]
    for name in ("event", "part", "product", "station", "machine"):
        col = frame[name].astype(object)
        columns.append(col.where(col.notna(), None).to_numpy()[order])
    return list(zip(*columns, strict=True))


def state_at(frame: pd.DataFrame, at: float, config: FactoryConfig) -> PlantState:
    """The plant's state at ``at`` (minutes of the log) from the log ``frame`` (the
    ``dtwin.event_schema.MES_LOG_SCHEMA`` columns) and the factory's routings.

    Raises
    ------
    DataError
        When ``at`` is not a finite time >= 0, or the log contradicts the factory.
    """
    if not isinstance(at, int | float) or not math.isfinite(at) or at < 0:
        raise DataError(f"at: {at!r} is not a finite time in minutes >= 0")
    replay = _Replay({p.name: tuple(p.routing) for p in config.products})
    for row in log_rows(frame, at):
        _apply(replay, *row)
    if replay.problems:
        count = len(replay.problems)
        shown = "; ".join(replay.problems[:MAX_SHOWN])
        raise DataError(
            f"{count} event{'s' if count > 1 else ''} of the log up to t={at:g} contradict "
            f"factory {config.name!r}: {shown}"
        )
    return _state(replay, float(at))


def _apply(
    r: _Replay, t: float, event: str, part: Any, product: Any, station: Any, machine: Any
) -> None:
    if part is None:
        _machine_event(r, t, event, machine)
        return
    if event == "release":
        _release(r, t, part, product, station)
        return
    p = r.parts.get(part) or _enter(r, t, part, product, station)
    if p is None:
        return
    if event == "start":
        _start(r, t, part, p, station, machine)
    elif event in ("finish", "exit", "scrap"):
        _end(r, t, part, p, event, station, machine)


def _release(r: _Replay, t: float, part: str, product: Any, station: Any) -> None:
    routing = r.routing.get(product)
    if routing is None:
        r.problems.append(f"part {part!r}: product {product!r} is not in the factory")
        return
    if routing[0] != station:
        r.problems.append(
            f"part {part!r} ({product}) released at station {station!r}, but its routing "
            f"starts at {routing[0]!r}"
        )
    r.parts[part] = _Part(product, routing, 0, t, t)
    r.last_release[product] = t


def _enter(r: _Replay, t: float, part: str, product: Any, station: Any) -> _Part | None:
    """A part first seen after its release (before the log began): placed at ``station``."""
    routing = r.routing.get(product)
    if routing is None or station not in routing:
        r.problems.append(
            f"part {part!r}: product {product!r} at station {station!r} is not in the factory"
        )
        return None
    p = _Part(product, routing, routing.index(station), t, t)
    r.parts[part] = p
    return p


def _start(r: _Replay, t: float, part: str, p: _Part, station: Any, machine: Any) -> None:
    if p.step >= len(p.routing) or p.routing[p.step] != station:
        expected = p.routing[p.step] if p.step < len(p.routing) else "(its routing is done)"
        r.problems.append(
            f"part {part!r} ({p.product}) started at {station!r} at t={t:g}, but its "
            f"routing {list(p.routing)} goes to {expected!r} next"
        )
        return
    m = r.machines.setdefault(machine, _Machine())
    p.machine, p.since, p.worked = machine, t, 0.0
    m.part = part
    m.run_from = t if m.status == "up" else None


def _stop(m: _Machine, r: _Replay, t: float) -> None:
    """End the machine's current operating interval at ``t`` (booking it)."""
    if m.run_from is None:
        return
    done = t - m.run_from
    m.age += done
    if m.part is not None and m.part in r.parts:
        r.parts[m.part].worked += done
    m.run_from = None


def _end(r: _Replay, t: float, part: str, p: _Part, event: str, station: Any, machine: Any) -> None:
    m = r.machines.get(machine)
    if m is not None and m.part == part:
        _stop(m, r, t)
        m.part = None
    if event in ("exit", "scrap"):
        del r.parts[part]
        return
    p.step += 1
    p.machine, p.since, p.worked = None, t, 0.0
    if p.step >= len(p.routing):
        r.problems.append(
            f"part {part!r} ({p.product}) finished at {station!r} at t={t:g}, the last "
            f"station of its routing, but did not exit"
        )
        del r.parts[part]


def _machine_event(r: _Replay, t: float, event: str, machine: Any) -> None:
    m = r.machines.setdefault(machine, _Machine())
    if event in ("failure", "maintenance_start"):
        _stop(m, r, t)
        m.status = "down" if event == "failure" else "maintenance"
        m.since = t
    elif event in ("repaired", "maintenance_end"):
        m.status, m.since = "up", t
        if event == "repaired":
            m.age = 0.0
        else:
            m.last_service = t
        if m.part is not None:
            m.run_from = t


def _state(r: _Replay, at: float) -> PlantState:
    for m in r.machines.values():
        _stop(m, r, at)  # book the intervals still running at ``at``
    machines = tuple(
        MachineAt(mid, m.status, m.since, m.age, m.last_service) for mid, m in r.machines.items()
    )
    parts = tuple(
        OpenPart(
            part=pid,
            product=p.product,
            route=p.routing[p.step :],
            released=p.released,
            since=p.since,
            machine=p.machine,
            worked=p.worked,
        )
        for pid, p in r.parts.items()
    )
    return PlantState(at, machines, parts, dict(r.last_release))


def lead_times(frame: pd.DataFrame, until: float | None = None) -> pd.DataFrame:
    """Parts that left good (``exit``) up to ``until``: ``part``, ``product``, ``released``,
    ``exit`` and ``lead_time`` (minutes from release to exit)."""
    rows = frame if until is None else frame[frame["time_min"] <= until]
    released = rows[rows["event"] == "release"].groupby("part")["time_min"].min()
    exits = rows[rows["event"] == "exit"].drop_duplicates("part")
    out = pd.DataFrame(
        {
            "part": exits["part"].astype(str).to_numpy(),
            "product": exits["product"].astype(str).to_numpy(),
            "exit": exits["time_min"].to_numpy(dtype=float),
        }
    )
    out["released"] = out["part"].map(released).astype(float)
    out = out.dropna(subset=["released"])
    out["lead_time"] = out["exit"] - out["released"]
    return out.reset_index(drop=True)
