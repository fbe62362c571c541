"""The states a machine can be in, defined once for the engine, KPIs, config, plots and widgets."""

from __future__ import annotations

from enum import IntEnum


class MachineState(IntEnum):
    """State of one machine; the value indexes the engine's per-state time counters.

    ``OFF_SHIFT`` (waiting outside every shift) is booked separately in the KPIs but shown as
    ``idle`` in snapshots and the 3D view (see :attr:`shown`).
    """

    RUNNING = 0
    IDLE = 1
    BLOCKED = 2
    STARVED = 3
    DOWN = 4
    MAINTENANCE = 5
    OFF_SHIFT = 6

    @property
    def label(self) -> str:
        """The state's name in tables, KPI columns and the event log (``running``, ...)."""
        return self.name.lower()

    @property
    def shown(self) -> str:
        """The label a snapshot shows (off-shift machines look idle)."""
        return SHOWN_STATES[self]


#: every label, in counter order: the time-share columns of the KPI tables
STATE_LABELS = tuple(s.label for s in MachineState)
#: the label a snapshot shows per state (off shift is shown as idle)
SHOWN_STATES = tuple("idle" if s is MachineState.OFF_SHIFT else s.label for s in MachineState)
#: the states that draw power (the fields of a station's ``energy``, kW per state)
POWERED_STATES = tuple(s for s in MachineState if s is not MachineState.OFF_SHIFT)
#: event name of a state change in the observer stream (``state:running``, ...)
STATE_EVENTS = tuple(f"state:{label}" for label in STATE_LABELS)
#: the distinct labels a snapshot can show, in counter order (what a legend lists)
SNAPSHOT_STATES = tuple(dict.fromkeys(SHOWN_STATES))
