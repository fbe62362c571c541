"""The scheduling agent: keeps a plan of the parts in the factory and repairs it on disturbances.

Every ``replan_min`` minutes (an hour by default, as a plan of the parts in a line covers
less than that; on the first release after that time) the agent plans the parts
now in the factory (the ``max_jobs`` oldest with a known route) as a flexible job shop: one
job per part, one operation per station still ahead of it, on any machine of that station,
for the station's mean process time (minutes, rounded up). The fresh plan is the best of
:data:`PLAN_RULES` (fast and deterministic). When a machine breaks down or starts a
maintenance, the agent calls :func:`dtwin.schedule.reschedule` on the current plan: what has
started stays as it is (frozen past), the machine is unavailable for its mean repair (or
service) time, and ``stability_weight`` keeps the rest close to the old plan. Each new plan is
published as :class:`~dtwin.twin.events.ScheduleChanged` and kept in :attr:`plans`.

Machine ``k`` of a plan is the ``k``-th id of the factory's :class:`~dtwin.twin.ids.MachineIds`
(the one mapping). The plant still dispatches first-in first-out: the plan is advice that the
control room shows, not yet a sequence the simulator follows.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Any

from dtwin.errors import ScheduleError
from dtwin.schedule import (
    Instance,
    Job,
    MachineDown,
    Operation,
    Option,
    Schedule,
    best_rule,
    reschedule,
)
from dtwin.twin import events as ev
from dtwin.twin.bus import EventBus
from dtwin.twin.ids import MachineIds
from dtwin.twin.state import FactoryState

NAME = "scheduling_agent"
# the fresh plan: most work remaining first (keeps the bottleneck fed), an active schedule;
# more rules here cost one dispatch each per replan
PLAN_RULES = ("MWKR",)
# reschedules stop on CP-SAT's deterministic time (``time_limit``, work units of about a second
# of one core, per search phase) with one worker, so the same seed gives the same plan on any
# machine load; the wall-clock limit only guards a starved machine
WALL_GUARD_S = 10.0


@dataclass
class Plan:
    """One plan: its instance and schedule, when it was made and why.

    Times in the plan count minutes from ``origin`` (twin minutes); ``time`` is when it was
    made (a reschedule keeps its plan's origin)."""

    id: str
    time: float
    origin: float
    reason: str
    instance: Instance
    schedule: Schedule
    parts: tuple[int, ...]
    moved: int = 0

    def summary(self) -> dict[str, Any]:
        """Plain JSON of the plan's figures (plan times in minutes from ``origin``)."""
        s = self.schedule
        return {
            "id": self.id,
            "time_min": self.time,
            "origin_min": self.origin,
            "reason": self.reason,
            "jobs": len(self.parts),
            "operations": len(s.operations),
            "makespan_min": s.makespan,
            "lower_bound_min": s.lower_bound,
            "status": s.status,
            "method": s.method,
            "moved": self.moved,
        }


def station_minutes(config: Any) -> dict[tuple[str, str], int]:
    """(product, station) -> mean process minutes (rounded up, at least 1)."""
    out = {}
    base = {st.name: st.process_time for st in config.stations}
    for product in config.products:
        own = product.process_times or {}
        for station in product.routing:
            dist = own.get(station, base[station])
            out[product.name, station] = max(1, math.ceil(dist.mean_value))
    return out


def outage_minutes(config: Any) -> dict[str, dict[str, int]]:
    """Station -> expected minutes of a breakdown (``failure``) and a service (``maintenance``)."""
    out: dict[str, dict[str, int]] = {}
    default = config.maintenance
    for st in config.stations:
        row = {}
        if st.failure is not None:
            row["failure"] = max(1, math.ceil(st.failure.repair.mean_value))
        policy = st.maintenance if st.maintenance is not None else default
        if policy.duration is not None:
            row["maintenance"] = max(1, math.ceil(policy.duration.mean_value))
        out[st.name] = row
    return out


class PlanningAgent:
    """Plans the factory's parts and reschedules on breakdowns and maintenance."""

    def __init__(
        self,
        bus: EventBus,
        state: FactoryState,
        ids: MachineIds,
        config: Any,
        replan_min: float = 60.0,
        max_jobs: int = 30,
        time_limit: float = 0.02,
        stability_weight: int = 1,
        seed: int = 0,
    ) -> None:
        self.bus, self.state, self.ids = bus, state, ids
        self.index = {m: k for k, m in enumerate(ids.ids)}
        self.minutes = station_minutes(config)
        self.outages = outage_minutes(config)
        self.replan_min = float(replan_min)
        self.max_jobs = int(max_jobs)
        self.time_limit = float(time_limit)
        self.stability_weight = int(stability_weight)
        self.seed = int(seed)
        self.plans: list[Plan] = []
        self._next = 0.0
        self._open: dict[int, None] = {}  # parts in the factory with a known route
        bus.subscribe(self.on_release, ev.PartReleased, name=NAME)
        bus.subscribe(self.on_left, ev.PartExited, ev.PartScrapped, name=NAME)
        bus.subscribe(self.on_outage, ev.MachineDown, ev.MaintenanceStarted, name=NAME)

    @property
    def current(self) -> Plan | None:
        """The plan in force, if any."""
        return self.plans[-1] if self.plans else None

    def _instance(self) -> tuple[Instance | None, tuple[int, ...]]:
        oldest = itertools.islice(self._open, self.max_jobs)  # in release order
        parts = [self.state.parts[part] for part in oldest]
        jobs = []
        for p in parts:
            ops = []
            for station in p.route[p.step :]:
                d = self.minutes[p.product, station]  # type: ignore[index]
                opts = tuple(Option(self.index[m], d) for m in self.ids.machines_of(station))
                ops.append(Operation(opts))
            jobs.append(Job(tuple(ops), name=f"part {p.id}"))
        if not jobs:
            return None, ()
        inst = Instance(f"wip@{self.state.time:g}", len(self.index), tuple(jobs))
        return inst, tuple(p.id for p in parts)

    def _publish(self, plan: Plan) -> None:
        self.plans.append(plan)
        self.bus.publish(
            ev.ScheduleChanged(time=plan.time, source=NAME, schedule_id=plan.id, reason=plan.reason)
        )

    def replan(self, time: float, reason: str = "replan") -> Plan | None:
        """A fresh plan of the parts now in the factory (None when there are none)."""
        inst, parts = self._instance()
        self._next = time + self.replan_min
        if inst is None:
            return None
        sched = best_rule(inst, rules=PLAN_RULES, modes=("active",))
        plan = Plan(f"plan-{len(self.plans) + 1}", time, time, reason, inst, sched, parts)
        self._publish(plan)
        return plan

    def on_left(self, event: ev.PartExited | ev.PartScrapped) -> None:
        self._open.pop(event.part, None)

    def on_release(self, event: ev.PartReleased) -> None:
        if event.route and event.product:
            self._open[event.part] = None
        if event.time >= self._next:
            self.replan(event.time)

    def on_outage(self, event: ev.MachineDown | ev.MaintenanceStarted) -> None:
        plan = self.current
        if plan is None:
            return
        station = self.ids.station_of(event.machine)
        kind = "failure" if isinstance(event, ev.MachineDown) else "maintenance"
        minutes = self.outages.get(station, {}).get(kind)
        t = int(event.time - plan.origin)
        if minutes is None or t >= plan.schedule.makespan:
            return  # nothing of the plan is left to repair: the next replan covers it
        machine = self.index[event.machine]
        down = MachineDown(machine, t, minutes)
        try:
            result = self._reschedule(plan, t, down)
        except ScheduleError as error:  # the old plan cannot be repaired: plan afresh
            self.replan(event.time, f"{kind} of {event.machine} (fresh plan: {error})")
            return
        new = Plan(
            f"plan-{len(self.plans) + 1}",
            event.time,
            plan.origin,
            f"{kind} of {event.machine}",
            result.instance,
            result.schedule,
            plan.parts,
            result.moved,
        )
        self._publish(new)

    def _reschedule(self, plan: Plan, t: int, down: MachineDown) -> Any:
        """``reschedule`` of ``plan`` at plan minute ``t``.

        The machine is evidently up until ``t``, so an earlier expected outage of it that
        would still run past ``t`` (a repair that took less than its mean) ends at ``t``.
        """
        windows = tuple(
            dataclasses.replace(w, end=t) if w.machine == down.machine and w.start < t < w.end
            else w
            for w in plan.instance.unavailability
            if not (w.machine == down.machine and w.start >= t)
        )  # fmt: skip
        instance = dataclasses.replace(plan.instance, unavailability=windows)
        return reschedule(
            instance,
            plan.schedule,
            t,
            down,
            time_limit=WALL_GUARD_S,
            workers=1,
            seed=self.seed,
            stability_weight=self.stability_weight,
            parameters={"max_deterministic_time": self.time_limit},
        )
