"""The static dispatching environment: gymnasium's contract, masks, rewards, determinism."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from dtwin.errors import ScheduleError
from dtwin.schedule import check, dispatch
from dtwin.schedule.rl.env import DispatchEnv
from dtwin.schedule.rl.features import FEATURES
from dtwin.schedule.rl.generators import published_instance, taillard
from dtwin.schedule.rl.vector import make_vec_env


def _rule_episode(env, key):
    """Run one episode choosing, among the eligible jobs, the smallest ``key(env, job)``."""
    total, term, info = 0.0, False, {}
    while not term:
        eligible = np.flatnonzero(env.action_masks())
        job = min(eligible, key=lambda j: (key(env, int(j)), int(j)))
        _, reward, term, trunc, info = env.step(job)
        assert not trunc
        total += reward
    return total, info


def _mwkr(env, j):
    return -env.state.work[j]


def test_gymnasium_checker_passes():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*render.*")
        check_env(DispatchEnv(sizes=((6, 6), (10, 10))), skip_render_check=True)


@pytest.mark.parametrize("name", ["ft06", "la01", "demo", "tiny"])
def test_mwkr_through_the_env_is_the_mwkr_rule(name, request):
    """Choosing MWKR among the eligible jobs rebuilds the active MWKR schedule exactly, also
    in a flexible shop with releases, setups and downtime."""
    inst = request.getfixturevalue(name)
    env = DispatchEnv(inst)
    env.reset(seed=0)
    total, info = _rule_episode(env, _mwkr)
    with pytest.raises(ScheduleError, match="over"):
        env.step(0)
    sched = env.schedule()
    check(inst, sched)
    assert sched.makespan == dispatch(inst, "MWKR", "active").makespan == info["makespan"]
    # the dense rewards add up to (first bound - makespan) / first bound
    assert total == pytest.approx((env.first_bound - info["makespan"]) / env.first_bound)


def test_observation_does_not_depend_on_padding():
    inst = taillard(6, 6, 11, 12)
    small, big = DispatchEnv(inst, max_jobs=6), DispatchEnv(inst, max_jobs=20)
    a, _ = small.reset(seed=0)
    b, _ = big.reset(seed=0)
    assert b.shape == (20, len(FEATURES))
    assert np.array_equal(a, b[:6]) and not b[6:].any()
    assert not big.action_masks()[6:].any()


def test_same_seed_same_episode():
    def run(seed):
        env = DispatchEnv()
        obs, _ = env.reset(seed=seed)
        seen = [obs]
        rng = np.random.default_rng(seed)
        term = False
        while not term:
            obs, _, term, _, _ = env.step(rng.choice(np.flatnonzero(env.action_masks())))
            seen.append(obs)
        return env.state.instance.name, np.stack(seen)

    name_a, a = run(5)
    name_b, b = run(5)
    assert name_a == name_b and np.array_equal(a, b)
    assert run(6)[0] != name_a


def test_invalid_action_dispatches_the_first_eligible_job():
    env = DispatchEnv(published_instance("ta01"))
    env.reset(seed=0)
    mask = env.action_masks()
    bad = int(np.flatnonzero(~mask)[0])
    first = int(np.flatnonzero(mask)[0])
    _, _, _, _, info = env.step(bad)
    assert info["invalid_action"] is True
    assert env.state.scheduled[-1].job == first
    _, _, _, _, info = env.step(int(np.flatnonzero(env.action_masks())[0]))
    assert info["invalid_action"] is False


def test_refuses_shops_larger_than_the_padding():
    with pytest.raises(ScheduleError, match="max_jobs=10"):
        DispatchEnv(taillard(15, 5, 1, 2), max_jobs=10)
    with pytest.raises(ScheduleError, match="reset"):
        DispatchEnv().step(0)


def test_reset_callbacks_run_after_each_reset():
    env = DispatchEnv(sizes=((6, 6),))
    seen = []
    env.reset_callbacks.append(lambda e: seen.append(e.state.instance.name))
    env.reset(seed=1)
    env.reset()
    assert len(seen) == 2


@pytest.mark.parametrize("gymnasium", [False, True], ids=["sb3", "gymnasium"])
def test_vectorised_envs_step_together(gymnasium):
    vec = make_vec_env(3, seed=0, sizes=((6, 6),), gymnasium=gymnasium)
    if gymnasium:
        obs, infos = vec.reset(seed=0)
        masks = infos["action_mask"]
    else:
        obs = vec.reset()
        masks = np.stack(vec.env_method("action_masks"))
    assert obs.shape == (3, 20, len(FEATURES)) and masks.shape == (3, 20)
    actions = np.array([int(np.flatnonzero(m)[0]) for m in masks])
    out = vec.step(actions)
    assert out[0].shape == (3, 20, len(FEATURES))
    vec.close()
