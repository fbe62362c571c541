import numpy as np
import pytest

from widgets.kpi import (
    HealthChart,
    KPIPanel,
    MachineBarChart,
    OEEChart,
    TimeSeriesChart,
    format_kpi,
)


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("oee", 0.712, "71.2%"),
        ("wip", 3.25, "3.2"),
        ("custom_thing", 1234.5, "1.23e+03"),
        ("oee", float("nan"), "—"),
        ("oee", None, "—"),
        ("running share", 0.25, "25.0%"),
    ],
    ids=["percent", "decimal", "unknown-key", "nan", "none", "share-as-percent"],
)
def test_format_kpi(name, value, text):
    assert format_kpi(name, value)[1] == text


def test_panel_updates_cards_in_place():
    panel = KPIPanel({"oee": 0.5, "wip": 2.0, "label": "text is skipped"})
    assert list(panel.cards) == ["oee", "wip"]
    assert "50.0%" in panel.value and "text is skipped" not in panel.value
    panel.update({"oee": 0.75, "wip": 3.0})
    assert "75.0%" in panel.value and "50.0%" not in panel.value and panel.text("wip") == "3.0"
    panel.update({"throughput": 12.0})
    assert list(panel.cards) == ["oee", "wip", "throughput"] and "12.0" in panel.value


def test_panel_restricted_to_given_keys():
    panel = KPIPanel({"oee": 0.5, "wip": 2.0}, keys=["wip"])
    assert list(panel.cards) == ["wip"]


def test_time_series_lines_and_cursor():
    chart = TimeSeriesChart("WIP")
    chart.update(np.arange(4), {"a": [1, 2, 3, 4], "b": [0, 0, 1, 1]})
    assert chart.lines.y.shape == (2, 4) and list(chart.lines.labels) == ["a", "b"]
    chart.set_cursor(2.5)
    assert chart.cursor.visible and list(chart.cursor.x) == [2.5, 2.5]
    chart.set_cursor(None)
    assert not chart.cursor.visible


def test_health_chart_fixed_range():
    chart = HealthChart()
    assert (chart.y_scale.min, chart.y_scale.max) == (0.0, 1.0)


def test_oee_chart_computes_oee_from_factors():
    chart = OEEChart({"availability": 0.9, "performance": 0.8, "quality": 0.5})
    assert chart.bars.y[-1] == pytest.approx(0.36)
    chart.update({"availability": 1.0, "performance": 1.0, "quality": 1.0, "oee": 0.7})
    assert chart.bars.y[-1] == pytest.approx(0.7)


def test_machine_bar_chart_shows_values_in_order():
    import pandas as pd

    chart = MachineBarChart(title="by machine")
    chart.update(pd.Series({"M2": 3.0, "M1": 1.5}), title="mean units by machine")
    assert list(chart.bars.x) == ["M2", "M1"] and list(chart.bars.y) == [3.0, 1.5]
    assert chart.figure.title == "mean units by machine"
    chart.update({})
    assert len(chart.bars.x) == 0


def test_time_series_from_a_wide_frame():
    import pandas as pd

    chart = TimeSeriesChart("units", date_axis=True)
    wide = pd.DataFrame(
        {"A": [1.0, 2.0], "B": [3.0, 4.0]}, index=pd.to_datetime(["2026-01-01", "2026-01-02"])
    )
    chart.update_frame(wide)
    assert list(chart.lines.labels) == ["A", "B"] and chart.lines.y.shape == (2, 2)
