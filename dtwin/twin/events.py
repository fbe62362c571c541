"""The twin's typed events: frozen dataclasses with the twin time and their source.

Every event has ``time`` (twin minutes, as the simulator counts them) and ``source`` (who
reported it: ``sim``, ``camera``, an agent's name, ...). :data:`EVENT_TYPES` maps each
event's ``kind`` (``part_released``, ...) to its class; :meth:`TwinEvent.to_payload` and
:func:`from_payload` turn events into plain JSON-able dicts and back, which is how the event
log stores them.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any, ClassVar

from dtwin.errors import DataError
from dtwin.sim import STATE_LABELS

SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True, kw_only=True)
class TwinEvent:
    """Base of every twin event: when it happened (minutes) and who reported it."""

    kind: ClassVar[str] = "event"
    time: float
    source: str

    def __post_init__(self) -> None:
        if isinstance(self.time, bool) or not isinstance(self.time, int | float):
            raise DataError(f"{self.kind}: time must be a number of minutes, got {self.time!r}")
        if not math.isfinite(self.time) or self.time < 0:
            raise DataError(f"{self.kind}: time must be finite and >= 0, got {self.time!r}")
        if not isinstance(self.source, str) or not self.source:
            raise DataError(f"{self.kind}: source must be a non-empty string, got {self.source!r}")

    def to_payload(self) -> dict[str, Any]:
        """The event as a plain dict (``type`` plus every field; tuples become lists)."""
        payload: dict[str, Any] = {"type": self.kind}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            payload[name] = list(value) if isinstance(value, tuple) else value
        return payload


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


# -- parts ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PartReleased(TwinEvent):
    """A part entered the factory at ``station``; ``route`` is empty when not known."""

    kind: ClassVar[str] = "part_released"
    part: int
    station: str
    product: str | None = None
    route: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PartStarted(TwinEvent):
    """Machine ``machine`` started an operation on ``part``."""

    kind: ClassVar[str] = "part_started"
    part: int
    machine: str


@dataclass(frozen=True, kw_only=True)
class PartFinished(TwinEvent):
    """Machine ``machine`` finished its operation on ``part``."""

    kind: ClassVar[str] = "part_finished"
    part: int
    machine: str


@dataclass(frozen=True, kw_only=True)
class PartInspected(TwinEvent):
    """A camera photographed ``part`` at ``machine``; the model said ``model_class``."""

    kind: ClassVar[str] = "part_inspected"
    part: int
    machine: str
    image: str  # a reference to the image (pool index, path or URI), never the pixels
    model_class: str
    probability: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.probability <= 1.0:
            raise DataError(
                f"{self.kind}: probability must lie in [0, 1], got {self.probability!r}"
            )


@dataclass(frozen=True, kw_only=True)
class PartScrapped(TwinEvent):
    """``part`` was scrapped at ``machine``."""

    kind: ClassVar[str] = "part_scrapped"
    part: int
    machine: str


@dataclass(frozen=True, kw_only=True)
class PartExited(TwinEvent):
    """``part`` left the factory (shipped) after its last operation at ``machine``."""

    kind: ClassVar[str] = "part_exited"
    part: int
    machine: str


# -- machines -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MachineStateChanged(TwinEvent):
    """``machine`` switched to ``status`` (a label of ``dtwin.sim.STATE_LABELS``)."""

    kind: ClassVar[str] = "machine_state_changed"
    machine: str
    status: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.status not in STATE_LABELS:
            raise DataError(
                f"{self.kind}: unknown status {self.status!r}; valid: {', '.join(STATE_LABELS)}"
            )


@dataclass(frozen=True, kw_only=True)
class MachineDown(TwinEvent):
    """``machine`` broke down."""

    kind: ClassVar[str] = "machine_down"
    machine: str
    cause: str = "failure"


@dataclass(frozen=True, kw_only=True)
class MachineRepaired(TwinEvent):
    """``machine`` was repaired after a breakdown."""

    kind: ClassVar[str] = "machine_repaired"
    machine: str


@dataclass(frozen=True, kw_only=True)
class HealthEstimateChanged(TwinEvent):
    """The twin's belief about ``machine``'s health: ``mean`` (1 = new) and ``std``."""

    kind: ClassVar[str] = "health_estimate_changed"
    machine: str
    mean: float
    std: float
    method: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.mean) and math.isfinite(self.std) and self.std >= 0):
            raise DataError(
                f"{self.kind}: mean and std must be finite and std >= 0, "
                f"got mean={self.mean!r}, std={self.std!r}"
            )


@dataclass(frozen=True, kw_only=True)
class MaintenanceRequested(TwinEvent):
    """Someone (an agent, a user) asked for ``machine`` to be maintained."""

    kind: ClassVar[str] = "maintenance_requested"
    machine: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class MaintenanceStarted(TwinEvent):
    """A technician started servicing ``machine``."""

    kind: ClassVar[str] = "maintenance_started"
    machine: str


@dataclass(frozen=True, kw_only=True)
class MaintenanceDone(TwinEvent):
    """The service of ``machine`` is done."""

    kind: ClassVar[str] = "maintenance_done"
    machine: str


# -- plan and alerts ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScheduleChanged(TwinEvent):
    """A new plan ``schedule_id`` replaced the current one."""

    kind: ClassVar[str] = "schedule_changed"
    schedule_id: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AlertRaised(TwinEvent):
    """A rule fired: ``severity`` is one of :data:`SEVERITIES`."""

    kind: ClassVar[str] = "alert_raised"
    rule: str
    severity: str
    message: str
    machine: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.severity not in SEVERITIES:
            raise DataError(
                f"{self.kind}: unknown severity {self.severity!r}; valid: {', '.join(SEVERITIES)}"
            )


#: event kind -> class, for every event the twin knows
EVENT_TYPES: dict[str, type[TwinEvent]] = {
    cls.kind: cls
    for cls in (
        PartReleased,
        PartStarted,
        PartFinished,
        PartInspected,
        PartScrapped,
        PartExited,
        MachineStateChanged,
        MachineDown,
        MachineRepaired,
        HealthEstimateChanged,
        MaintenanceRequested,
        MaintenanceStarted,
        MaintenanceDone,
        ScheduleChanged,
        AlertRaised,
    )
}


def from_payload(payload: dict[str, Any]) -> TwinEvent:
    """The event that :meth:`TwinEvent.to_payload` wrote (lists become tuples again)."""
    if not isinstance(payload, dict):
        raise DataError(f"an event payload must be a dict, got {type(payload).__name__}")
    kind = payload.get("type")
    cls = EVENT_TYPES.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise DataError(f"unknown event type {kind!r}; valid: {', '.join(EVENT_TYPES)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    given = {k: v for k, v in payload.items() if k != "type"}
    unknown = sorted(set(given) - set(fields))
    required = {
        n
        for n, f in fields.items()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    missing = sorted(required - set(given))
    if unknown or missing:
        raise DataError(
            f"event {kind!r}: missing fields {missing}, unknown fields {unknown}; "
            f"valid: {', '.join(fields)}"
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}
    try:
        return cls(**values)
    except TypeError as error:
        raise DataError(f"event {kind!r}: {error}") from error
