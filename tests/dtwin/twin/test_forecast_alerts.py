"""Alerts on forecasts: output below target, a due date at risk, a drifting metric."""

from __future__ import annotations

import pytest

from dtwin.errors import ConfigError
from dtwin.twin import events as ev
from dtwin.twin.agents import (
    AlertAgent,
    DriftOver,
    DueDateAtRisk,
    OutputBelowTarget,
    forecast_alerts,
)
from dtwin.twin.bus import EventBus


def twin_forecast(mean: float = 100.0, lo: float = 90.0, hi: float = 110.0) -> dict:
    """A twin forecast dict of the shape forecast_from_log returns (the fields rules read)."""
    part = {"product": "p", "exit_time_lo": 1100.0, "exit_time_min": 1200.0}
    return {
        "at": 1000.0,
        "hours": 24.0,
        "throughput": {"mean": mean, "lo": lo, "hi": hi},
        "open_parts": [
            {**part, "part": "A", "exit_time_hi": 1300.0},
            {**part, "part": "B", "exit_time_hi": 1250.0},
            {"part": "C", "product": "q", "exit_time_min": None, "exit_time_lo": None,
             "exit_time_hi": None},
        ],
    }  # fmt: skip


def stat_forecast(means: list[float]) -> dict:
    rows = [
        {"date": f"2026-01-{10 + h:02d}", "horizon": h, "mean": m, "lo": m - 1, "hi": m + 1}
        for h, m in enumerate(means, start=1)
    ]
    return {"metric": "energy_kwh", "machine": "weld-1", "unit": "kWh", "forecast": rows}


@pytest.mark.parametrize(
    ("target", "severity"),
    [(95.0, None), (105.0, "warning"), (111.0, "critical")],
)
def test_output_below_target_grades_by_the_interval(target, severity):
    alerts = forecast_alerts(twin_forecast(), [OutputBelowTarget(target)])
    if severity is None:
        assert alerts == []
    else:
        assert [a.severity for a in alerts] == [severity]
        assert alerts[0].time == 1000.0
        assert f"target of {target:g}" in alerts[0].message
        assert "90% PI 90-110" in alerts[0].message


def test_due_date_at_risk_per_part():
    due = {"A": 1050.0, "B": 1240.0, "C": 5000.0, "unknown": 1.0}
    alerts = forecast_alerts(twin_forecast(), [DueDateAtRisk(due)])
    by_part = {a.message.split()[1]: a.severity for a in alerts}
    # A: even the 5% quantile (1100) is after 1050 -> late; B: the 95% quantile (1250) is
    # after 1240 -> at risk; C never left good in any replication
    assert by_part == {"A": "critical", "B": "warning", "C": "critical"}
    assert all(a.rule == "due_date_at_risk" for a in alerts)


def test_a_part_due_after_its_interval_raises_nothing():
    assert forecast_alerts(twin_forecast(), [DueDateAtRisk({"A": 1301.0, "B": 1251.0})]) == []


def test_drift_over_names_the_first_day_and_the_machine():
    fc = stat_forecast([10.0, 11.5, 13.0])
    alerts = forecast_alerts(fc, [DriftOver(12.0)], time=60.0)
    assert len(alerts) == 1
    assert alerts[0].machine == "weld-1"
    assert "2026-01-13" in alerts[0].message and "3 day(s) ahead" in alerts[0].message
    assert forecast_alerts(fc, [DriftOver(14.0)]) == []
    under = forecast_alerts(fc, [DriftOver(10.5, above=False)])
    assert len(under) == 1 and "2026-01-11" in under[0].message and "under" in under[0].message


@pytest.mark.parametrize(
    "make",
    [
        lambda: OutputBelowTarget(float("nan")),
        lambda: OutputBelowTarget(-1),
        lambda: DueDateAtRisk({"A": float("inf")}),
        lambda: DriftOver(1.0, severity="loud"),
    ],
)
def test_bad_rules_are_refused(make):
    with pytest.raises(ConfigError):
        make()


def test_the_agent_publishes_forecast_alerts_on_the_bus():
    bus = EventBus()
    seen: list[ev.AlertRaised] = []
    agent = AlertAgent(bus, [], notify=seen.append)
    raised = agent.on_forecast(twin_forecast(), [OutputBelowTarget(120.0)])
    assert len(raised) == 1 and raised[0].severity == "critical"
    assert agent.alerts == raised
    assert seen == raised


# -- dtwin twin forecast --target-output / --due ----------------------------------------------


@pytest.fixture(scope="module")
def small_log(tmp_path_factory):
    """Two days of the invented plant's log and the plant's YAML."""
    import yaml

    from dtwin.sim import mes_log, write_mes_log
    from tests.dtwin.twin.conftest import INVENTED_PLANT

    folder = tmp_path_factory.mktemp("alerts")
    log, plant = folder / "log.csv", folder / "plant.yaml"
    write_mes_log(mes_log(INVENTED_PLANT, days=2.0, seed=3), log)
    plant.write_text(yaml.safe_dump(INVENTED_PLANT), encoding="utf-8")
    return log, plant


def _forecast(small_log, *extra):
    import json

    from click.testing import CliRunner

    from dtwin.cli import main

    log, plant = small_log
    args = ["twin", "forecast", str(plant), "--log", str(log), "--at", "1440", "--hours", "4"]
    result = CliRunner().invoke(main, [*args, "--replications", "3", *extra])
    return result, (json.loads(result.output) if result.exit_code == 0 and "--json" in extra
                    else None)  # fmt: skip


def test_the_forecast_command_raises_alerts(small_log, tmp_path):
    result, plain = _forecast(small_log, "--json")
    assert result.exit_code == 0, result.output
    assert plain["alerts"] == []
    parts = [p["part"] for p in plain["open_parts"]]
    due = tmp_path / "due.csv"
    due.write_text("part,due_min\n" + "".join(f"{p},1440\n" for p in parts), encoding="utf-8")
    result, report = _forecast(small_log, "--json", "--target-output", "1e6", "--due", str(due))
    assert result.exit_code == 0, result.output
    rules = [a["rule"] for a in report["alerts"]]
    assert rules.count("output_below_target") == 1
    # every open part was due at the forecast's start: all of them are late or at risk
    assert rules.count("due_date_at_risk") == len(parts) > 0
    text, _ = _forecast(small_log, "--target-output", "1e6")
    assert "alert (critical): output forecast" in text.output


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("part,when\nA,3\n", "missing column(s) due_min"),
        ("part,due_min\nA,soon\n", "row 2: due_min 'soon'"),
        ("part,due_min\nA,-5\n", "row 2: due_min"),
    ],
)
def test_a_bad_due_file_is_one_error_line(small_log, tmp_path, content, needle):
    from tests.cli_checks import assert_one_error_line

    due = tmp_path / "due.csv"
    due.write_text(content, encoding="utf-8")
    result, _ = _forecast(small_log, "--due", str(due))
    assert_one_error_line(result, needle)
