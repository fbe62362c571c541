import numpy as np
import pandas as pd
import pytest

from widgets.colors import job_color
from widgets.gantt import GanttChart, rectangles


def test_bars_one_per_operation_coloured_by_job(schedule_frame):
    chart = GanttChart(schedule_frame)
    assert chart.bars.x.shape == (4, 5)
    assert list(chart.bars.fill_colors) == [job_color(j) for j in schedule_frame["job"]]
    assert chart.makespan == 7.0
    assert chart.x_scale.min == 0.0 and chart.x_scale.max >= 7.0
    assert chart.y_scale.max == pytest.approx(1.6)


def test_rectangles_span_start_to_end_at_machine_row(schedule_frame):
    x, y = rectangles(schedule_frame)
    assert x[3].min() == 3.0 and x[3].max() == 7.0
    assert y[3].mean() == pytest.approx(0.0, abs=0.1)  # op on machine 0
    assert y[1].min() > 0.5  # op on machine 1


def test_late_ops_outlined_and_due_dates_marked(schedule_frame):
    chart = GanttChart(schedule_frame)
    assert chart.late_outline.visible and chart.late_outline.x.shape == (2, 5)
    assert chart.due_lines.visible
    assert np.all(chart.due_lines.x == 6.0)
    assert "late jobs <b>1</b>" in chart.summary.value


def test_update_in_place_highlights_moved_ops(schedule_frame):
    chart = GanttChart(schedule_frame)
    bars, figure = chart.bars, chart.figure
    assert not chart.moved_outline.visible
    moved = schedule_frame.assign(moved=[False, True, False, False], end=schedule_frame["end"] + 1)
    chart.update(moved)
    assert chart.bars is bars and chart.figure is figure  # same marks, new data
    assert (
        chart.moved_outline.visible
        and np.asarray(chart.moved_outline.x).reshape(-1, 5).shape[0] == 1
    )
    assert chart.makespan == 8.0
    assert "moved ops <b>1</b>" in chart.summary.value


def test_hover_fills_tooltip(schedule_frame):
    chart = GanttChart(schedule_frame)
    chart._on_hover(chart.bars, {"data": {"index": 3}})
    assert "job 1 op 1 (late)" in chart.hover_info.value
    assert "3 → 7" in chart.hover_info.value


def test_zoom_reset_restores_full_range(schedule_frame):
    chart = GanttChart(schedule_frame)
    assert chart.zoom.scales == {"x": [chart.x_scale]}
    assert chart.figure.interaction is None  # tooltips by default
    chart.zoom_toggle.value = True
    assert chart.figure.interaction is chart.zoom
    chart.x_scale.min, chart.x_scale.max = 2.0, 3.0
    chart.reset_button.click()
    assert chart.x_scale.min == 0.0 and chart.x_scale.max >= 7.0


def test_empty_frame_hides_bars(schedule_frame):
    chart = GanttChart(schedule_frame)
    chart.update(schedule_frame.iloc[:0])
    assert not chart.bars.visible
    assert chart.summary.value == "no operations"


@pytest.mark.parametrize(
    "drop",
    [["machine"], ["start", "end"], ["due_date"]],
    ids=["no-machine", "no-times", "no-due-date"],
)
def test_missing_columns_named(schedule_frame, drop):
    with pytest.raises(ValueError, match=drop[0]):
        GanttChart(schedule_frame.drop(columns=drop))


def test_nan_due_dates_draw_no_marker(schedule_frame):
    chart = GanttChart(schedule_frame.assign(due_date=np.nan, late=False))
    assert not chart.due_lines.visible
    assert not chart.late_outline.visible
    assert isinstance(chart.frame, pd.DataFrame)


def test_downtime_windows_drawn(schedule_frame):
    chart = GanttChart(schedule_frame)
    assert not chart.downtime.visible
    chart.update(schedule_frame, downtimes=[(1, 4, 9)])
    assert chart.downtime.visible
    assert np.asarray(chart.downtime.x).min() == 4 and np.asarray(chart.downtime.x).max() == 9
