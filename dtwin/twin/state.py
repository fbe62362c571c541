"""The one factory state: what the twin believes, changed only by :meth:`FactoryState.apply`.

Per machine its status (a ``dtwin.sim.STATE_LABELS`` label), its *estimated* health (mean
and standard deviation, as published by a health estimator; ``None`` until the first
estimate), its current part, its station's queue, its last maintenance and counters; per part
its product, route, where it is and its history; the current schedule id and the alerts.
The state is a pure function of the events applied, in order: replaying an event log gives
the same :meth:`FactoryState.to_json`.

The queue of a station counts the parts released into it or finished upstream and bound for
it that have not started there yet (a part held by a blocked upstream machine is counted).
A part released with an unknown route is counted only at its first station. Of the parts
that left the factory (shipped or scrapped), only the newest ``keep_done`` stay in
:attr:`FactoryState.parts`, so that a long run's state stays bounded; the counters count them all.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from dtwin.errors import DataError
from dtwin.twin import events as ev
from dtwin.twin.ids import MachineIds

#: parts that left the factory kept in :attr:`FactoryState.parts` (the newest ones)
KEEP_DONE = 10_000


@dataclass
class MachineRecord:
    """What the twin knows about one machine."""

    id: str
    station: str
    slot: int
    status: str = "idle"
    health_mean: float | None = None
    health_std: float | None = None
    health_time: float | None = None
    part: int | None = None
    last_maintenance: float | None = None
    maintenance_pending: bool = False
    ops: int = 0
    failures: int = 0
    repairs: int = 0
    maintenances: int = 0
    scrapped: int = 0
    inspected: int = 0

    def to_json(self, queue: int) -> dict[str, Any]:
        """Plain JSON, with the station's ``queue``."""
        return {
            "id": self.id,
            "station": self.station,
            "slot": self.slot,
            "status": self.status,
            "health": {"mean": self.health_mean, "std": self.health_std, "time": self.health_time},
            "part": self.part,
            "queue": queue,
            "last_maintenance": self.last_maintenance,
            "maintenance_pending": self.maintenance_pending,
            "counters": {
                "ops": self.ops,
                "failures": self.failures,
                "repairs": self.repairs,
                "maintenances": self.maintenances,
                "scrapped": self.scrapped,
                "inspected": self.inspected,
            },
        }


@dataclass
class PartRecord:
    """One part: its route, where it is and what happened to it."""

    id: int
    product: str | None
    route: tuple[str, ...]
    released: float
    status: str = "queued"  # queued, processing, exited or scrapped
    step: int = 0  # operations finished so far
    machine: str | None = None
    waiting_at: str | None = None
    history: list[tuple[float, str, str]] = field(default_factory=list)
    inspections: list[tuple[float, str, str, float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "id": self.id,
            "product": self.product,
            "route": list(self.route),
            "released": self.released,
            "status": self.status,
            "step": self.step,
            "machine": self.machine,
            "history": [list(h) for h in self.history],
            "inspections": [list(i) for i in self.inspections],
        }


class FactoryState:
    """The factory as the twin believes it is; change it only with :meth:`apply`."""

    def __init__(self, ids: MachineIds, keep_done: int = KEEP_DONE) -> None:
        self.ids = ids
        self.keep_done = max(0, int(keep_done))
        self._done: deque[int] = deque()  # parts that left, oldest first
        self.time = 0.0
        self.events = 0
        self.machines = {
            m: MachineRecord(m, *ids.slot_of(m)) for m in ids.ids
        }  # fmt: skip
        self.queues = dict.fromkeys(ids.station_names, 0)
        self.parts: dict[int, PartRecord] = {}
        self.released = self.exited = self.scrapped = 0
        self.schedule_id: str | None = None
        self.schedules = 0
        self.alerts: list[dict[str, Any]] = []

    @property
    def wip(self) -> int:
        """Parts in the factory now."""
        return self.released - self.exited - self.scrapped

    def apply(self, event: ev.TwinEvent) -> None:
        """Change the state by one event (a DataError for an event that does not fit)."""
        handler = _APPLY.get(type(event))
        if handler is None:
            raise DataError(f"the factory state cannot apply {type(event).__name__}")
        if event.time < self.time:
            raise DataError(
                f"{event.kind} at t={event.time:g} min is earlier than the state's "
                f"t={self.time:g} min; events must be applied in time order"
            )
        handler(self, event)
        self.time = float(event.time)
        self.events += 1

    # -- helpers for the appliers ---------------------------------------------------------

    def machine(self, machine_id: str) -> MachineRecord:
        """The record of ``machine_id`` (UnknownMachineError when the factory has none)."""
        record = self.machines.get(machine_id)
        if record is None:
            self.ids.slot_of(machine_id)  # raises with the valid ids
        return record  # type: ignore[return-value]

    def part(self, part_id: int, event: ev.TwinEvent) -> PartRecord:
        """The record of ``part_id`` (a DataError for a part never released)."""
        record = self.parts.get(part_id)
        if record is None:
            raise DataError(f"{event.kind} at t={event.time:g}: part {part_id} was never released")
        return record

    def to_json(self) -> dict[str, Any]:
        """The whole state as plain JSON, in a fixed order (machines by id mapping, parts by id)."""
        return {
            "time": self.time,
            "events": self.events,
            "machines": [m.to_json(self.queues[m.station]) for m in self.machines.values()],
            "queues": dict(self.queues),
            "parts": [self.parts[p].to_json() for p in sorted(self.parts)],
            "counters": {
                "released": self.released,
                "exited": self.exited,
                "scrapped": self.scrapped,
                "wip": self.wip,
            },
            "schedule": {"id": self.schedule_id, "changes": self.schedules},
            "alerts": [dict(a) for a in self.alerts],
        }


# -- one applier per event type -------------------------------------------------------------


def _released(s: FactoryState, e: ev.PartReleased) -> None:
    if e.part in s.parts:
        raise DataError(f"part_released at t={e.time:g}: part {e.part} was released before")
    if e.station not in s.queues:
        s.ids.machines_of(e.station)  # raises with the valid stations
    part = PartRecord(e.part, e.product, tuple(e.route), float(e.time), waiting_at=e.station)
    part.history.append((float(e.time), "released", e.station))
    s.parts[e.part] = part
    s.queues[e.station] += 1
    s.released += 1


def _started(s: FactoryState, e: ev.PartStarted) -> None:
    m, part = s.machine(e.machine), s.part(e.part, e)
    if part.waiting_at == m.station:
        s.queues[m.station] -= 1
    part.waiting_at = None
    part.status, part.machine = "processing", e.machine
    part.history.append((float(e.time), "started", e.machine))
    m.part = e.part


def _finished(s: FactoryState, e: ev.PartFinished) -> None:
    m, part = s.machine(e.machine), s.part(e.part, e)
    m.ops += 1
    m.part = None
    part.step += 1
    part.status, part.machine = "queued", None
    part.history.append((float(e.time), "finished", e.machine))
    if part.step < len(part.route):
        part.waiting_at = part.route[part.step]
        s.queues[part.waiting_at] += 1


def _left(s: FactoryState, e: ev.PartScrapped | ev.PartExited, status: str) -> None:
    part = s.part(e.part, e)
    if part.waiting_at is not None:  # finished with a route that had more steps
        s.queues[part.waiting_at] -= 1
        part.waiting_at = None
    part.status, part.machine = status, None
    part.history.append((float(e.time), status, e.machine))
    s._done.append(e.part)
    while len(s._done) > s.keep_done:  # bounded: a year of parts does not pile up
        del s.parts[s._done.popleft()]


def _scrapped(s: FactoryState, e: ev.PartScrapped) -> None:
    s.machine(e.machine).scrapped += 1
    _left(s, e, "scrapped")
    s.scrapped += 1


def _exited(s: FactoryState, e: ev.PartExited) -> None:
    s.machine(e.machine)
    _left(s, e, "exited")
    s.exited += 1


def _inspected(s: FactoryState, e: ev.PartInspected) -> None:
    s.machine(e.machine).inspected += 1
    part = s.part(e.part, e)
    part.inspections.append((float(e.time), e.machine, e.model_class, float(e.probability)))


def _state_changed(s: FactoryState, e: ev.MachineStateChanged) -> None:
    s.machine(e.machine).status = e.status


def _down(s: FactoryState, e: ev.MachineDown) -> None:
    m = s.machine(e.machine)
    m.status = "down"
    m.failures += 1


def _repaired(s: FactoryState, e: ev.MachineRepaired) -> None:
    s.machine(e.machine).repairs += 1


def _health(s: FactoryState, e: ev.HealthEstimateChanged) -> None:
    m = s.machine(e.machine)
    m.health_mean, m.health_std, m.health_time = float(e.mean), float(e.std), float(e.time)


def _maint_requested(s: FactoryState, e: ev.MaintenanceRequested) -> None:
    s.machine(e.machine).maintenance_pending = True


def _maint_started(s: FactoryState, e: ev.MaintenanceStarted) -> None:
    m = s.machine(e.machine)
    m.status = "maintenance"
    m.maintenance_pending = False


def _maint_done(s: FactoryState, e: ev.MaintenanceDone) -> None:
    m = s.machine(e.machine)
    m.last_maintenance = float(e.time)
    m.maintenances += 1


def _schedule(s: FactoryState, e: ev.ScheduleChanged) -> None:
    s.schedule_id = e.schedule_id
    s.schedules += 1


def _alert(s: FactoryState, e: ev.AlertRaised) -> None:
    if e.machine is not None:
        s.machine(e.machine)
    s.alerts.append(
        {"time": float(e.time), "rule": e.rule, "severity": e.severity, "message": e.message,
         "machine": e.machine, "source": e.source}
    )  # fmt: skip


_APPLY: dict[type, Any] = {
    ev.PartReleased: _released,
    ev.PartStarted: _started,
    ev.PartFinished: _finished,
    ev.PartInspected: _inspected,
    ev.PartScrapped: _scrapped,
    ev.PartExited: _exited,
    ev.MachineStateChanged: _state_changed,
    ev.MachineDown: _down,
    ev.MachineRepaired: _repaired,
    ev.HealthEstimateChanged: _health,
    ev.MaintenanceRequested: _maint_requested,
    ev.MaintenanceStarted: _maint_started,
    ev.MaintenanceDone: _maint_done,
    ev.ScheduleChanged: _schedule,
    ev.AlertRaised: _alert,
}
