"""Alerts on forecasts: a due date at risk, output below target, a machine drifting.

The alert agent's other rules watch what has happened; these watch what is *forecast*. Each
rule reads one forecast, as the JSON-ready dict it comes in, and says which alerts it raises:

- :class:`OutputBelowTarget` on the twin's forecast (:func:`dtwin.twin.forecast_from_log`):
  the good parts forecast for the horizon fall short of ``target``; *critical* when even the
  top of the 90% prediction interval is short, a *warning* when the mean is;
- :class:`DueDateAtRisk` on the same forecast: an open part's forecast exit is after its due
  time; *critical* when the bottom of its 90% interval is already late (or it never left good
  in any replication), a *warning* when its mean or the top of its interval is;
- :class:`DriftOver` on a statistical forecast of a gold series
  (:func:`dtwin.warehouse.forecast_metric`): the forecast mean of the metric crosses
  ``limit`` within the horizon (``above=False``: falls under it).

:func:`forecast_alerts` evaluates rules into :class:`~dtwin.twin.events.AlertRaised`
events (stamped with the forecast's time); :meth:`AlertAgent.on_forecast
<dtwin.twin.agents.alerts.AlertAgent.on_forecast>` publishes them on the twin's bus, so they
reach the event log, the factory state and the apps like every other alert.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dtwin.errors import ConfigError
from dtwin.twin import events as ev

SOURCE = "forecast_alerts"


@dataclass(frozen=True)
class OutputBelowTarget:
    """Fewer than ``target`` good parts forecast in the twin forecast's horizon."""

    target: float
    name: str = "output_below_target"

    def __post_init__(self) -> None:
        _check_number("target", self.target, low=0.0)

    def alerts(self, forecast: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
        tp = forecast["throughput"]
        mean, hi = tp.get("mean"), tp.get("hi")
        if mean is None or mean >= self.target:
            return []
        severity = "critical" if hi is not None and hi < self.target else "warning"
        msg = (
            f"output forecast for the next {forecast['hours']:g} h: {mean:.0f} good parts "
            f"(90% PI {tp['lo']:.0f}-{hi:.0f}) is below the target of {self.target:g}"
        )
        return [(severity, msg, None)]


@dataclass(frozen=True)
class DueDateAtRisk:
    """An open part's forecast exit (minutes of the log) is after its ``due`` time."""

    due: Mapping[str, float] = field(default_factory=dict)
    name: str = "due_date_at_risk"

    def __post_init__(self) -> None:
        for part, when in self.due.items():
            _check_number(f"due[{part!r}]", when, low=0.0)

    def alerts(self, forecast: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
        out = []
        for row in forecast["open_parts"]:
            due = self.due.get(str(row["part"]))
            if due is None:
                continue
            judged = _lateness(row, due)
            if judged is not None:
                severity, how = judged
                out.append((severity, f"part {row['part']} ({row['product']}): {how}", None))
        return out


def _lateness(row: Mapping[str, Any], due: float) -> tuple[str, str] | None:
    mean, lo, hi = row.get("exit_time_min"), row.get("exit_time_lo"), row.get("exit_time_hi")
    if mean is None:
        return "critical", f"never left good in the forecast; due at {due:g} min"
    shown = f"forecast exit {mean:.0f} min (90% PI {lo:.0f}-{hi:.0f}), due at {due:g} min"
    if lo > due:
        return "critical", f"late: {shown}"
    if mean > due or hi > due:
        return "warning", f"at risk: {shown}"
    return None


@dataclass(frozen=True)
class DriftOver:
    """A statistical forecast's mean crosses ``limit`` (``above``: rises over it)."""

    limit: float
    above: bool = True
    severity: str = "warning"
    name: str = "forecast_drift"

    def __post_init__(self) -> None:
        _check_number("limit", self.limit)
        if self.severity not in ev.SEVERITIES:
            raise ConfigError(f"severity: {self.severity!r}; valid: {', '.join(ev.SEVERITIES)}")

    def alerts(self, forecast: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
        for row in forecast["forecast"]:
            mean = row.get("mean")
            if mean is None:
                continue
            if (mean > self.limit) if self.above else (mean < self.limit):
                word = "over" if self.above else "under"
                where = forecast.get("machine") or "the plant"
                unit = forecast.get("unit") or ""
                msg = (
                    f"{where}: {forecast['metric']} forecast {mean:.4g} {unit} on {row['date']} "
                    f"(90% PI {_fmt(row.get('lo'))}-{_fmt(row.get('hi'))}) is {word} "
                    f"{self.limit:g}, {row['horizon']} day(s) ahead"
                ).replace("  ", " ")
                return [(self.severity, msg, forecast.get("machine"))]
        return []


ForecastRule = OutputBelowTarget | DueDateAtRisk | DriftOver


def forecast_alerts(
    forecast: Mapping[str, Any], rules: Iterable[ForecastRule], time: float | None = None
) -> list[ev.AlertRaised]:
    """The alerts ``rules`` raise on ``forecast``, stamped at ``time`` (default: the
    forecast's ``at``, or 0 for a statistical forecast, which has no twin time)."""
    when = float(time if time is not None else forecast.get("at", 0.0))
    out = []
    for rule in rules:
        for severity, message, machine in rule.alerts(forecast):
            out.append(
                ev.AlertRaised(
                    time=when,
                    source=SOURCE,
                    rule=rule.name,
                    severity=severity,
                    message=message,
                    machine=machine,
                )
            )
    return out


def _check_number(name: str, value: object, low: float | None = None) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (low is not None and value < low):  # type: ignore[operator]
        bound = "" if low is None else f" >= {low:g}"
        raise ConfigError(f"{name}: {value!r} is not a finite number{bound}")


def _fmt(value: object) -> str:
    return "—" if value is None else f"{value:.4g}"
