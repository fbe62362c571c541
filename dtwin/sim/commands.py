"""What the twin may tell the plant and what the plant's camera sees.

The engine (:class:`~dtwin.sim.engine.Simulation`) stands in for a physical plant. A twin
drives it through commands (:meth:`~dtwin.sim.engine.Simulation.request_maintenance`) and
reads it through observer hooks only. This module holds the plain records of both and the
checks of a command's arguments, so the engine's steps stay short.

``maintenance="external"`` (:data:`MAINTENANCE_MODES`) hands condition-based maintenance to
the caller: the configured ``health_threshold`` policies no longer act by themselves (the
twin decides from its own health estimate, with the station's ``threshold`` and ``duration``),
while ``periodic`` policies still do, as a calendar does in a real plant.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dtwin.errors import SimulationError
from dtwin.sim.distributions import MAX_TIME

#: ``config``: every policy acts as configured; ``external``: health_threshold policies wait
#: for :meth:`~dtwin.sim.engine.Simulation.request_maintenance` (periodic ones still act)
MAINTENANCE_MODES = ("config", "external")

__all__ = ["MAINTENANCE_MODES", "InspectionFact", "MaintenanceRequest", "ReleaseFact"]


@dataclass(frozen=True, slots=True)
class MaintenanceRequest:
    """A maintenance command as the plant received it."""

    time: float
    station: str
    machine: int
    duration: float | None  # minutes; None: the station's maintenance ``duration``
    reason: str


@dataclass(frozen=True, slots=True)
class InspectionFact:
    """The true state of a part when an inspection station finishes it: the camera's input.

    ``defective`` is the simulator's hidden truth. Only a camera model (which draws a
    synthetic image of it) may read it; a twin must learn a part's state from what its
    classifier says about that image, never from this field. ``scrapped`` is what the
    station's own inspection (``detection_rate``) decided.
    """

    time: float
    part: int
    product: str
    station: str
    machine: int
    defective: bool
    scrapped: bool


@dataclass(frozen=True, slots=True)
class ReleaseFact:
    """A part released into the factory, as an MES knows it: its order's product and route.

    The event log's ``release`` record names only the first station; where several products
    start at the same station, a twin learns which one a part is from this fact.
    """

    time: float
    part: int
    product: str
    station: str
    route: tuple[str, ...]


def check_mode(mode: Any) -> str:
    """The maintenance mode, or a SimulationError naming the valid ones."""
    if mode not in MAINTENANCE_MODES:
        raise SimulationError(
            f"maintenance: unknown mode {mode!r}; valid: {', '.join(MAINTENANCE_MODES)}"
        )
    return str(mode)


def find_machine(stations: dict[str, Any], station: Any, slot: Any) -> Any:
    """The machine ``slot`` of ``station``, or a SimulationError naming the valid choices."""
    rt = stations.get(station) if isinstance(station, str) else None
    if rt is None:
        raise SimulationError(
            f"request_maintenance: unknown station {station!r}; valid: {', '.join(stations)}"
        )
    count = len(rt.machines)
    if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot < count:
        raise SimulationError(
            f"request_maintenance: station {station!r} has no machine {slot!r}; "
            f"valid: an integer from 0 to {count - 1}"
        )
    return rt.machines[slot]


def service_minutes(m: Any, duration: Any) -> Callable[[], float]:
    """The length of a requested service: ``duration`` minutes or the station's own draw."""
    if duration is None:
        if m.pm_duration is None:
            raise SimulationError(
                f"request_maintenance: station {m.name!r} has no maintenance duration; pass "
                f"duration=MINUTES or set stations[{m.name}].maintenance.duration "
                f"(or maintenance.duration for the factory)"
            )
        return m.pm_duration  # type: ignore[no-any-return]
    ok = isinstance(duration, int | float) and not isinstance(duration, bool)
    if not ok or not math.isfinite(duration) or not 0 < duration <= MAX_TIME:
        raise SimulationError(
            f"request_maintenance: duration must be minutes in (0, {MAX_TIME:g}] or None "
            f"(the station's maintenance duration), got {duration!r}"
        )
    minutes = float(duration)
    return lambda: minutes
