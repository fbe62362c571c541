"""The plant dashboard widgets, on a small hand-made PlantBoard (no warehouse, no browser)."""

from __future__ import annotations

import html
import math
import re
from datetime import date, timedelta

import pandas as pd
import pytest

from dtwin.warehouse import PLANT_QUALITY_CHECKS, PlantBoard
from widgets.colors import health_color
from widgets.kpi import MISSING
from widgets.plant import (
    DAY_SPEEDS,
    FLAG_COLOR,
    PLOTLY_MIME,
    DaySelector,
    FlowSankey,
    HealthMonitor,
    PlantDashboard,
    QualityPanel,
    StatusCards,
    gauge_svg,
    sankey_figure,
)

START = date(2026, 3, 1)


def _day(i: int) -> pd.Timestamp:
    return pd.Timestamp(START + timedelta(days=i))


def make_board(days: int = 3, machines: tuple[str, ...] = ("M-1", "M-2")) -> PlantBoard:
    """``days`` days of two machines; M-2 has no sensor readings on the last day."""
    daily = pd.DataFrame(
        [
            {
                "date": _day(i),
                "machine_id": m,
                "units": 1000.0 * (j + 1) + i,
                "oee": 0.75,
                "defect_rate": 0.0125,
                "avg_efficiency": 0.9,
                "energy_per_unit": 2.0,
            }
            for i in range(days)
            for j, m in enumerate(machines)
        ]
    )
    sensors = pd.DataFrame(
        [
            {
                "date": _day(i),
                "machine_id": m,
                "efficiency": 0.9 - 0.01 * i,
                "temperature_c": 40.0 + i,
                "pressure_bar": 1.5,
            }
            for i in range(days)
            for m in machines
            if not (m == "M-2" and i == days - 1 and days > 1)
        ]
    )
    flows = pd.DataFrame(
        [
            (_day(i), s, t, u)
            for i in range(days)
            for s, t, u in [
                ("raw material", "M-1", 1000.0),
                ("M-1", "bolt", 1000.0),
                ("bolt", "good units", 950.0),
                ("bolt", "defective units", 50.0),
            ]
        ],
        columns=["date", "source", "target", "units"],
    )
    quality = pd.DataFrame(
        [(_day(0), "nulls_found", "sensor_readings", 7), (_day(0), "late_rows", "qc_checks", 0)],
        columns=["date", "check", "rule", "rows"],
    )
    return PlantBoard(daily, sensors, flows, quality)


def status_frame(**overrides: object) -> pd.DataFrame:
    row = {
        "units": 1234.0,
        "oee": 0.75,
        "defect_rate": 0.0125,
        "efficiency": 0.93,
        "temperature_c": 40.0,
        "pressure_bar": 1.5,
        "flagged": False,
        "reason": "",
    }
    row.update(overrides)
    return pd.DataFrame([row], index=pd.Index(["M-1"], name="machine_id"))


# --- DaySelector -------------------------------------------------------------------------


def test_day_selector_without_days() -> None:
    seen: list[date] = []
    selector = DaySelector()
    selector.on_day(seen.append)
    selector.set_days([])
    assert selector.day is None and selector.label.value == "no days" and seen == []
    assert selector.slider.max == 0 and selector.play.max == 0


def test_day_selector_with_one_day() -> None:
    seen: list[date] = []
    selector = DaySelector()
    selector.on_day(seen.append)
    selector.set_days([START])
    assert selector.day == START and seen == [START]
    assert selector.slider.max == 0
    assert selector.label.value == "<b>2026-03-01</b> (day 1 of 1)"


def test_day_selector_follows_the_slider() -> None:
    days = [START + timedelta(days=i) for i in range(5)]
    seen: list[date] = []
    selector = DaySelector(days)
    selector.on_day(seen.append)
    selector.slider.value = 3
    assert selector.day == days[3] and seen == [days[3]]
    assert "(day 4 of 5)" in selector.label.value and selector.play.max == 4
    selector.set_days(days[:2])  # new days: back to the first one
    assert selector.day == days[0] and selector.slider.max == 1


@pytest.mark.parametrize("speed", list(DAY_SPEEDS))
def test_day_selector_speeds(speed: str) -> None:
    selector = DaySelector([START, START + timedelta(days=1)])
    selector.speed.value = speed
    if speed == "1×":  # the default: no change event, the defaults must already match
        assert (selector.play.interval, selector.play.step) == (1000, 1)
    else:
        assert (selector.play.interval, selector.play.step) == DAY_SPEEDS[speed]


# --- StatusCards -------------------------------------------------------------------------


def test_status_card_shows_the_day_values() -> None:
    cards = StatusCards()
    cards.update(status_frame())
    assert cards.value.count("dtwin-machine-card") == 1
    assert "units 1,234 · OEE 75.0%" in cards.value
    assert "efficiency 93.0% · defects 1.25%" in cards.value
    assert f"border-left:10px solid {health_color(0.93)}" in cards.value
    assert "no wear trend" in cards.value and FLAG_COLOR not in cards.value


def test_status_card_before_a_measurement_shows_dashes() -> None:
    nan = float("nan")
    cards = StatusCards()
    cards.update(
        status_frame(units=nan, oee=nan, defect_rate=nan, efficiency=nan, reason="no data")
    )
    assert f"units {MISSING} · OEE {MISSING}" in cards.value
    assert f"efficiency {MISSING} · defects {MISSING}" in cards.value
    assert f"border-left:10px solid {health_color(None)}" in cards.value
    assert "no data" in cards.value


def test_flagged_card_has_red_border_and_reason() -> None:
    cards = StatusCards()
    cards.update(status_frame(flagged=True, reason="efficiency -27% per 30 days"))
    assert f"border:3px solid {FLAG_COLOR}" in cards.value
    assert "⚠ degrading: efficiency -27% per 30 days" in cards.value


def test_status_cards_escape_machine_names() -> None:
    frame = status_frame()
    frame.index = pd.Index(["<M&1>"], name="machine_id")
    cards = StatusCards()
    cards.update(frame)
    assert "<b>&lt;M&amp;1&gt;</b>" in cards.value and "<M&1>" not in cards.value


def test_status_cards_without_machines() -> None:
    cards = StatusCards()
    cards.update(status_frame().iloc[:0])
    assert "dtwin-machine-card" not in cards.value and "left bar" in cards.value


# --- gauges and the health monitor -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lo", "hi", "end"),
    [
        (1.0, 0.0, 1.0, "90.0,50.0"),
        (0.5, 0.0, 1.0, "50.0,10.0"),
        (5.0, 0.0, 1.0, "90.0,50.0"),
        (0.0, 0.0, 1.0, None),
        (float("nan"), 0.0, 1.0, None),
        (3.0, 3.0, 3.0, None),
    ],
    ids=["full", "half", "clipped", "zero", "unknown", "no-range"],
)
def test_gauge_arc(value: float, lo: float, hi: float, end: str | None) -> None:
    svg = gauge_svg("Pressure", value, lo, hi, "text")
    arcs = re.findall(r"A40,40 0 0 1 ([\d.]+,[\d.]+)' stroke='#4e79a7'", svg)
    assert arcs == ([end] if end else [])
    assert ">Pressure</text>" in svg


def test_health_monitor_gauges_carry_units() -> None:
    board = make_board()
    monitor = HealthMonitor()
    monitor.set_data(board.sensors)
    monitor.show_day(START)
    gauges = monitor.gauges.value
    assert "Gauges for <b>2026-03-01</b>" in gauges
    assert gauges.count("dtwin-gauge") == 2 * 3
    assert "90.0%" in gauges and "40 °C" in gauges and "1.5 bar" in gauges


def test_health_monitor_shows_dash_without_unit_before_a_reading() -> None:
    board = make_board()
    monitor = HealthMonitor()
    monitor.set_data(board.sensors)
    monitor.show_day(START + timedelta(days=2))  # M-2 has no readings that day
    m2 = monitor.gauges.value.split("M-2</b>")[1]
    assert m2.count(f">{MISSING}</text>") == 3
    assert f"{MISSING} °C" not in m2 and f"{MISSING} bar" not in m2


def test_health_monitor_chart_follows_the_sensor() -> None:
    board = make_board()
    monitor = HealthMonitor()
    monitor.set_data(board.sensors)
    chart = monitor.chart
    assert chart.figure.title == "Efficiency (%), daily mean per machine"
    assert chart.figure.axes[1].label == "%"
    assert list(chart.lines.labels) == ["M-1", "M-2"]
    assert chart.series["M-1"].tolist() == pytest.approx([90.0, 89.0, 88.0])
    monitor.sensor.value = "temperature_c"
    assert chart.figure.title == "Temperature (°C), daily mean per machine"
    assert chart.figure.axes[1].label == "°C"
    assert chart.series["M-1"].tolist() == pytest.approx([40.0, 41.0, 42.0])
    assert math.isnan(chart.series["M-2"][-1])


def test_health_monitor_cursor_on_the_day() -> None:
    monitor = HealthMonitor()
    monitor.set_data(make_board().sensors)
    monitor.show_day(START + timedelta(days=1))
    assert monitor.chart.cursor.visible
    assert monitor.chart.cursor.x[0] == pd.Timestamp("2026-03-02").to_datetime64()


def test_health_monitor_without_data() -> None:
    monitor = HealthMonitor()
    monitor.show_day(START)
    assert monitor.gauges.value == "<i>no day chosen</i>"


# --- material flow and data quality ------------------------------------------------------


def test_sankey_figure_links_named_nodes() -> None:
    links = make_board().flows.iloc[:4][["source", "target", "units"]]
    figure = sankey_figure(links, "flow")
    sankey = figure["data"][0]
    nodes = sankey["node"]["label"]
    assert nodes == ["raw material", "M-1", "bolt", "good units", "defective units"]
    pairs = [
        (nodes[s], nodes[t])
        for s, t in zip(sankey["link"]["source"], sankey["link"]["target"], strict=True)
    ]
    assert pairs == list(zip(links["source"], links["target"], strict=True))
    assert sankey["link"]["value"] == [1000.0, 1000.0, 950.0, 50.0]
    assert sankey["valuesuffix"] == " units" and figure["layout"]["title"]["text"] == "flow"


def test_flow_summary_counts_made_and_defective(capsys: pytest.CaptureFixture[str]) -> None:
    links = make_board().flows.iloc[:4][["source", "target", "units"]]
    flow = FlowSankey()
    flow.show(links, START)
    assert flow.summary.value == "1,000 units made on 2026-03-01, 50 defective (5.00%)"
    assert flow.figure["data"][0]["type"] == "sankey"
    # without a kernel the Output widget captures nothing: the bundle goes to stdout
    assert PLOTLY_MIME in capsys.readouterr().out


def test_flow_without_production() -> None:
    flow = FlowSankey()
    flow.show(pd.DataFrame(columns=["source", "target", "units"]), START)
    assert flow.figure == {} and flow.summary.value == "<i>no production on 2026-03-01</i>"


def test_quality_panel_totals_and_none_per_clean_check() -> None:
    findings = pd.DataFrame(
        [("nulls_found", "sensor_readings", 1200), ("rejected", "qc: range", 3)],
        columns=["check", "rule", "rows"],
    )
    panel = QualityPanel()
    panel.show(findings, START)
    rows = re.findall(
        r"<tr><td>(.*?)</td>.*?<b>(.*?)</b></td><td[^>]*>(.*?)</td></tr>", panel.value
    )
    assert [r[0] for r in rows] == [html.escape(m) for m in PLANT_QUALITY_CHECKS.values()]
    by_meaning = {r[0]: (r[1], r[2]) for r in rows}
    assert by_meaning["sensor values missing (filled)"] == ("1,200", "sensor_readings 1,200")
    assert by_meaning["implausible rows (rejected)"] == ("3", "qc: range 3")
    assert by_meaning["rows delivered late"] == ("0", "none")
    assert "files delivered on 2026-03-01" in panel.value


# --- the dashboard -----------------------------------------------------------------------


def test_dashboard_starts_on_the_first_day_and_follows_the_selector() -> None:
    board = make_board()
    dash = PlantDashboard(board)
    assert dash.selector.day == START
    assert "units 1,000" in dash.cards.value and "units 2,000" in dash.cards.value
    assert "sensor_readings 7" in dash.quality.value
    dash.selector.slider.value = 2
    assert (
        "units 1,002" in dash.cards.value
        and "Gauges for <b>2026-03-03</b>" in dash.health.gauges.value
    )
    assert "1,000 units made on 2026-03-03" in dash.flow.summary.value
    assert "sensor_readings" not in dash.quality.value  # nothing found that day


def test_dashboard_over_one_day() -> None:
    dash = PlantDashboard(make_board(days=1))
    assert "(day 1 of 1)" in dash.selector.label.value
    assert dash.cards.value.count("dtwin-machine-card") == 2
    assert "too few days" in dash.cards.value
    assert dash.health.chart.lines.visible


def test_dashboard_without_machines() -> None:
    full = make_board()
    board = PlantBoard(*(f.iloc[:0] for f in (full.daily, full.sensors, full.flows, full.quality)))
    dash = PlantDashboard(board)
    assert dash.selector.day is None and dash.selector.label.value == "no days"
    assert "dtwin-machine-card" not in dash.cards.value
    assert dash.health.gauges.value == "<i>no day chosen</i>"
    assert "no data" in dash.health.chart.note.value
