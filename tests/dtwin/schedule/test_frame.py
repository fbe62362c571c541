"""The tidy schedule table for Gantt charts."""

from __future__ import annotations

import math

from dtwin.schedule import dispatch, schedule_frame


def test_columns_and_types(ft06):
    frame = schedule_frame(ft06, dispatch(ft06, "MWKR"))
    assert list(frame.columns) == ["job", "op", "machine", "start", "end", "due_date", "late"]
    assert len(frame) == 36
    assert frame["due_date"].isna().all() and not frame["late"].any()
    assert (frame["end"] > frame["start"]).all()
    assert str(frame["late"].dtype) == "bool" and str(frame["start"].dtype) == "int64"


def test_late_flag_follows_job_completion(demo):
    sched = dispatch(demo, "SPT")
    frame = schedule_frame(demo, sched)
    ends = frame.groupby("job")["end"].max()
    for job, group in frame.groupby("job"):
        due = demo.jobs[job].due
        assert math.isclose(group["due_date"].iloc[0], due)
        assert (group["late"] == (ends[job] > due)).all()
    assert frame["late"].any()
