"""Loading a policy safely, building valid schedules with it, and the shipped policy."""

from __future__ import annotations

import json
import time

import pytest
import torch

from dtwin.errors import DataError, ScheduleError
from dtwin.schedule import check
from dtwin.schedule.rl.dispatcher import load_policy, shipped_policy_dir, solve_policy
from dtwin.schedule.rl.generators import published_instance, taillard


@pytest.mark.parametrize("name", ["ft06", "demo", "tiny"])
def test_policy_schedules_pass_the_checker(name, request, random_policy):
    inst = request.getfixturevalue(name)
    policy = load_policy(random_policy)
    for samples in (0, 3):
        sched = solve_policy(inst, policy, samples=samples, seed=1)
        check(inst, sched)
        assert sched.value == sched.makespan


def test_sampling_is_seeded_and_never_worse_than_greedy(random_policy):
    inst = taillard(10, 10, 5, 6)
    policy = load_policy(random_policy)
    greedy = solve_policy(inst, policy).makespan
    a = solve_policy(inst, policy, samples=8, seed=3)
    b = solve_policy(inst, policy, samples=8, seed=3)
    assert a.operations == b.operations
    assert a.makespan <= greedy
    with pytest.raises(ScheduleError, match="samples"):
        solve_policy(inst, policy, samples=-1)


def test_bad_policy_folders(random_policy, tmp_path):
    with pytest.raises(DataError, match="weights.pt"):
        load_policy(tmp_path / "nowhere")
    card = random_policy / "card.json"
    data = json.loads(card.read_text())
    card.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_policy(random_policy)
    card.write_text(json.dumps({**data, "hidden": 32}))
    with pytest.raises(DataError, match="do not fit"):
        load_policy(random_policy)
    card.write_text(json.dumps({**data, "features": ["x"]}))
    with pytest.raises(DataError, match="features"):
        load_policy(random_policy)
    card.write_text(json.dumps(data))
    (random_policy / "weights.pt").write_bytes(b"garbage")
    with pytest.raises(DataError, match="state_dict"):
        load_policy(random_policy)


def test_pickled_objects_are_refused(random_policy):
    torch.save({"net": torch.nn.Linear(2, 2)}, random_policy / "weights.pt")  # a module, pickled
    with pytest.raises(DataError, match="state_dict"):
        load_policy(random_policy)


def test_the_shipped_policy_loads_and_is_quick():
    policy = load_policy()
    card = policy.card
    assert policy.source == str(shipped_policy_dir())
    assert card["training"]["steps_done"] > 0 and card["versions"]["sb3_contrib"]
    assert "evaluation" in card and card["evaluation"]["mean_gap_pct"]
    assert sum(f.stat().st_size for f in shipped_policy_dir().iterdir()) < 2_000_000
    inst = published_instance("ta01")
    t0 = time.perf_counter()
    sched = solve_policy(inst, policy)
    assert time.perf_counter() - t0 < 2.0 * 4  # 2 s on an idle machine; room for a busy one
    check(inst, sched)
