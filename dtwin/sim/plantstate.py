"""The state of a plant at one moment: what a warm start (:mod:`dtwin.sim.warmstart`) resumes.

A :class:`PlantState` at time ``time`` (minutes of the plant's log) says, per machine (by its
id, ``dtwin.event_schema.station_machine_ids``), whether it is up, down (a failure) or in
maintenance and since when, and for how many operating minutes it has run since its last
repair; per open part (released, neither exited nor scrapped) its id as the log writes it,
its product, the stations left on its route (the current one first) and where it is: in the
buffer of ``route[0]`` (``machine`` None) or on ``machine`` since ``since`` with ``worked``
operating minutes of the operation done (the machine's downtime inside it left out).

The dataclasses check themselves (finite times, nothing after ``time``); :func:`check_state`
checks a state against a factory (known machines, products and routes). Both raise one
:class:`~dtwin.errors.ConfigError` that names every bad field with its value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dtwin.errors import ConfigError
from dtwin.event_schema import station_machine_ids
from dtwin.sim.config import FactoryConfig

MACHINE_STATUSES = ("up", "down", "maintenance")
#: problems shown in one error (all are counted)
MAX_SHOWN = 8
# times may be off by rounding (a CSV's decimal times)
_SLACK = 1e-6

__all__ = ["MACHINE_STATUSES", "MachineAt", "OpenPart", "PlantState", "check_state"]


@dataclass(frozen=True)
class MachineAt:
    """One machine at the state's time.

    ``since``: when its status began (None: up since the log's start); ``operating_min``:
    operating minutes since its last repair (the time to its next failure is drawn given
    it); ``last_service``: the end of its last maintenance (None: none in the log).
    """

    machine: str
    status: str = "up"
    since: float | None = None
    operating_min: float = 0.0
    last_service: float | None = None


@dataclass(frozen=True)
class OpenPart:
    """One part in the plant at the state's time.

    ``route``: the stations left, the current one first; ``machine``: the machine of
    ``route[0]`` working on it (None: in that station's buffer); ``since``: when it entered
    that buffer or started on that machine; ``worked``: operating minutes done on the machine.
    """

    part: str
    product: str
    route: tuple[str, ...]
    released: float
    since: float
    machine: str | None = None
    worked: float = 0.0

    def spent(self, at: float) -> float:
        """Minutes the part has spent in the plant at time ``at``."""
        return at - self.released


@dataclass(frozen=True)
class PlantState:
    """Machines and open parts at ``time``; ``last_release``: per product, its last release."""

    time: float
    machines: tuple[MachineAt, ...] = ()
    parts: tuple[OpenPart, ...] = ()
    last_release: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "machines", tuple(self.machines))
        object.__setattr__(self, "parts", tuple(_with_route_tuple(p) for p in self.parts))
        object.__setattr__(self, "last_release", dict(self.last_release))
        problems = _own_problems(self)
        if problems:
            raise ConfigError(_message("plant state", problems))

    def machine(self, machine: str) -> MachineAt:
        """The entry of ``machine`` (an up machine with no history when it has none)."""
        for m in self.machines:
            if m.machine == machine:
                return m
        return MachineAt(machine)

    def spent(self) -> dict[str, float]:
        """Per open part, the minutes it has spent in the plant at ``time``."""
        return {p.part: p.spent(self.time) for p in self.parts}


def _with_route_tuple(part: OpenPart) -> OpenPart:
    if isinstance(part.route, tuple):
        return part
    return OpenPart(**{**part.__dict__, "route": tuple(part.route)})


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _time_problems(name: str, value: Any, now: float, optional: bool = False) -> list[str]:
    if value is None and optional:
        return []
    if not _finite(value) or value < 0:
        return [f"{name}: {value!r} is not a finite time in minutes >= 0"]
    if _finite(now) and value > now + _SLACK:
        return [f"{name}: {value:g} is after the state's time {now:g}"]
    return []


def _own_problems(state: PlantState) -> list[str]:
    """What is wrong with ``state`` on its own (no factory needed)."""
    now = state.time
    out = _time_problems("time", now, math.inf)
    seen: set[str] = set()
    for i, m in enumerate(state.machines):
        where = f"machines[{i}] ({m.machine!r})"
        if m.machine in seen:
            out.append(f"{where}.machine: {m.machine!r} is listed twice")
        seen.add(m.machine)
        if m.status not in MACHINE_STATUSES:
            out.append(
                f"{where}.status: {m.status!r} is unknown; valid: {', '.join(MACHINE_STATUSES)}"
            )
        out += _time_problems(f"{where}.since", m.since, now, optional=True)
        out += _time_problems(f"{where}.last_service", m.last_service, now, optional=True)
        if not _finite(m.operating_min) or m.operating_min < 0:
            out.append(f"{where}.operating_min: {m.operating_min!r} is not minutes >= 0")
    out += _part_problems(state.parts, now)
    for product, t in state.last_release.items():
        out += _time_problems(f"last_release.{product}", t, now)
    return out


def _part_problems(parts: Iterable[OpenPart], now: float) -> list[str]:
    out: list[str] = []
    ids: set[str] = set()
    holders: dict[str, str] = {}
    for i, p in enumerate(parts):
        where = f"parts[{i}] (part {p.part!r})"
        if p.part in ids:
            out.append(f"{where}.part: {p.part!r} is listed twice")
        ids.add(p.part)
        if not p.route:
            out.append(f"{where}.route: empty; give the stations left, the current one first")
        out += _time_problems(f"{where}.released", p.released, now)
        out += _time_problems(f"{where}.since", p.since, now)
        if _finite(p.since) and _finite(p.released) and p.since < p.released - _SLACK:
            out.append(f"{where}.since: {p.since:g} is before its release at {p.released:g}")
        if not _finite(p.worked) or p.worked < 0:
            out.append(f"{where}.worked: {p.worked!r} is not minutes >= 0")
        elif _finite(p.since) and _finite(now) and p.worked > now - p.since + _SLACK:
            out.append(
                f"{where}.worked: {p.worked:g} min is more than the {now - p.since:g} min "
                f"since it started"
            )
        if p.machine is not None:
            if p.machine in holders:
                out.append(
                    f"{where}.machine: {p.machine!r} already holds part {holders[p.machine]!r}"
                )
            holders[p.machine] = p.part
    return out


def check_state(state: PlantState, config: FactoryConfig) -> None:
    """Refuse a state that does not fit ``config``: unknown machines, products or stations,
    a route that is not the end of its product's routing, a part on a machine of another
    station, a station that replays a planned sequence."""
    owner = {
        mid: st.name
        for st in config.stations
        for mid in station_machine_ids(st.name, st.machines, st.machine_ids)
    }
    valid = ", ".join(owner)
    routing = {p.name: tuple(p.routing) for p in config.products}
    out = [
        f"stations.{st.name}.dispatch: 'sequence' replays a planned order that a warm start "
        f"cannot resume; valid: fifo, priority"
        for st in config.stations
        if st.dispatch == "sequence"
    ]
    for i, m in enumerate(state.machines):
        if m.machine not in owner:
            out.append(f"machines[{i}].machine: unknown machine {m.machine!r}; valid: {valid}")
    for i, p in enumerate(state.parts):
        where = f"parts[{i}] (part {p.part!r})"
        full = routing.get(p.product)
        if full is None:
            choices = ", ".join(routing)
            out.append(f"{where}.product: unknown product {p.product!r}; valid: {choices}")
            continue
        if not p.route or full[len(full) - len(p.route) :] != p.route:
            out.append(
                f"{where}.route: {list(p.route)} is not the end of product {p.product!r}'s "
                f"routing {list(full)}"
            )
            continue
        if p.machine is not None and owner.get(p.machine) != p.route[0]:
            at = owner.get(p.machine)
            what = f"a machine of station {at!r}" if at else f"unknown; valid: {valid}"
            out.append(f"{where}.machine: {p.machine!r} is {what}, not of {p.route[0]!r}")
    for product in state.last_release:
        if product not in routing:
            out.append(
                f"last_release.{product}: unknown product {product!r}; valid: {', '.join(routing)}"
            )
    if out:
        raise ConfigError(_message(f"plant state for factory {config.name!r}", out))


def _message(what: str, problems: list[str]) -> str:
    count = len(problems)
    more = f" (the first {MAX_SHOWN} shown)" if count > MAX_SHOWN else ""
    head = f"{count} problem{'s' if count > 1 else ''} in the {what}{more}"
    return f"{head}: {'; '.join(problems[:MAX_SHOWN])}"
