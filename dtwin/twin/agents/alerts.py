"""The alert agent: rules over the twin's events raise alerts, kept and passed to a notifier.

Two kinds of rule ship, both edge-triggered with a margin: a rule fires when its condition
becomes true and re-arms only when it is clearly false again (the machine maintained, or its
health estimate back above ``level + REARM_HEALTH``, more than one verdict's swing; the scrap
share back under half its limit), so that one worn spell or bad hour is one alert, not many:

- :class:`HealthBelow`: a machine's health estimate fell below ``level``;
- :class:`ScrapShareOver`: the share of parts scrapped among those that left the factory in the
  last ``window_min`` minutes is over ``share`` (judged once ``min_parts`` have left in it).

Forecasts raise alerts too (:meth:`AlertAgent.on_forecast` with the rules of
:mod:`dtwin.twin.agents.forecast_alerts`: a due date at risk, output below target, a machine
drifting).

Every alert is published as :class:`~dtwin.twin.events.AlertRaised` (so it is in the event
log and the state), kept in :attr:`AlertAgent.alerts`, and handed to ``notify(alert)`` when
given: a user's own notifier (e-mail, a chat hook). A notifier that raises is retried by the
bus and then dead-lettered; it never stops the loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dtwin.twin import events as ev
from dtwin.twin.bus import EventBus

NAME = "alert_agent"
REARM_HEALTH = 0.15  # health above level + this re-arms a HealthBelow rule


@dataclass(frozen=True)
class HealthBelow:
    """A machine's estimated health fell below ``level``."""

    level: float
    severity: str = "warning"
    name: str = "health_below"


@dataclass(frozen=True)
class ScrapShareOver:
    """Over ``share`` of the parts that left in the last ``window_min`` minutes were scrapped."""

    share: float
    window_min: float = 60.0
    min_parts: int = 10
    severity: str = "warning"
    name: str = "scrap_share_over"


Rule = HealthBelow | ScrapShareOver


def default_rules(thresholds: dict[str, float]) -> list[Rule]:
    """Health below the highest maintenance threshold + 0.1 (warning), 0.3 lower (critical),
    and a scrap share over 15% in two hours."""
    level = min(0.95, max(thresholds.values(), default=0.5) + 0.1)
    return [
        HealthBelow(level),
        HealthBelow(max(0.05, level - 0.3), "critical", "health_critical"),
        ScrapShareOver(0.15, window_min=120.0, min_parts=20),
    ]


class AlertAgent:
    """Watches the bus with ``rules``; ``notify(alert_event)`` is the user's own hook."""

    def __init__(
        self,
        bus: EventBus,
        rules: list[Rule],
        notify: Callable[[ev.AlertRaised], Any] | None = None,
    ) -> None:
        self.bus = bus
        self.rules = list(rules)
        self.alerts: list[ev.AlertRaised] = []
        self._firing: set[tuple[str, str | None]] = set()
        self._left: dict[str, deque[tuple[float, bool]]] = {
            r.name: deque() for r in self.rules if isinstance(r, ScrapShareOver)
        }
        if any(isinstance(r, HealthBelow) for r in self.rules):
            bus.subscribe(self.on_estimate, ev.HealthEstimateChanged, name=NAME)
            bus.subscribe(self.on_maintained, ev.MaintenanceDone, name=NAME)
        if any(isinstance(r, ScrapShareOver) for r in self.rules):
            bus.subscribe(self.on_left, ev.PartExited, ev.PartScrapped, name=NAME)
        if notify is not None:
            bus.subscribe(notify, ev.AlertRaised, name="notifier")

    def _edge(self, rule: Rule, machine: str | None, active: bool, clear: bool) -> bool:
        """True when the rule fires now: ``active`` and not firing; ``clear`` re-arms it."""
        key = (rule.name, machine)
        if clear:
            self._firing.discard(key)
        if not active or key in self._firing:
            return False
        self._firing.add(key)
        return True

    def _raise(self, time: float, rule: Rule, message: str, machine: str | None) -> None:
        alert = ev.AlertRaised(
            time=time,
            source=NAME,
            rule=rule.name,
            severity=rule.severity,
            message=message,
            machine=machine,
        )
        self.alerts.append(alert)
        self.bus.publish(alert)

    def on_estimate(self, event: ev.HealthEstimateChanged) -> None:
        for rule in self.rules:
            if isinstance(rule, HealthBelow):
                low = event.mean < rule.level
                clear = event.mean >= rule.level + REARM_HEALTH
                if self._edge(rule, event.machine, low, clear):
                    msg = (
                        f"{event.machine}: health estimate {event.mean:.2f} ± {event.std:.2f} "
                        f"is below {rule.level:g}"
                    )
                    self._raise(event.time, rule, msg, event.machine)

    def on_forecast(
        self, forecast: dict[str, Any], rules: list[Any], time: float | None = None
    ) -> list[ev.AlertRaised]:
        """Raise the alerts forecast ``rules`` (:mod:`dtwin.twin.agents.forecast_alerts`) give
        on ``forecast``: kept, published and handed to the notifier like every other alert."""
        from dtwin.twin.agents.forecast_alerts import forecast_alerts

        raised = forecast_alerts(forecast, rules, time)
        for alert in raised:
            self.alerts.append(alert)
            self.bus.publish(alert)
        return raised

    def on_maintained(self, event: ev.MaintenanceDone) -> None:
        """A service re-arms the machine's health rules."""
        self._firing = {key for key in self._firing if key[1] != event.machine}

    def on_left(self, event: ev.PartExited | ev.PartScrapped) -> None:
        scrapped = isinstance(event, ev.PartScrapped)
        for rule in self.rules:
            if not isinstance(rule, ScrapShareOver):
                continue
            left = self._left[rule.name]
            left.append((event.time, scrapped))
            while left and left[0][0] < event.time - rule.window_min:
                left.popleft()
            n = len(left)
            share = sum(s for _, s in left) / n if n else 0.0
            over = n >= rule.min_parts and share > rule.share
            if self._edge(rule, None, over, clear=share <= rule.share / 2):
                msg = (
                    f"scrap share {share:.0%} of {n} parts in the last "
                    f"{rule.window_min:g} min is over {rule.share:.0%}"
                )
                self._raise(event.time, rule, msg, None)
