"""Forecast alerts as rows: the figure, interval, units and threshold of each alert."""

from __future__ import annotations

import pandas as pd
import pytest

from dtwin.errors import ConfigError
from dtwin.twin import (
    DriftOver,
    DueDateAtRisk,
    OutputBelowTarget,
    forecast_alert_rows,
    forecast_alerts,
    plant_forecast_rules,
)
from dtwin.twin import events as ev
from dtwin.twin.agents import AlertAgent
from dtwin.twin.bus import EventBus


def twin_forecast(mean: float = 100.0) -> dict:
    part = {"product": "p", "exit_time_lo": 1100.0, "exit_time_min": 1200.0}
    return {
        "at": 1000.0,
        "hours": 24.0,
        "until_min": 2440.0,
        "throughput": {"mean": mean, "lo": mean - 10, "hi": mean + 10},
        "open_parts": [
            {**part, "part": "A", "exit_time_hi": 1300.0, "released_min": 900.0},
            {**part, "part": "B", "exit_time_hi": 1250.0, "released_min": 950.0},
            {"part": "C", "product": "q", "exit_time_min": None, "exit_time_lo": None,
             "exit_time_hi": None, "released_min": 990.0},
        ],
    }  # fmt: skip


def stat_forecast(means: list[float]) -> dict:
    rows = [
        {"date": f"2026-01-{10 + h:02d}", "horizon": h, "mean": m, "lo": m - 1, "hi": m + 1}
        for h, m in enumerate(means, start=1)
    ]
    return {"metric": "energy_kwh", "machine": "weld-1", "unit": "kWh", "forecast": rows}


def test_output_row_carries_figure_interval_and_target():
    (row,) = forecast_alert_rows(twin_forecast(100.0), [OutputBelowTarget(105.0)])
    assert (row.kind, row.severity) == ("output_below_target", "warning")
    assert row.subject == "plant output"
    assert (row.mean, row.lo, row.hi) == (100.0, 90.0, 110.0)
    assert row.unit == "good parts in 24 h"
    assert (row.threshold_label, row.threshold) == ("target", 105.0)
    assert row.when_min == 2440.0 and row.when_date is None
    assert forecast_alert_rows(twin_forecast(100.0), [OutputBelowTarget(95.0)]) == []


def test_due_rows_one_per_part_at_risk_in_the_alerts_order():
    due = {"A": 1050.0, "B": 1220.0, "C": 5000.0}
    fc = twin_forecast()
    rows = forecast_alert_rows(fc, [DueDateAtRisk(due)])
    alerts = forecast_alerts(fc, [DueDateAtRisk(due)])
    assert [r.subject for r in rows] == ["part A (p)", "part B (p)", "part C (q)"]
    assert [r.severity for r in rows] == ["critical", "warning", "critical"]
    assert [r.message for r in rows] == [a.message for a in alerts]
    assert [r.threshold for r in rows] == [1050.0, 1220.0, 5000.0]
    assert (rows[0].mean, rows[0].lo, rows[0].hi) == (1200.0, 1100.0, 1300.0)
    assert rows[2].mean is None and rows[0].threshold_label == "due"


def test_drift_row_is_the_first_day_over_the_limit():
    (row,) = forecast_alert_rows(stat_forecast([5.0, 12.0, 15.0]), [DriftOver(10.0)])
    assert (row.subject, row.when_date, row.when_min) == ("weld-1", "2026-01-12", None)
    assert (row.mean, row.lo, row.hi, row.unit) == (12.0, 11.0, 13.0, "energy_kwh kWh")
    assert row.threshold == 10.0 and row.threshold_label == "limit (over)"
    (under,) = forecast_alert_rows(stat_forecast([5.0, 12.0]), [DriftOver(8.0, above=False)])
    assert under.when_date == "2026-01-11" and under.threshold_label == "limit (under)"


def test_rows_raise_through_the_alert_agent():
    bus = EventBus()
    seen: list[ev.AlertRaised] = []
    agent = AlertAgent(bus, [], notify=seen.append)
    rows = forecast_alert_rows(twin_forecast(50.0), [OutputBelowTarget(100.0)], agent=agent)
    assert [r.alert for r in rows] == agent.alerts
    assert rows[0].severity == "critical" and len(agent.alerts) == 1
    assert seen == agent.alerts  # the notifier got it off the bus


def test_unknown_rule_is_refused():
    with pytest.raises(ConfigError, match="not a forecast alert rule"):
        forecast_alert_rows(twin_forecast(), [object()])  # type: ignore[list-item]


def log_frame() -> pd.DataFrame:
    rows = [(0.0, "release", "1"), (100.0, "exit", "1"), (50.0, "release", "2"),
            (250.0, "exit", "2"), (900.0, "release", "A")]  # fmt: skip
    return pd.DataFrame(
        [{"time_min": t, "event": e, "part": p, "product": "p"} for t, e, p in rows]
    )


def test_plant_rules_from_the_history():
    output, due = plant_forecast_rules(log_frame(), twin_forecast(), due_factor=2.0)
    assert output.target == pytest.approx(2 / 1000.0 * 60.0 * 24.0)  # 2 exits in 1000 min
    assert due.due["A"] == pytest.approx(900.0 + 2.0 * 150.0)  # mean lead (100, 200) = 150
    with pytest.raises(ConfigError):
        plant_forecast_rules(log_frame(), twin_forecast(), target_share=0.0)


def test_log_forecast_alerts_on_a_simulated_plant_is_reproducible():
    from dtwin.paths import CLOSED_LOOP_FACTORY
    from dtwin.sim import load_factory, mes_log
    from dtwin.twin import log_forecast_alerts

    config = load_factory(CLOSED_LOOP_FACTORY)
    frame = mes_log(config, days=1.5, seed=3)
    fc, rows = log_forecast_alerts(config, frame, at=1440.0, hours=6.0, replications=3, seed=1)
    again = log_forecast_alerts(config, frame, at=1440.0, hours=6.0, replications=3, seed=1)
    assert again[1] == rows and fc["at"] == 1440.0 and fc["hours"] == 6.0
    alerts = forecast_alerts(fc, plant_forecast_rules(frame, fc))
    assert [r.alert for r in rows] == alerts
    bus = EventBus()
    agent = AlertAgent(bus, [])
    _, raised = log_forecast_alerts(config, frame, 1440.0, 6.0, 3, 1, agent=agent)
    assert [r.alert for r in raised] == agent.alerts == alerts
