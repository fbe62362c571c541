"""The health agent: turns inspection verdicts into a health estimate per machine.

For every machine whose station has a wear model (``health.defect_factor > 0``), the agent
keeps a discounted Beta estimate of the share of its parts that the camera's model flags
(old observations fade with ``window``). The station's wear model says how the defect rate
grows as health falls, ``p = defect_rate + defect_factor * (1 - health)``, so the flagged
share ``q`` of parts that passed machine ``m`` gives, with the other machines on those parts'
paths at their base rates,

    p_m = 1 - (1 - q) / prod(1 - base_other),   health = 1 - (p_m - defect_rate) / defect_factor

clipped to [0, 1], with the Beta's standard deviation carried through the same line. A part
counts for each machine it started on since its previous inspection. A maintenance restores
full health (the estimate goes back to its prior); a repair restores ``repair_restores`` of
the lost health, as the station's model says. The agent reads the twin's own state (which
machines a part passed) and never the simulator's hidden health.

The camera's model errs: with its false-alarm rate ``f`` and detection rate ``d`` (from its
card's test confusion matrix, :func:`~dtwin.twin.agents.inspection.error_rates`) the share
of truly defective parts is ``(q_flagged - f) / (d - f)``; the estimate uses that share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dtwin.twin import events as ev
from dtwin.twin.agents.inspection import flagged
from dtwin.twin.bus import EventBus
from dtwin.twin.ids import MachineIds
from dtwin.twin.state import FactoryState

NAME = "health_agent"
METHOD = "discounted-beta defect rate"


@dataclass(frozen=True)
class WearModel:
    """What the plant's engineers know about one station: base defect rate and wear."""

    defect_rate: float
    defect_factor: float
    repair_restores: float | None


@dataclass
class Estimate:
    """Discounted Beta counts of flagged / passed parts of one machine since its last reset."""

    a: float
    b: float
    survival: float = 1.0  # running mean of prod(1 - base) of the other machines on the path
    observations: int = 0
    health: float = 1.0
    std: float = 0.0

    @property
    def rate(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def rate_std(self) -> float:
        n = self.a + self.b
        return math.sqrt(self.a * self.b / (n * n * (n + 1.0)))


def flagged_share(
    health: float,
    wm: WearModel,
    survival: float = 1.0,
    false_alarm: float = 0.0,
    detection: float = 1.0,
) -> float:
    """The share of a machine's parts the camera's model flags at true ``health``.

    ``survival``: prod(1 - base rate) of the other machines on the parts' path; ``false_alarm``
    and ``detection``: the model's error rates (:func:`~dtwin.twin.agents.inspection.error_rates`).
    """
    p = min(1.0, wm.defect_rate + wm.defect_factor * (1.0 - health))
    truly = 1.0 - (1.0 - p) * survival
    return false_alarm + (detection - false_alarm) * truly


def health_from_flagged(
    flagged: float,
    wm: WearModel,
    survival: float = 1.0,
    false_alarm: float = 0.0,
    detection: float = 1.0,
) -> float:
    """The health (in [0, 1]) that a flagged share ``flagged`` means: the inverse of
    :func:`flagged_share`, as the health agent reads its estimate."""
    share = min(1.0, max(0.0, (flagged - false_alarm) / (detection - false_alarm)))
    p = 1.0 - (1.0 - share) / survival
    return min(1.0, max(0.0, 1.0 - (p - wm.defect_rate) / wm.defect_factor))


def wear_models(config: Any) -> dict[str, WearModel]:
    """Station -> its wear model, for every station of ``config`` (no wear: factor 0)."""
    out = {}
    for st in config.stations:
        h = st.health
        out[st.name] = WearModel(
            float(st.defect_rate),
            float(h.defect_factor) if h is not None else 0.0,
            float(h.repair_restores) if h is not None and h.repair_restores is not None else None,
        )
    return out


class HealthAgent:
    """Publishes :class:`~dtwin.twin.events.HealthEstimateChanged` from inspection verdicts.

    Parameters
    ----------
    window : parts after which an observation's weight has fallen to 1/e.
    prior_parts : weight of the prior (a machine as new) after a reset, in parts.
    min_change : smallest change of the mean or std worth publishing.
    """

    def __init__(
        self,
        bus: EventBus,
        state: FactoryState,
        ids: MachineIds,
        models: dict[str, WearModel],
        window: float = 150.0,
        prior_parts: float = 20.0,
        min_change: float = 0.01,
        error_rates: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        self.bus, self.state, self.ids, self.models = bus, state, ids, models
        self.false_alarm, self.detection = error_rates
        self.keep = 1.0 - 1.0 / max(1.0, float(window))
        self.prior_parts = float(prior_parts)
        self.min_change = float(min_change)
        by_machine = {m: models[ids.station_of(m)] for m in ids.ids}
        self.tracked = {m: wm for m, wm in by_machine.items() if wm.defect_factor > 0}
        self.estimates = {m: self._prior(m, 1.0) for m in self.tracked}
        self._credited: dict[int, int] = {}  # part -> history entries already counted
        bus.subscribe(self.on_inspected, ev.PartInspected, name=NAME)
        bus.subscribe(self.on_restored, ev.MaintenanceDone, ev.MachineRepaired, name=NAME)
        bus.subscribe(self.on_left, ev.PartExited, ev.PartScrapped, name=NAME)

    def _prior(self, machine: str, health: float, survival: float = 1.0) -> Estimate:
        wm = self.tracked[machine]
        flagged = flagged_share(health, wm, survival, self.false_alarm, self.detection)
        q = min(0.999, max(0.001, flagged))
        n = self.prior_parts
        est = Estimate(q * n, (1.0 - q) * n, survival)
        est.health = health
        return est

    def _passed(self, part: int) -> list[str]:
        """Machines ``part`` started on since its previous inspection."""
        record = self.state.parts.get(part)
        if record is None:
            return []
        start = self._credited.get(part, 0)
        self._credited[part] = len(record.history)
        return [m for _, what, m in record.history[start:] if what == "started"]

    def on_inspected(self, event: ev.PartInspected) -> None:
        passed = self._passed(event.part)
        base = {m: self.models[self.ids.station_of(m)].defect_rate for m in passed}
        y = 1.0 if flagged(event) else 0.0
        for m in passed:
            est = self.estimates.get(m)
            if est is None:
                continue
            others = math.prod(1.0 - base[o] for o in passed if o != m)
            est.a = self.keep * est.a + y
            est.b = self.keep * est.b + (1.0 - y)
            est.survival += (others - est.survival) / (est.observations + 1.0)
            est.observations += 1
            self._update(m, est, event.time)

    def _update(self, machine: str, est: Estimate, time: float, force: bool = False) -> None:
        wm = self.tracked[machine]
        spread = self.detection - self.false_alarm
        health = health_from_flagged(est.rate, wm, est.survival, self.false_alarm, self.detection)
        std = est.rate_std / spread / est.survival / wm.defect_factor
        std = min(std, 0.5)
        moved = abs(health - est.health) >= self.min_change or abs(std - est.std) >= self.min_change
        if force or moved:
            est.health, est.std = health, std
            self.bus.publish(
                ev.HealthEstimateChanged(
                    time=time, source=NAME, machine=machine, mean=health, std=std, method=METHOD
                )
            )

    def on_restored(self, event: ev.MaintenanceDone | ev.MachineRepaired) -> None:
        est = self.estimates.get(event.machine)
        if est is None:
            return
        wm = self.tracked[event.machine]
        if isinstance(event, ev.MaintenanceDone):
            health = 1.0
        elif wm.repair_restores:
            health = est.health + wm.repair_restores * (1.0 - est.health)
        else:
            return
        fresh = self._prior(event.machine, health, est.survival)
        fresh.std = -1.0  # force a publish
        self.estimates[event.machine] = fresh
        self._update(event.machine, fresh, event.time, force=True)

    def on_left(self, event: ev.PartExited | ev.PartScrapped) -> None:
        self._credited.pop(event.part, None)

    def observations(self, machine: str) -> int:
        """Verdicts counted for ``machine`` since its last maintenance or repair."""
        est = self.estimates.get(machine)
        return est.observations if est is not None else 0
