"""Forecast alerts as rows for apps: which forecast crossed which threshold, with its figures.

:func:`~dtwin.twin.agents.forecast_alerts.forecast_alerts` turns a forecast into
:class:`~dtwin.twin.events.AlertRaised` events whose figures live in a sentence; a panel needs
them apart. :func:`forecast_alert_rows` gives one :class:`ForecastAlertRow` per alert (in the
same order, each carrying its event): the kind (the rule), the subject (the plant's output, a
part, a machine), when the crossing is forecast, the forecast figure with its 90% interval and
units, and the threshold it crossed. The rules' own tests decide what crosses (each rule is
asked about one figure at a time), so rows and alerts cannot disagree. Given the twin's
:class:`~dtwin.twin.agents.alerts.AlertAgent`, the alerts are raised through it too.

:func:`plant_forecast_rules` are the thresholds the control room uses for a twin's forecast
from a plant's log: output below the rate of the history, parts later than ``due_factor`` times
the mean lead time after release (as notebook 07).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dtwin.errors import ConfigError
from dtwin.twin import events as ev
from dtwin.twin.agents.forecast_alerts import (
    DriftOver,
    DueDateAtRisk,
    ForecastRule,
    OutputBelowTarget,
    forecast_alerts,
)
from dtwin.twin.sync import lead_times

LOG_MINUTES = "min of the log"


@dataclass(frozen=True)
class ForecastAlertRow:
    """One forecast alert: ``mean`` / ``lo`` / ``hi`` (90% interval) in ``unit``; ``when_min``
    (minutes of the log) or ``when_date`` says when the crossing is forecast."""

    kind: str
    severity: str
    subject: str
    mean: float | None
    lo: float | None
    hi: float | None
    unit: str
    threshold: float
    threshold_label: str
    when_min: float | None
    when_date: str | None
    message: str
    alert: ev.AlertRaised


def _output(forecast: Mapping[str, Any], rule: OutputBelowTarget) -> list[dict[str, Any]]:
    if not rule.alerts(forecast):
        return []
    tp = forecast["throughput"]
    return [
        {
            "subject": "plant output",
            "mean": tp.get("mean"),
            "lo": tp.get("lo"),
            "hi": tp.get("hi"),
            "unit": f"good parts in {forecast['hours']:g} h",
            "threshold": rule.target,
            "threshold_label": "target",
            "when_min": forecast.get("until_min"),
        }
    ]


def _due(forecast: Mapping[str, Any], rule: DueDateAtRisk) -> list[dict[str, Any]]:
    out = []
    for row in forecast["open_parts"]:
        if not rule.alerts({**forecast, "open_parts": [row]}):
            continue
        out.append(
            {
                "subject": f"part {row['part']} ({row['product']})",
                "mean": row.get("exit_time_min"),
                "lo": row.get("exit_time_lo"),
                "hi": row.get("exit_time_hi"),
                "unit": LOG_MINUTES + " (exit)",
                "threshold": float(rule.due[str(row["part"])]),
                "threshold_label": "due",
                "when_min": row.get("exit_time_min"),
            }
        )
    return out


def _drift(forecast: Mapping[str, Any], rule: DriftOver) -> list[dict[str, Any]]:
    for row in forecast["forecast"]:
        if rule.alerts({**forecast, "forecast": [row]}):
            return [
                {
                    "subject": forecast.get("machine") or "the plant",
                    "mean": row.get("mean"),
                    "lo": row.get("lo"),
                    "hi": row.get("hi"),
                    "unit": f"{forecast['metric']} {forecast.get('unit') or ''}".strip(),
                    "threshold": rule.limit,
                    "threshold_label": "limit (over)" if rule.above else "limit (under)",
                    "when_min": None,
                    "when_date": str(row["date"]),
                }
            ]
    return []


def _details(forecast: Mapping[str, Any], rule: ForecastRule) -> list[dict[str, Any]]:
    if isinstance(rule, OutputBelowTarget):
        return _output(forecast, rule)
    if isinstance(rule, DueDateAtRisk):
        return _due(forecast, rule)
    if isinstance(rule, DriftOver):
        return _drift(forecast, rule)
    raise ConfigError(f"forecast rule: {type(rule).__name__} is not a forecast alert rule")


def forecast_alert_rows(
    forecast: Mapping[str, Any],
    rules: Iterable[ForecastRule],
    time: float | None = None,
    agent: Any = None,
) -> list[ForecastAlertRow]:
    """One row per alert ``rules`` raise on ``forecast`` (see the module's docstring);
    ``agent`` (an AlertAgent): raise them through it as well, onto the twin's bus."""
    rules = list(rules)
    details = [d for rule in rules for d in _details(forecast, rule)]
    if agent is not None:
        alerts = agent.on_forecast(dict(forecast), rules, time)
    else:
        alerts = forecast_alerts(forecast, rules, time)
    if len(alerts) != len(details):  # a rule and its figures disagree: a bug, not bad input
        raise RuntimeError(f"{len(alerts)} forecast alerts but {len(details)} rows")
    return [
        ForecastAlertRow(
            kind=a.rule,
            severity=a.severity,
            message=a.message,
            alert=a,
            when_date=d.pop("when_date", None),
            **d,
        )
        for a, d in zip(alerts, details, strict=True)
    ]


def plant_forecast_rules(
    frame: pd.DataFrame,
    forecast: Mapping[str, Any],
    target_share: float = 1.0,
    due_factor: float = 1.5,
) -> list[ForecastRule]:
    """Thresholds for a twin ``forecast`` from the log ``frame``: output below
    ``target_share`` times the good parts per hour before ``at`` over the horizon, and each
    open part due ``due_factor`` times the mean lead time after its release."""
    if not (target_share > 0 and due_factor > 0):
        raise ConfigError(f"target_share {target_share!r} and due_factor {due_factor!r}: > 0")
    at, hours = float(forecast["at"]), float(forecast["hours"])
    if at <= 0:
        raise ConfigError(f"forecast at {at:g} min: no history before it to set targets")
    exits = int(((frame["event"] == "exit") & (frame["time_min"] <= at)).sum())
    rules: list[ForecastRule] = [OutputBelowTarget(target_share * exits / at * 60.0 * hours)]
    leads = lead_times(frame, at)["lead_time"]
    if len(leads):
        mean_lead = float(leads.mean())
        due = {
            str(p["part"]): float(p["released_min"]) + due_factor * mean_lead
            for p in forecast["open_parts"]
        }
        rules.append(DueDateAtRisk(due))
    return rules


def log_forecast_alerts(
    config: Any,
    frame: pd.DataFrame,
    at: float,
    hours: float,
    replications: int = 10,
    seed: int = 0,
    agent: Any = None,
) -> tuple[dict[str, Any], list[ForecastAlertRow]]:
    """The twin's forecast from the log ``frame`` at ``at`` for ``hours``, and the rows of the
    alerts :func:`plant_forecast_rules` raise on it (through ``agent`` when given)."""
    from dtwin.twin.forecast import forecast_from_log

    forecast = forecast_from_log(config, frame, at, hours, replications, seed)
    rows = forecast_alert_rows(forecast, plant_forecast_rules(frame, forecast), agent=agent)
    return forecast, rows
