"""Bad input for ``dtwin schedule``: instance files, CLI options and solver arguments.

Every refusal is one ``error:`` line naming the file (and line) or the option, the value and
what is valid, exit code 2 and no traceback; nothing reaches CP-SAT that its 64-bit integers
cannot hold.
"""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import ScheduleError
from dtwin.schedule import Instance, Job, Operation, Option, load_instance, solve, solve_textbook

HUGE = "99999999999999999999"


def _run(*args):
    return CliRunner().invoke(main, ["schedule", *map(str, args)])


def _assert_one_error_line(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]


def _job_lines(jobs: int, machines: int, duration: int) -> str:
    line = " ".join(f"{m} {duration}" for m in range(machines))
    return f"{jobs} {machines}\n" + "\n".join([line] * jobs) + "\n"


# (file name, content, words of the error line besides the file name)
FILE_ROWS = [
    (
        "duration-20-digits",
        "bad.txt",
        f"2 2\n0 3 1 {HUGE}\n1 2 0 4\n",
        ["line 2: job 0 op 1", f"duration {HUGE} is out of range", "valid: 1..1000000000"],
    ),
    (
        "duration-just-too-long",
        "bad.txt",
        "1 1\n0 1000000001\n",
        ["line 2", "duration 1000000001", "1..1000000000"],
    ),
    (
        "duration-40-digits",
        "bad.txt",
        "1 1\n0 " + "9" * 40 + "\n",
        ["line 2", "(40 digits) is out of range", "1..1000000000"],
    ),
    ("duration-negative", "bad.txt", "1 2\n0 3 1 -4\n", ["line 2", "must be > 0, got -4"]),
    ("duration-zero", "bad.txt", "1 1\n0 0\n", ["line 2", "must be > 0, got 0"]),
    (
        "machine-out-of-range",
        "bad.txt",
        "1 2\n0 3 7 2\n",
        ["line 2: job 0 op 1: unknown machine 7", "valid: 0..1"],
    ),
    ("machine-negative", "bad.txt", "1 2\n-1 3 0 2\n", ["unknown machine -1", "valid: 0..1"]),
    ("truncated-file", "bad.txt", "3 2\n0 3 1 2\n1 2 0 4\n", ["announces 3 jobs but 2"]),
    ("truncated-line", "bad.txt", "2 2\n0 3 1 2\n1 2 0\n", ["line 3: job 1 needs 4 numbers"]),
    ("decimal-token", "bad.txt", "1 1\n0 3.5\n", ["line 2: '3.5' is not an integer"]),
    ("underscore-token", "bad.txt", "1 1\n0 1_000\n", ["line 2: '1_000' is not an integer"]),
    ("non-ascii-digits", "bad.txt", "1 1\n0 \u0661\u0662\n", ["line 2", "is not an integer"]),
    ("word-token", "bad.txt", "1 2\n0 3 1 x\n", ["line 2: 'x' is not an integer"]),
    ("empty-file", "bad.txt", "", ["empty file", "'jobs machines'"]),
    ("comments-only", "bad.txt", "# nothing here\n\n", ["empty file"]),
    ("bom-only", "bad.txt", "\ufeff", ["empty file"]),
    ("zero-jobs", "bad.txt", "0 2\n", ["jobs and machines must be >= 1"]),
    (
        "huge-job-count",
        "bad.txt",
        "100000000 10\n0 1 1 1 2 1 3 1 4 1 5 1 6 1 7 1 8 1 9 1\n",
        ["line 1: 100000000 jobs x 10 machines is too large", "1..10000 jobs"],
    ),
    ("huge-machine-count", "bad.txt", "2 5000\n", ["5000 machines", "1..1000 machines"]),
    (
        "horizon-beyond-int64-safe",
        "bad.txt",
        _job_lines(100, 11, 1_000_000_000),
        ["the horizon", "is 1100000000000, beyond 1000000000000"],
    ),
    (
        "taillard-truncated",
        "bad.txt",
        "2 2\nTimes\n3 4\n5 6\nMachines\n1 2\n",
        ["needs 2 lines of times"],
    ),
    (
        "json-duration-20-digits",
        "bad.json",
        f'{{"machines": 1, "jobs": [{{"operations": [{{"machine": 0, "duration": {HUGE}}}]}}]}}',
        ["jobs.0.operations.0.duration", "less than or equal to 1000000000", HUGE],
    ),
    (
        "json-duration-nan",
        "bad.json",
        '{"machines": 1, "jobs": [{"operations": [{"machine": 0, "duration": NaN}]}]}',
        ["jobs.0.operations.0.duration"],
    ),
    (
        "json-negative-duration",
        "bad.json",
        '{"machines": 1, "jobs": [{"operations": [{"machine": 0, "duration": -3}]}]}',
        ["jobs.0.operations.0.duration", "greater than 0"],
    ),
    (
        "json-weight-huge",
        "bad.json",
        '{"machines": 1, "jobs": [{"weight": 10000000000, "due": 3, '
        '"operations": [{"machine": 0, "duration": 3}]}]}',
        ["jobs.0.weight", "less than or equal to 1000000"],
    ),
    (
        "json-due-huge",
        "bad.json",
        f'{{"machines": 1, "jobs": [{{"due": {HUGE}, '
        '"operations": [{"machine": 0, "duration": 3}]}]}',
        ["jobs.0.due", "less than or equal to 1000000000000"],
    ),
    (
        "json-weights-times-horizon",
        "bad.json",
        json.dumps(
            {
                "machines": 1,
                "jobs": [
                    {"weight": 10**6, "due": 0, "operations": [{"machine": 0, "duration": 10**9}]}
                ]
                * 100,
            }
        ),
        ["weights of jobs with due dates", "exceed 1000000000000000000"],
    ),
    (
        "json-huge-job-count",
        "bad.json",
        json.dumps(
            {"machines": 1, "jobs": [{"operations": [{"machine": 0, "duration": 1}]}] * 10001}
        ),
        ["jobs: List should have at most 10000 items"],
    ),
    ("json-machines-huge", "bad.json", '{"machines": 100000000, "jobs": []}', ["machines"]),
    ("json-truncated", "bad.json", '{"machines": 1, "jobs": [', ["line 1: not valid JSON"]),
    ("json-empty", "bad.json", "", ["not valid JSON"]),
    ("latin1-bytes", "bad.txt", b"1 1\n0 3 \xe9\n", ["not UTF-8 text (byte 0xe9"]),
]


@pytest.mark.parametrize(
    ("name", "content", "words"), [r[1:] for r in FILE_ROWS], ids=[r[0] for r in FILE_ROWS]
)
def test_bad_instance_file_is_one_error_line(tmp_path, name, content, words):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    _assert_one_error_line(_run("solve", path, "--time-limit", 1), str(path), *words)


# files that look odd but are valid: each must be read and solved
GOOD_ROWS = [
    ("utf8-bom", "bom.txt", "\ufeff2 2\n0 3 1 2\n1 2 0 4\n"),
    ("utf8-bom-comment", "bom.txt", "\ufeff# made in Notepad\n2 2\n0 3 1 2\n1 2 0 4\n"),
    (
        "utf8-bom-json",
        "bom.json",
        '\ufeff{"machines": 2, "jobs": [{"operations": '
        '[{"machine": 0, "duration": 3}, {"machine": 1, "duration": 2}]}, {"operations": '
        '[{"machine": 1, "duration": 2}, {"machine": 0, "duration": 4}]}]}',
    ),
    ("crlf", "crlf.txt", "2 2\r\n0 3 1 2\r\n1 2 0 4\r\n"),
    ("tabs-and-plus", "tabs.txt", "2\t2\n0\t+3\t1\t2\n1 2   0 4\n"),
    ("largest-duration", "big.txt", "2 2\n0 1000000000 1 2\n1 2 0 4\n"),
]


@pytest.mark.parametrize(
    ("name", "content"), [r[1:] for r in GOOD_ROWS], ids=[r[0] for r in GOOD_ROWS]
)
def test_odd_but_valid_instance_file_is_read(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert load_instance(path).num_operations == 4
    result = _run("solve", path, "--time-limit", 1, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out["operations"]) == 4 and out["value"] >= 7


def test_schedule_file_with_bom_is_checked(tmp_path, data_dir):
    solved = _run("solve", data_dir / "ft06.txt", "--rule", "SPT", "--json")
    path = tmp_path / "s.json"
    path.write_text("\ufeff" + solved.stdout, encoding="utf-8")
    result = _run("check", data_dir / "ft06.txt", path)
    assert result.exit_code == 0 and "valid schedule of ft06" in result.output


# (CLI arguments after the instance, words of the error line)
OPTION_ROWS = [
    ("seed-11-digits", ["--seed", "99999999999"], ["'--seed'", "0<=x<=2147483647"]),
    ("seed-negative", ["--seed", "-1"], ["'--seed'", "0<=x<=2147483647"]),
    ("seed-word", ["--seed", "abc"], ["'--seed'", "not a valid integer"]),
    ("time-limit-nan", ["--time-limit", "nan"], ["'--time-limit'", "not a finite number"]),
    ("time-limit-inf", ["--time-limit", "inf"], ["'--time-limit'", "not a finite number"]),
    ("time-limit-zero", ["--time-limit", "0"], ["'--time-limit'", "0.01 <= x <= 86400"]),
    ("time-limit-negative", ["--time-limit", "-5"], ["'--time-limit'", "out of range"]),
    ("time-limit-a-year", ["--time-limit", "31536000"], ["'--time-limit'", "x <= 86400"]),
    ("workers-zero", ["--workers", "0"], ["'--workers'", "1<=x<=256"]),
    ("workers-huge", ["--workers", "1000000000000"], ["'--workers'", "1<=x<=256"]),
    ("objective-unknown", ["--objective", "speed"], ["'--objective'", "makespan"]),
    ("rule-unknown", ["--rule", "XYZ"], ["'--rule'", "'spt'"]),
]


@pytest.mark.parametrize(
    ("args", "words"), [r[1:] for r in OPTION_ROWS], ids=[r[0] for r in OPTION_ROWS]
)
def test_bad_option_is_one_error_line(data_dir, args, words):
    _assert_one_error_line(_run("solve", data_dir / "ft06.txt", *args), *words)


def test_missing_files_are_one_error_line(tmp_path, data_dir):
    _assert_one_error_line(_run("solve", tmp_path / "nope.txt"), "nope.txt", "file not found")
    result = _run("check", data_dir / "ft06.txt", tmp_path / "nope.json")
    _assert_one_error_line(result, "nope.json", "file not found")


def _one_op(duration: int) -> Instance:
    return Instance("one", 1, (Job((Operation((Option(0, duration),)),)),))


# library calls (notebooks and apps) refuse the same values before CP-SAT sees them
LIBRARY_ROWS = [
    ("seed-11-digits", lambda i: solve(i, seed=99_999_999_999), "seed in 0..2147483647"),
    ("seed-negative-textbook", lambda i: solve_textbook(i, seed=-1), "seed in 0..2147483647"),
    ("time-limit-nan", lambda i: solve(i, time_limit=math.nan), "time_limit > 0"),
    ("time-limit-inf", lambda i: solve(i, time_limit=math.inf), "<= 86400 s, got inf"),
    ("workers-huge", lambda i: solve(i, workers=10**12), "workers >= 1 and <= 256"),
    ("duration-huge", lambda i: _one_op(10**20), "duration 100000000000000000000 is out of"),
    (
        "too-many-jobs",
        lambda i: Instance("big", 1, (Job((Operation((Option(0, 1),)),)),) * 10_001),
        "10001 jobs is too many; valid: 1..10000",
    ),
]


@pytest.mark.parametrize(
    ("call", "words"), [r[1:] for r in LIBRARY_ROWS], ids=[r[0] for r in LIBRARY_ROWS]
)
def test_library_refuses_what_cp_sat_cannot_take(ft06, call, words):
    with pytest.raises(ScheduleError) as info:
        call(ft06)
    assert words in str(info.value)


def test_many_problems_are_summarised_on_one_line():
    ops = tuple(Operation((Option(5, -1),)) for _ in range(20))
    with pytest.raises(ScheduleError) as info:
        Instance("bad", 1, (Job(ops),))
    assert "(and 35 more)" in str(info.value)
    assert len(info.value.violations) == 40
