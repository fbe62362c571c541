"""The dynamic (SimPy) dispatching environment: contract, breakdowns, arrivals, callbacks."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from dtwin.errors import ScheduleError
from dtwin.schedule.rl.dynamic import DynamicDispatchEnv


def _episode(env, seed, options=None):
    obs, info = env.reset(seed=seed, options=options)
    total, term, steps = 0.0, False, 0
    while not term:
        obs, reward, term, _, info = env.step(int(np.flatnonzero(env.action_masks())[0]))
        total, steps = total + reward, steps + 1
    return total, steps, info


def test_gymnasium_checker_passes():
    check_env(DynamicDispatchEnv(jobs=4, machines=3, new_jobs=3), skip_render_check=True)


def test_every_job_finishes_and_the_run_is_seeded():
    env = DynamicDispatchEnv(jobs=5, machines=4, new_jobs=5, mtbf=300.0, repair=50.0)
    a = _episode(env, 7)
    b = _episode(env, 7)
    assert a[:2] == b[:2] and a[2]["makespan"] == b[2]["makespan"]
    assert len(env.finished) == 10 and a[2]["breakdowns"] > 0
    assert a[0] < 0 and a[2]["mean_flow_time"] > 0


def test_a_scripted_breakdown_delays_the_shop_and_is_announced():
    env = DynamicDispatchEnv(jobs=6, machines=4, new_jobs=0, mtbf=None)
    events = []
    env.event_callbacks.append(lambda kind, t, i: events.append((kind, round(t), i)))
    calm = _episode(env, 3)[2]["makespan"]
    events.clear()
    hit = _episode(env, 3, {"breakdowns": [(0, 10.0, 500.0)]})[2]
    assert ("breakdown", 10, 0) in events and ("repair", 510, 0) in events
    assert hit["breakdowns"] == 1 and hit["makespan"] > calm


def test_decisions_happen_when_a_machine_frees_up_with_a_choice():
    env = DynamicDispatchEnv(jobs=6, machines=3, new_jobs=2)
    env.reset(seed=0)
    m = env.deciding
    assert env.running[m] is None and not env.down[m] and len(env.queues[m]) >= 2
    assert set(np.flatnonzero(env.action_masks())) == set(env.queues[m])


def test_reset_callbacks_and_bad_arguments():
    env = DynamicDispatchEnv(jobs=3, machines=3, new_jobs=1)
    seen = []
    env.reset_callbacks.append(lambda e: seen.append(e.sim.now))
    env.reset(seed=0)
    assert seen == [env.sim.now]
    with pytest.raises(ScheduleError, match="max_jobs"):
        DynamicDispatchEnv(jobs=15, new_jobs=10, max_jobs=20)
    with pytest.raises(ScheduleError, match="reset"):
        DynamicDispatchEnv().step(0)
