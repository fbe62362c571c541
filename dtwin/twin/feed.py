"""What a control room shows of a running twin, as plain rows: no widgets, no HTML.

- :func:`format_time`: twin minutes as ``1,830 min (30.5 h)``.
- :func:`feed_row` and :class:`FeedRow`: one event as a line of a live feed (time, kind,
  machine, text, severity); :func:`is_routine` marks the part moves, state changes and good
  inspections that a feed hides unless asked. :class:`EventFeed` subscribes to a twin's bus and
  keeps the last ``size`` events (all of them, and the notable ones).
- :func:`worn_machines`, :func:`health_rows` and :class:`HealthRow`: per machine that wears,
  the twin's health estimate (mean ± std, ``None`` until the first estimate) next to the
  simulator's *true* health. The truth is read from ``twin.sim.view()`` for teaching and
  checking only; the twin itself never reads it.
- :func:`floor_snapshot`: the twin's state in the shape the 3D floor plays (time, machines with
  station, slot, status and estimated health, queues), so the floor shows what the twin believes.
- :func:`plan_rows`, :class:`PlanRow` and :func:`plan_gantt`: the plans with reschedules marked
  (reason, moved operations) and one plan as a Gantt table with its downtime windows.
- :data:`KPI_LABELS`, :func:`format_kpi`, :func:`kpi_comparison` and :class:`KpiRow`: the
  KPIs of several loops' :func:`~dtwin.twin.runner.run_twin` reports side by side, with their
  95% half-widths and whether the intervals of two loops lie apart.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dtwin.errors import ConfigError
from dtwin.twin import events as ev
from dtwin.twin.bus import EventBus
from dtwin.twin.ids import MachineIds
from dtwin.twin.kpis import KPI_NAMES
from dtwin.twin.state import FactoryState

if TYPE_CHECKING:
    import pandas as pd

#: event kinds that a feed hides unless asked: parts moving and machines changing state
ROUTINE_KINDS = frozenset(
    {
        "part_released",
        "part_started",
        "part_finished",
        "part_exited",
        "machine_state_changed",
        "rul_predicted",
    }
)
GOOD = "good"


def format_time(minutes: float) -> str:
    """Twin minutes as ``1,830 min (30.5 h)``."""
    return f"{minutes:,.0f} min ({minutes / 60:,.1f} h)"


# -- the event feed -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedRow:
    """One event as a line of a feed: ``severity`` is info, warning or critical."""

    time: float
    kind: str
    source: str
    machine: str | None
    text: str
    severity: str = "info"

    @property
    def when(self) -> str:
        """The event's time, minutes and hours."""
        return format_time(self.time)


def is_routine(event: ev.TwinEvent) -> bool:
    """True for part moves, state changes and inspections that found the part good."""
    if isinstance(event, ev.PartInspected):
        return event.model_class == GOOD
    return event.kind in ROUTINE_KINDS


def _optional(prefix: str, value: str | None) -> str:
    return f"{prefix}{value}" if value else ""


_TEXTS: dict[str, Callable[[Any], str]] = {
    "part_released": lambda e: (
        f"part {e.part} released at {e.station}" + _optional(", product ", e.product)
    ),
    "part_started": lambda e: f"{e.machine} started part {e.part}",
    "part_finished": lambda e: f"{e.machine} finished part {e.part}",
    "part_inspected": lambda e: (
        f"camera at {e.machine}: part {e.part} looks {e.model_class} "
        f"(model probability {e.probability:.2f})"
    ),
    "part_scrapped": lambda e: f"part {e.part} scrapped at {e.machine}",
    "part_exited": lambda e: f"part {e.part} shipped after {e.machine}",
    "machine_state_changed": lambda e: f"{e.machine} is {e.status.replace('_', ' ')}",
    "machine_down": lambda e: f"{e.machine} broke down ({e.cause})",
    "machine_repaired": lambda e: f"{e.machine} repaired",
    "health_estimate_changed": lambda e: f"{e.machine}: health estimate {e.mean:.2f} ± {e.std:.2f}",
    "maintenance_requested": lambda e: (
        f"maintenance of {e.machine} requested" + _optional(": ", e.reason)
    ),
    "maintenance_started": lambda e: f"maintenance of {e.machine} started",
    "maintenance_done": lambda e: f"maintenance of {e.machine} done",
    "schedule_changed": lambda e: f"new plan {e.schedule_id}" + _optional(": ", e.reason),
    "alert_raised": lambda e: e.message,
    "rul_predicted": lambda e: (
        f"{e.machine}: predicted RUL {e.rul:.0f} cycles [{e.lo:.0f}, {e.hi:.0f}]"
    ),
}


def _text(event: ev.TwinEvent) -> str:
    make = _TEXTS.get(event.kind)
    if make is not None:
        return make(event)
    fields = {k: v for k, v in event.to_payload().items() if k not in ("type", "time", "source")}
    return ", ".join(f"{k}={v}" for k, v in fields.items())


def _severity(e: ev.TwinEvent) -> str:
    if isinstance(e, ev.AlertRaised):
        return e.severity
    if isinstance(e, ev.MachineDown | ev.PartScrapped):
        return "warning"
    if isinstance(e, ev.PartInspected) and e.model_class != GOOD:
        return "warning"
    return "info"


def feed_row(event: ev.TwinEvent) -> FeedRow:
    """The feed line of ``event``."""
    machine = getattr(event, "machine", None)
    return FeedRow(
        float(event.time), event.kind, event.source, machine, _text(event), _severity(event)
    )


class EventFeed:
    """Keeps the last ``size`` events a twin's bus carries; :meth:`rows` formats them.

    Subscribing costs one append per event; formatting happens only for the rows asked for.
    """

    def __init__(self, bus: EventBus, size: int = 20) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"event feed: size must be a whole number >= 1, got {size!r}")
        self.size = size
        self.total = 0
        self.notable = 0
        self._all: deque[ev.TwinEvent] = deque(maxlen=size)
        self._notable: deque[ev.TwinEvent] = deque(maxlen=size)
        self.unsubscribe = bus.subscribe(self.on_event, name="event_feed")

    def on_event(self, event: ev.TwinEvent) -> None:
        self.total += 1
        self._all.append(event)
        if not is_routine(event):
            self.notable += 1
            self._notable.append(event)

    def rows(self, routine: bool = False) -> list[FeedRow]:
        """The kept events, newest first (``routine``: all events, else the notable ones)."""
        kept = self._all if routine else self._notable
        return [feed_row(e) for e in reversed(kept)]


# -- health: the twin's estimate next to the truth ----------------------------------------


@dataclass(frozen=True)
class HealthRow:
    """One machine that wears at ``time``: the twin's estimate and the simulator's truth.

    ``estimate``/``std`` are None until the twin's first estimate; ``observations`` counts the
    verdicts since the last service (None without a health agent); ``threshold`` is the health
    below which the twin sends the machine to maintenance (None when it never does).
    """

    machine: str
    time: float
    estimate: float | None
    std: float | None
    truth: float
    observations: int | None = None
    threshold: float | None = None

    @property
    def error(self) -> float | None:
        """Estimate minus truth (None without an estimate)."""
        return None if self.estimate is None else self.estimate - self.truth

    @property
    def covered(self) -> bool | None:
        """Whether the truth lies within estimate ± 2 std (None without an estimate)."""
        if self.estimate is None or self.std is None:
            return None
        return abs(self.estimate - self.truth) <= 2.0 * self.std


def worn_machines(config: Any, ids: MachineIds) -> tuple[str, ...]:
    """The ids of the machines whose station has a wear model (``health`` in the config)."""
    return tuple(
        m for st in config.stations if st.health is not None for m in ids.machines_of(st.name)
    )


def health_rows(twin: Any) -> list[HealthRow]:
    """Estimate vs truth now for every machine that wears (``twin``: a ``TwinLoop``)."""
    view = twin.sim.view()
    thresholds = twin.maintenance.thresholds if twin.maintenance is not None else {}
    rows = []
    for machine in worn_machines(twin.config, twin.ids):
        station, slot = twin.ids.slot_of(machine)
        record = twin.state.machines[machine]
        observed = twin.health.observations(machine) if twin.health is not None else None
        rows.append(
            HealthRow(
                machine,
                float(view.now),
                record.health_mean,
                record.health_std,
                float(view.station(station).machines[slot].health),
                observed,
                thresholds.get(machine),
            )
        )
    return rows


# -- remaining useful life: the RUL agent's latest prediction per machine ----------------


@dataclass(frozen=True)
class RulRow:
    """One machine's latest predicted RUL: sensor cycles with the interval, and minutes at the
    life's pace so far (None before two readings); ``cycle``: readings of its current life."""

    machine: str
    rul: float
    lo: float
    hi: float
    cycle: int
    minutes: float | None
    minutes_lo: float | None
    minutes_hi: float | None

    @property
    def text(self) -> str:
        """``RUL 42 [30, 55] cycles (~12.5 h)``."""
        out = f"RUL {self.rul:.0f} [{self.lo:.0f}, {self.hi:.0f}] cycles"
        if self.minutes is not None:
            out += f" (≈ {self.minutes / 60.0:.1f} h [{(self.minutes_lo or 0) / 60.0:.1f}, "
            out += f"{(self.minutes_hi or 0) / 60.0:.1f}])"
        return out


def rul_rows(twin: Any) -> list[RulRow]:
    """The latest RUL prediction of every machine the twin's RUL agent watches (none: [])."""
    agent = getattr(twin, "rul", None)
    if agent is None:
        return []
    return [
        RulRow(m, e.rul, e.lo, e.hi, e.cycle, e.minutes, e.minutes_lo, e.minutes_hi)
        for m, e in sorted(agent.latest.items())
    ]


# -- the floor: what the twin believes, in the shape the 3D view plays -------------------


@dataclass(frozen=True)
class FloorMachine:
    """One machine as the twin believes it is (``health`` None: no estimate yet)."""

    id: str
    station: str
    machine: int
    state: str
    health: float | None
    health_std: float | None
    part: int | None


@dataclass(frozen=True)
class FloorSnapshot:
    """The twin's state at ``time`` as the 3D floor plays a ``dtwin.sim`` snapshot."""

    time: float
    machines: tuple[FloorMachine, ...]
    queues: dict[str, int]
    kpis: dict[str, float] = field(default_factory=dict)


def floor_snapshot(state: FactoryState, time: float | None = None) -> FloorSnapshot:
    """The factory state as a floor snapshot (off-shift machines show as idle, as in the sim)."""
    machines = tuple(
        FloorMachine(
            m.id,
            m.station,
            m.slot,
            "idle" if m.status == "off_shift" else m.status,
            m.health_mean,
            m.health_std,
            m.part,
        )
        for m in state.machines.values()
    )
    return FloorSnapshot(state.time if time is None else float(time), machines, dict(state.queues))


# -- plans and reschedules ----------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """One plan of the scheduling agent; ``rescheduled``: it repaired the plan before it."""

    id: str
    time: float
    origin: float
    reason: str
    jobs: int
    operations: int
    makespan: int
    moved: int
    rescheduled: bool


def plan_rows(plans: Sequence[Any], last: int | None = None) -> list[PlanRow]:
    """The plans (``PlanningAgent.plans``) newest first, the ``last`` ones only when given."""
    chosen = list(plans)[-last:] if last else list(plans)
    return [
        PlanRow(
            p.id,
            float(p.time),
            float(p.origin),
            p.reason,
            len(p.parts),
            len(p.schedule.operations),
            int(p.schedule.makespan),
            int(p.moved),
            p.schedule.moved is not None,
        )
        for p in reversed(chosen)
    ]


def plan_gantt(plan: Any) -> tuple[pd.DataFrame, list[tuple[int, int, int]]]:
    """One plan as a Gantt table (with a ``moved`` column) and its downtime windows.

    Times are minutes from the plan's ``origin``; machine ``k`` is the ``k``-th machine id.
    """
    from dtwin.schedule import schedule_frame

    frame = schedule_frame(plan.instance, plan.schedule)
    if "moved" not in frame.columns:
        frame["moved"] = False
    downtimes = [(d.machine, d.start, d.end) for d in plan.instance.unavailability]
    return frame, downtimes


# -- KPIs of several loops side by side ---------------------------------------------------

#: KPI name -> (label, unit) for the twin's KPIs (dtwin.twin.kpis)
KPI_LABELS: dict[str, tuple[str, str]] = {
    "good_units_per_day": ("good units per day", "parts/day"),
    "scrap_share": ("scrap share", "%"),
    "oee": ("OEE", "%"),
    "lead_time_mean_min": ("mean lead time", "min"),
    "maintenance_count": ("services per replication", "services"),
    "unplanned_down_share": ("unplanned downtime", "% of planned time"),
    "cost_per_good_unit": ("cost per good unit", "per good part"),
}
_PERCENT = {"scrap_share", "oee", "unplanned_down_share"}


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def format_kpi(name: str, mean: float | None, half: float | None = None) -> str:
    """``mean ± half unit`` (shares in percent); ``—`` when the mean is not measured."""
    value = _finite(mean)
    if value is None:
        return "—"
    unit = KPI_LABELS.get(name, (name, ""))[1]
    scale = 100.0 if name in _PERCENT else 1.0
    digits = 0 if name == "maintenance_count" and half is None else 1
    text = f"{value * scale:,.{digits}f}"
    spread = _finite(half)
    if spread is not None:
        text += f" ± {spread * scale:,.1f}"
    return f"{text} {unit}"


@dataclass(frozen=True)
class KpiRow:
    """One KPI over several loops: ``cells[loop]`` is (mean, 95% half-width) or None."""

    name: str
    label: str
    unit: str
    cells: dict[str, tuple[float | None, float | None] | None]

    def apart(self, a: str, b: str) -> bool | None:
        """Whether the 95% intervals of loops ``a`` and ``b`` do not overlap (None: unknown)."""
        ca, cb = self.cells.get(a), self.cells.get(b)
        if ca is None or cb is None or None in (*ca, *cb):
            return None
        (ma, ha), (mb, hb) = ca, cb
        return abs(ma - mb) > ha + hb  # type: ignore[operator]


def kpi_comparison(reports: Mapping[str, Mapping[str, Any] | None]) -> list[KpiRow]:
    """One row per KPI from ``reports`` (loop -> ``run_twin`` report, None: not measured)."""
    rows = []
    for name in KPI_NAMES:
        cells: dict[str, tuple[float | None, float | None] | None] = {}
        for loop, report in reports.items():
            if report is None:
                cells[loop] = None
                continue
            kpis = report.get("kpis", {})
            cells[loop] = (_finite(kpis.get(name)), _finite(kpis.get(f"{name}_ci95")))
        label, unit = KPI_LABELS.get(name, (name, ""))
        rows.append(KpiRow(name, label, unit, cells))
    return rows
