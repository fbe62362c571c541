"""ForecastAlertsPanel: each forecast alert's figures, and the empty state."""

from __future__ import annotations

import re

from dtwin.twin import DriftOver, DueDateAtRisk, OutputBelowTarget, forecast_alert_rows
from widgets import ForecastAlertsPanel


def twin_forecast() -> dict:
    return {
        "at": 1000.0,
        "hours": 24.0,
        "until_min": 2440.0,
        "throughput": {"mean": 100.0, "lo": 90.0, "hi": 110.0},
        "open_parts": [
            {"part": "A", "product": "p", "exit_time_min": 1200.0, "exit_time_lo": 1100.0,
             "exit_time_hi": 1300.0},
        ],
    }  # fmt: skip


def drift_forecast() -> dict:
    row = {"date": "2026-01-11", "horizon": 1, "mean": 12.0, "lo": 11.0, "hi": 13.0}
    return {"metric": "energy_kwh", "machine": "weld-1", "unit": "kWh", "forecast": [row]}


def rows():
    rules = [OutputBelowTarget(105.0), DueDateAtRisk({"A": 1050.0})]
    twin = forecast_alert_rows(twin_forecast(), rules)
    return twin + forecast_alert_rows(drift_forecast(), [DriftOver(10.0)])


def table_rows(value: str) -> list[str]:
    return re.findall(r"<tr class='dtwin-fa-row[^']*'>(.*?)</tr>", value)


def test_each_alert_shows_kind_subject_when_figure_and_threshold():
    panel = ForecastAlertsPanel()
    panel.update(rows(), 24.0, note="from the plant's log")
    lines = table_rows(panel.value)
    assert len(lines) == 3
    critical, *warnings = lines  # most severe first
    assert "due date at risk" in critical and "part A (p)" in critical
    assert "1,200 min (20.0 h)" in critical  # when: the forecast exit
    assert "1,200 (1,100–1,300) min of the log (exit)" in critical
    assert "due 1,050" in critical
    output = next(x for x in warnings if "output below target" in x)
    assert "plant output" in output and "100 (90–110) good parts in 24 h" in output
    assert "target 105" in output and "2,440 min" in output
    drift = next(x for x in warnings if "forecast drift" in x)
    assert "weld-1" in drift and "2026-01-11" in drift and "12 (11–13) energy_kwh kWh" in drift
    assert "limit (over) 10" in drift
    assert "1 critical, 2 warning" in panel.value and "from the plant&#x27;s log" in panel.value


def test_severity_classes_and_escaping():
    panel = ForecastAlertsPanel()
    panel.update(rows(), 24.0)
    assert panel.value.count("dtwin-severity-critical'") == 1
    assert panel.value.count("dtwin-severity-warning'") == 2
    bad = forecast_alert_rows({**drift_forecast(), "machine": "<b>m</b>"}, [DriftOver(10.0)])
    panel.update(bad, 24.0)
    assert "<b>m</b>" not in panel.value and "&lt;b&gt;m&lt;/b&gt;" in panel.value


def test_empty_state_names_the_horizon():
    panel = ForecastAlertsPanel()
    assert "no forecast yet" in panel.value
    panel.update([], 48.0)
    assert "no forecast alerts in the next 48 h" in panel.value
    assert table_rows(panel.value) == []


def test_shown_caps_the_rows():
    panel = ForecastAlertsPanel(shown=1)
    panel.update(rows(), 24.0)
    assert len(table_rows(panel.value)) == 1 and "and 2 more" in panel.value
