"""Machine ids, defined once: ``<station>-<k>`` (k = 1..machines) unless a station lists its own.

The simulator names a machine by (station, 0-based slot); the twin, the scheduler, the
warehouse and the apps name it by one string id. :class:`MachineIds` is the only mapping
between the two, built once per factory by :func:`machine_ids`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dtwin.errors import ConfigError, DataError
from dtwin.event_schema import default_machine_id


class UnknownMachineError(DataError):
    """A machine id, station or slot that the factory does not have."""


@dataclass(frozen=True)
class MachineIds:
    """Both ways between (station, slot) and machine id, in config order.

    ``stations`` holds ``(station, (id of slot 0, id of slot 1, ...))`` per station.
    """

    stations: tuple[tuple[str, tuple[str, ...]], ...]
    _slots: dict[str, tuple[str, int]] = field(init=False, repr=False, compare=False)
    _ids: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        slots: dict[str, tuple[str, int]] = {}
        problems = []
        for station, ids in self.stations:
            for slot, machine in enumerate(ids):
                if machine in slots:
                    other = slots[machine][0]
                    problems.append(f"{machine!r} (stations {other!r} and {station!r})")
                slots[machine] = (station, slot)
        if problems:
            raise ConfigError(
                f"machine ids must be unique across the factory; used twice: {', '.join(problems)}"
            )
        object.__setattr__(self, "_slots", slots)
        object.__setattr__(self, "_ids", dict(self.stations))

    @property
    def ids(self) -> tuple[str, ...]:
        """Every machine id, station by station in config order."""
        return tuple(m for _, ids in self.stations for m in ids)

    @property
    def station_names(self) -> tuple[str, ...]:
        """Every station, in config order."""
        return tuple(name for name, _ in self.stations)

    def id_of(self, station: str, slot: int) -> str:
        """The id of machine ``slot`` (from 0) of ``station``."""
        ids = self._ids.get(station)
        if ids is None:
            raise UnknownMachineError(
                f"unknown station {station!r}; valid: {', '.join(self.station_names)}"
            )
        if not isinstance(slot, int) or not 0 <= slot < len(ids):
            raise UnknownMachineError(
                f"station {station!r} has no machine slot {slot!r}; valid: 0..{len(ids) - 1}"
            )
        return ids[slot]

    def slot_of(self, machine: str) -> tuple[str, int]:
        """``(station, slot)`` of machine id ``machine``."""
        found = self._slots.get(machine)
        if found is None:
            shown = ", ".join(self.ids[:20]) + (", ..." if len(self.ids) > 20 else "")
            raise UnknownMachineError(f"unknown machine id {machine!r}; valid: {shown}")
        return found

    def station_of(self, machine: str) -> str:
        """The station of machine id ``machine``."""
        return self.slot_of(machine)[0]

    def machines_of(self, station: str) -> tuple[str, ...]:
        """The ids of ``station``'s machines, by slot."""
        if station not in self._ids:
            raise UnknownMachineError(
                f"unknown station {station!r}; valid: {', '.join(self.station_names)}"
            )
        return self._ids[station]

    def to_json(self) -> list[list[Any]]:
        """``[[station, [id, ...]], ...]``: plain JSON, read back by :meth:`from_json`."""
        return [[station, list(ids)] for station, ids in self.stations]

    @classmethod
    def from_json(cls, data: Iterable[Sequence[Any]]) -> MachineIds:
        """The mapping written by :meth:`to_json`."""
        try:
            stations = tuple((str(s), tuple(str(m) for m in ids)) for s, ids in data)
        except (TypeError, ValueError) as error:
            raise DataError(
                f"machine ids must be [[station, [id, ...]], ...], got {data!r}"
            ) from error
        return cls(stations)


def default_id(station: str, slot: int) -> str:
    """``<station>-<k>`` with k = slot + 1: the id of a machine its station does not name.

    The rule itself lives in :func:`dtwin.event_schema.default_machine_id`, so that the
    simulator's MES log writer names machines as the twin does without importing it.
    """
    return default_machine_id(station, slot)


def machine_ids(config: Any, names: Mapping[str, Sequence[str]] | None = None) -> MachineIds:
    """The machine ids of a factory config (``dtwin.sim.FactoryConfig`` or alike).

    A station's own ``machine_ids`` field (when the config has one) or ``names[station]``
    names its machines; every other machine is ``<station>-<k>``. Every problem with
    ``names`` (an unknown station, a wrong count, an empty id) is reported at once.
    """
    names = dict(names or {})
    counts = {st.name: int(st.machines) for st in config.stations}
    problems = [f"unknown station {s!r}" for s in names if s not in counts]
    stations = []
    for st in config.stations:
        listed = names.get(st.name, getattr(st, "machine_ids", None))
        if listed is None:
            ids = tuple(default_id(st.name, k) for k in range(counts[st.name]))
        else:
            ids = tuple(listed)
            if len(ids) != counts[st.name]:
                problems.append(
                    f"station {st.name!r} has {counts[st.name]} machines but {len(ids)} ids"
                )
            if any(not isinstance(m, str) or not m.strip() for m in ids):
                problems.append(f"station {st.name!r}: every machine id must be a non-empty string")
        stations.append((st.name, ids))
    if problems:
        raise ConfigError(
            f"machine ids: {'; '.join(problems)} (valid stations: {', '.join(counts)})"
        )
    return MachineIds(tuple(stations))
