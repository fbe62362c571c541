"""Executing a schedule on the twin (job-list release, planned order)."""

from __future__ import annotations

import pandas as pd
import pytest

from dtwin.errors import ConfigError
from dtwin.sim import factory_from_schedule, simulate

# three jobs on two machines; the plan leaves M1 idle from 2 to 3 and makes job 2 wait for
# job 1 on M0
PLAN = pd.DataFrame(
    {
        "job": [0, 0, 1, 1, 2],
        "op": [0, 1, 0, 1, 0],
        "machine": [0, 1, 1, 0, 0],
        "start": [0, 3, 0, 3, 5],
        "end": [3, 5, 2, 5, 6],
    }
)


def _starts(result):
    ev = result.events[result.events["event"] == "start"]
    return sorted(zip(ev["entity"], ev["station"], ev["time"], strict=True))


def test_sequence_replays_the_plan():
    res = simulate(factory_from_schedule(PLAN), days=0.1, seed=0)
    assert res.kpis["finished"] == 3
    assert res.kpis["last_exit_min"] == PLAN["end"].max()
    got = {(st, t) for _, st, t in _starts(res)}
    want = {(f"M{m}", float(s)) for m, s in zip(PLAN["machine"], PLAN["start"], strict=True)}
    assert got == want


def test_sequence_keeps_planned_order_under_noise():
    # job 2 is released at 5 but planned after job 1 on M0: M0 must wait for job 1
    res = simulate(factory_from_schedule(PLAN, cv=0.3), days=0.1, seed=1)
    ev = res.events[(res.events["event"] == "start") & (res.events["station"] == "M0")]
    assert ev["entity"].tolist() == [0, 1, 2]
    assert res.kpis["finished"] == 3


def test_priority_dispatch_may_deviate_but_finishes():
    res = simulate(factory_from_schedule(PLAN, dispatch="priority"), days=0.1, seed=0)
    assert res.kpis["finished"] == 3
    assert res.kpis["last_exit_min"] <= PLAN["end"].max()


@pytest.mark.parametrize(
    ("frame", "kwargs", "words"),
    [
        (PLAN.drop(columns="machine"), {}, "missing column(s) machine"),
        (PLAN, {"cv": -1}, "cv: must be >= 0"),
        (PLAN, {"dispatch": "random"}, "choices: sequence, priority"),
    ],
    ids=["no-machine-column", "negative-cv", "bad-dispatch"],
)
def test_bad_schedule_input(frame, kwargs, words):
    with pytest.raises(ConfigError) as err:
        factory_from_schedule(frame, **kwargs)
    assert words in str(err.value)


def test_sequence_station_rejects_open_arrivals(minimal_data):
    minimal_data["stations"][0]["dispatch"] = "sequence"
    from dtwin.sim import parse_factory

    with pytest.raises(ConfigError, match="stations.press.dispatch: 'sequence' needs"):
        parse_factory(minimal_data)
