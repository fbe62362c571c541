"""How plans and reschedules are described: solver status, gap, and the breakdown's verdict."""

from __future__ import annotations

import re

import pytest

from dtwin.schedule.rescheduling import RescheduleResult
from dtwin.schedule.solution import Schedule, ScheduledOp
from widgets.plans import comparison_html, gap_text, reschedule_verdict


def plan(makespan: int, value: float, lower_bound: float | None, status: str) -> Schedule:
    return Schedule(
        [ScheduledOp(0, 0, 0, 0, makespan)], value=value, lower_bound=lower_bound, status=status
    )


def result(
    original: Schedule,
    *,
    objective: float,
    repair_objective: float,
    delayed: int,
    moved: int,
    repaired: bool = True,
) -> RescheduleResult:
    new = plan(int(objective), objective, objective, "OPTIMAL")
    shifted = plan(int(repair_objective), repair_objective, None, "FEASIBLE") if repaired else None
    return RescheduleResult(
        schedule=new,
        instance=None,  # type: ignore[arg-type]  # not read by the texts
        moved=moved,
        objective=objective,
        frozen=0,
        repair_objective=repair_objective,
        repaired=shifted,
        repair_delayed=delayed,
    )


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (plan(55, 55, 55, "OPTIMAL"), "OPTIMAL, gap 0.0% to the lower bound 55"),
        (plan(80, 80, 70, "FEASIBLE"), "FEASIBLE, gap 12.5% to the lower bound 70"),
        (plan(80, 80, 70.5, "FEASIBLE"), "FEASIBLE, gap 11.9% to the lower bound 70.5"),
        (plan(80, 80, None, "FEASIBLE"), "FEASIBLE, no lower bound"),
    ],
    ids=["optimal", "gap", "fractional-bound", "no-bound"],
)
def test_gap_text(schedule: Schedule, text: str) -> None:
    assert gap_text(schedule) == text


def test_breakdown_that_hits_nothing_costs_zero() -> None:
    original = plan(55, 55, 55, "OPTIMAL")
    text = reschedule_verdict(
        original, result(original, objective=55, repair_objective=55, delayed=0, moved=0), 5
    )
    assert text == (
        "<b>The breakdown hits no operation of the plan</b>: keep the plan as it is (it costs 0)."
    )


def test_breakdown_that_hits_nothing_but_reschedule_moves_operations() -> None:
    original = plan(55, 55, 55, "OPTIMAL")
    text = reschedule_verdict(
        original, result(original, objective=55, repair_objective=55, delayed=0, moved=3), 5
    )
    assert "moves 3 operations all the same" in text and "extra" not in text


def test_gain_from_more_search_is_not_credited_to_the_breakdown() -> None:
    original = plan(60, 60, 50, "FEASIBLE")
    text = reschedule_verdict(
        original, result(original, objective=57, repair_objective=60, delayed=0, moved=4), 2.5
    )
    assert "hits no operation" in text
    assert "searched another 2.5 s" in text
    assert "(the original was FEASIBLE, gap 16.7% to the lower bound 50)" in text
    assert "not the breakdown's doing" in text


def test_breakdown_cost_and_recovery() -> None:
    original = plan(55, 55, 55, "OPTIMAL")
    text = reschedule_verdict(
        original, result(original, objective=58, repair_objective=62, delayed=6, moved=9), 5
    )
    assert "delays <b>6</b> operations and costs <b>+7</b>" in text
    assert "recovers <b>4</b> of it and moves 9 operations" in text
    assert "not the breakdown's doing" not in text  # 58 is worse than the original 55


def test_breakdown_whose_reschedule_beats_the_original() -> None:
    original = plan(60, 60, 50, "FEASIBLE")
    text = reschedule_verdict(
        original, result(original, objective=58, repair_objective=66, delayed=2, moved=5), 5
    )
    assert "costs <b>+6</b>" in text and "recovers <b>8</b>" in text
    assert "not the breakdown's doing" in text


def _rows(page: str) -> list[list[str]]:
    return [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr><td>.*?</tr>", page)]


def test_comparison_table_values() -> None:
    original = plan(55, 55, 55, "OPTIMAL")
    page = comparison_html(
        original,
        result(original, objective=58, repair_objective=62, delayed=6, moved=9),
        "makespan",
        0,
        5,
    )
    assert "<th>objective (makespan)</th>" in page
    assert _rows(page) == [
        ["original", "55", "55", "", "OPTIMAL, gap 0.0% to the lower bound 55"],
        [
            "right-shift repair",
            "62",
            "62",
            "6 delayed",
            "no solver: the old sequences pushed later",
        ],
        ["rescheduled (stability 0)", "58", "58", "9", "OPTIMAL, gap 0.0% to the lower bound 58"],
    ]
    assert page.startswith("<div class='dtwin-verdict'>")


def test_comparison_with_stability_term_shows_no_gap() -> None:
    original = plan(55, 55, 55, "OPTIMAL")
    page = comparison_html(
        original,
        result(original, objective=58, repair_objective=62, delayed=6, moved=9),
        "weighted tardiness",
        3,
        5,
    )
    last = _rows(page)[-1]
    assert last[0] == "rescheduled (stability 3)"
    assert last[-1] == "OPTIMAL; no gap: its objective includes the stability term"
    assert "<th>objective (weighted tardiness)</th>" in page


def test_comparison_escapes_the_objective_name() -> None:
    original = plan(55, 55, 55, "OPTIMAL")
    page = comparison_html(
        original,
        result(original, objective=55, repair_objective=55, delayed=0, moved=0),
        "<b>x</b>",
        0,
        5,
    )
    assert "objective (&lt;b&gt;x&lt;/b&gt;)" in page


def test_comparison_without_a_repaired_plan_shows_a_dash() -> None:
    original = plan(55, 55, 55, "OPTIMAL")
    page = comparison_html(
        original,
        result(original, objective=55, repair_objective=55, delayed=0, moved=0, repaired=False),
        "makespan",
        0,
        5,
    )
    repair = _rows(page)[1]
    assert repair[1] == "—" and "nan" not in page
