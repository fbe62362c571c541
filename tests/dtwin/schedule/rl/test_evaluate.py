"""The policy-vs-rules-vs-CP-SAT sweep: gaps to a reference that never depends on the clock."""

from __future__ import annotations

from dtwin.schedule.rl.evaluate import EvalTask, compare_dispatchers, evaluate_task
from dtwin.schedule.rl.generators import taillard


def _small():
    return taillard(6, 5, 12345, 54321, name="gen-6x5")


def test_generated_instance_reference_is_reproducible_and_excludes_cpsat(random_policy):
    task = EvalTask(
        _small(), None, str(random_policy), cpsat_limits=(0.2,), workers=1, reference_iterations=300
    )
    first, second = evaluate_task(task), evaluate_task(task)
    assert first["reference"] == second["reference"]
    assert first["reference_kind"] == "best of tabu (300 steps)"
    non_cpsat = [v for k, v in first.items() if k.startswith("makespan_") and "cpsat" not in k]
    assert first["reference"] <= min(non_cpsat)
    for key in ("gap_policy", "gap_spt", "gap_best_rule"):
        assert first[key] == second[key] >= 0.0
    assert first["gap_best_rule"] == min(
        first[f"gap_{r}"] for r in ("spt", "lpt", "mwkr", "mor", "fifo")
    )


def test_best_known_reference_is_used_as_given(random_policy):
    inst = _small()
    rows = compare_dispatchers(
        [EvalTask(inst, 100, str(random_policy), cpsat_limits=(0.2,), workers=1)]
    )
    (row,) = rows
    assert row["reference"] == 100 and row["reference_kind"] == "best known"
    assert abs(row["gap_spt"] - (row["makespan_spt"] - 100)) < 1e-9  # percent of 100
