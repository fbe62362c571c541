"""The simulator as the plant: its observer records become typed events on the bus.

:class:`PlantAdapter` subscribes to a :class:`dtwin.sim.Simulation` through its observer hook
(``subscribe(callback, states=True)``) and publishes what a plant's sensors and MES would
report. It reads only the records and the release facts (each released part's product and
route, as an MES knows its orders: :meth:`dtwin.sim.Simulation.subscribe_releases`), never the
simulator's hidden health or defect flags. An object without that hook (an older plant) falls
back to the config's routings, where a station that starts several products leaves a part's
product and route unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dtwin.errors import SimulationError
from dtwin.twin import events as ev
from dtwin.twin.bus import EventBus
from dtwin.twin.ids import MachineIds, machine_ids

SOURCE = "sim"

# record event -> the events it becomes (part events take the part id, machine events not)
_PART_EVENTS: dict[str, tuple[type[ev.TwinEvent], ...]] = {
    "start": (ev.PartStarted,),
    "finish": (ev.PartFinished,),
    "exit": (ev.PartFinished, ev.PartExited),
    "scrap": (ev.PartFinished, ev.PartScrapped),
}
_MACHINE_EVENTS: dict[str, type[ev.TwinEvent]] = {
    "failure": ev.MachineDown,
    "repaired": ev.MachineRepaired,
    "maintenance_requested": ev.MaintenanceRequested,
    "maintenance_start": ev.MaintenanceStarted,
    "maintenance_end": ev.MaintenanceDone,
}
_STATE_PREFIX = "state:"


class PlantAdapter:
    """Publishes a simulation's records on ``bus`` as twin events.

    Parameters
    ----------
    sim : the ``dtwin.sim.Simulation`` standing in for the plant.
    bus : where the events go.
    ids : the machine id mapping (default: :func:`~dtwin.twin.ids.machine_ids` of the config).
    source : the ``source`` of every event published.
    """

    def __init__(
        self, sim: Any, bus: EventBus, ids: MachineIds | None = None, source: str = SOURCE
    ) -> None:
        self.sim = sim
        self.bus = bus
        self.ids = ids if ids is not None else machine_ids(sim.config)
        self.source = source
        self.records = 0
        self._products = _products_by_first_station(sim.config)
        self._released: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._unsubscribe: list[Callable[[], None]] = [sim.subscribe(self.on_record, states=True)]
        if hasattr(sim, "subscribe_releases"):
            self._unsubscribe.append(sim.subscribe_releases(self.on_release))

    def detach(self) -> None:
        """Stop listening to the simulation."""
        while self._unsubscribe:
            self._unsubscribe.pop()()

    def on_release(self, fact: Any) -> None:
        """Note the product and route of a part about to be released."""
        self._released[int(fact.part)] = (str(fact.product), tuple(fact.route))

    def on_record(self, record: tuple[float, int, str, int, str]) -> None:
        """Turn one ``(time, entity, station, machine, event)`` record into events."""
        time, entity, station, slot, name = record
        self.records += 1
        for event in self.translate(float(time), int(entity), station, int(slot), name):
            self.bus.publish(event)

    def _request_reason(self, station: str, slot: int) -> str:
        """Why the plant was asked to maintain the machine (the command's own reason)."""
        return _last_request_reason(getattr(self.sim, "requests", []), station, slot)

    def translate(
        self, time: float, entity: int, station: str, slot: int, name: str
    ) -> list[ev.TwinEvent]:
        """The twin events of one record (a SimulationError for an event it does not know)."""
        src = self.source
        if name == "release":
            known = self._released.pop(entity, None)
            product, route = known or self._products.get(station, (None, ()))
            return [ev.PartReleased(time=time, source=src, part=entity, station=station,
                                    product=product, route=route)]  # fmt: skip
        machine = self.ids.id_of(station, slot)
        kinds = _PART_EVENTS.get(name)
        if kinds is not None:
            return [k(time=time, source=src, part=entity, machine=machine) for k in kinds]  # type: ignore[call-arg]
        if name == "maintenance_requested":
            reason = self._request_reason(station, slot)
            return [ev.MaintenanceRequested(time=time, source=src, machine=machine, reason=reason)]
        kind = _MACHINE_EVENTS.get(name)
        if kind is not None:
            return [kind(time=time, source=src, machine=machine)]  # type: ignore[call-arg]
        if name.startswith(_STATE_PREFIX):
            status = name[len(_STATE_PREFIX) :]
            return [ev.MachineStateChanged(time=time, source=src, machine=machine, status=status)]
        known = ["release", *_PART_EVENTS, *_MACHINE_EVENTS, "state:<label>"]
        raise SimulationError(
            f"the twin does not know the simulator event {name!r} (t={time:g}, station "
            f"{station!r}); known: {', '.join(known)}"
        )


def _last_request_reason(requests: list[Any], station: str, slot: int) -> str:
    """The reason of the newest command for machine ``slot`` of ``station`` ("" if none)."""
    for request in reversed(requests):
        if request.station == station and request.machine == slot:
            return str(request.reason)
    return ""


def _products_by_first_station(config: Any) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """First station -> (product, routing) where one product alone starts there.

    A release record names the first station only; where several products start at the
    same station the product and route stay unknown (``(None, ())``).
    """
    starts: dict[str, list[Any]] = {}
    for product in config.products:
        starts.setdefault(product.routing[0], []).append(product)
    return {
        station: (ps[0].name, tuple(ps[0].routing)) if len(ps) == 1 else (None, ())
        for station, ps in starts.items()
    }
