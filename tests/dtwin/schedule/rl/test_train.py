"""Training with MaskablePPO: tiny runs, reproducible by seed, saved as a loadable policy."""

from __future__ import annotations

import csv

import pytest
import torch

from dtwin.errors import ScheduleError
from dtwin.schedule import check
from dtwin.schedule.rl.dispatcher import load_policy, solve_policy
from dtwin.schedule.rl.train import TrainConfig, train_policy

TINY = dict(
    steps=384,
    envs=2,
    n_steps=64,
    batch_size=64,
    epochs=2,
    sizes=((6, 6),),
    hidden=16,
    validation=2,
    validate_every=1,
)


def _weights(folder):
    return torch.load(folder / "weights.pt", weights_only=True)


def test_same_seed_same_policy(tmp_path, ft06):
    a = train_policy(TrainConfig(seed=4, **TINY), tmp_path / "a", progress=False)
    b = train_policy(TrainConfig(seed=4, **TINY), tmp_path / "b", progress=False)
    wa, wb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    assert a.curve == [{**r, "wall_s": a.curve[i]["wall_s"]} for i, r in enumerate(b.curve)]
    info = a.card["training"]
    assert info["steps_done"] >= 384 and not info["stopped_by_clock"]
    assert info["sizes"] == ["6x6"] and a.card["versions"]["torch"] == torch.__version__
    with (tmp_path / "a" / "curve.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(a.curve) >= 3
    check(ft06, solve_policy(ft06, load_policy(tmp_path / "a")))


def test_another_seed_another_policy(tmp_path):
    train_policy(TrainConfig(seed=4, **TINY), tmp_path / "a", progress=False)
    train_policy(TrainConfig(seed=5, **TINY), tmp_path / "b", progress=False)
    wa, wb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert not all(torch.equal(wa[k], wb[k]) for k in wa)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"minutes": 0},  # no time
        {"steps": 0},  # no steps
        {"envs": 0},  # no environments
        {"sizes": ((30, 10),)},  # more jobs than the padding
    ],
    ids=["minutes", "steps", "envs", "sizes"],
)
def test_bad_configs(kwargs):
    with pytest.raises(ScheduleError):
        TrainConfig(**kwargs)
