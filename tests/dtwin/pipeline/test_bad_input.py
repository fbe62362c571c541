"""Bad input to ``dtwin run``: one ``error:`` line naming the culprit, exit 2, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import ConfigError
from dtwin.pipeline.scheduler import check_scheduler_address


def _run(args: list[str]):
    return CliRunner().invoke(main, ["run", *args])


def _assert_one_error_line(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _make_compare_dir(tmp_path: Path, content: bytes) -> Path:
    folder = tmp_path / "ref"
    folder.mkdir()
    (folder / "metrics.json").write_bytes(content)
    return folder


# rows: id, bytes of the reference metrics.json, words the error line must hold
BAD_REFERENCES = [
    ("not-utf8", b'{"metrics": {"a": {"v": "\xff\xfe"}}}', ["not UTF-8"]),
    ("latin1-dash", b'{"metrics": {"a": {"v": "\x96"}}}', ["not UTF-8"]),
    ("truncated-json", b'{"metrics": {"a": ', ["not valid JSON"]),
    ("empty-file", b"", ["not valid JSON"]),
    ("list-not-mapping", b"[1, 2]", ["'metrics' missing"]),
    ("metrics-not-mapping", b'{"metrics": [1]}', ["'metrics' missing"]),
    ("step-not-mapping", b'{"metrics": {"a": 3}}', ["metrics.a is not a mapping"]),
]


@pytest.mark.parametrize(
    "content,needles", [r[1:] for r in BAD_REFERENCES], ids=[r[0] for r in BAD_REFERENCES]
)
def test_bad_compare_file_is_refused_before_the_run(tiny_pipeline, tmp_path, content, needles):
    ref = _make_compare_dir(tmp_path, content)
    out = tmp_path / "run"
    result = _run(["--pipeline", str(tiny_pipeline), "--out", str(out), "--compare", str(ref)])
    _assert_one_error_line(result, str(ref / "metrics.json"), *needles)
    assert not out.exists(), "nothing may run before the reference is checked"


def test_compare_folder_without_metrics(tiny_pipeline, tmp_path):
    result = _run(["--pipeline", str(tiny_pipeline), "--compare", str(tmp_path)])
    _assert_one_error_line(result, "no metrics.json here")


BAD_SCHEDULERS = [
    ("words", "not a url"),
    ("empty", ""),
    ("no-port", "tcp://127.0.0.1"),
    ("port-too-big", "tcp://127.0.0.1:99999"),
    ("port-not-number", "127.0.0.1:http"),
    ("http-scheme", "http://127.0.0.1:8786"),
    ("with-path", "tcp://127.0.0.1:8786/x"),
    ("only-port", ":8786"),
]


@pytest.mark.parametrize(
    "address", [r[1] for r in BAD_SCHEDULERS], ids=[r[0] for r in BAD_SCHEDULERS]
)
def test_bad_scheduler_address_is_refused_before_the_run(tiny_pipeline, tmp_path, address):
    out = tmp_path / "run"
    result = _run(["--pipeline", str(tiny_pipeline), "--out", str(out), "--scheduler", address])
    _assert_one_error_line(result, "--scheduler", repr(address))
    assert not out.exists()


@pytest.mark.parametrize(
    "address", ["tcp://127.0.0.1:8786", "127.0.0.1:8786", "tls://sched.example:8786", "[::1]:1"]
)
def test_good_scheduler_addresses_pass(address):
    assert check_scheduler_address(address) == address


def test_unreachable_scheduler_is_one_line(tiny_pipeline, tmp_path):
    # port 9 (discard) on loopback: nothing listens, the connection is refused at once
    result = _run(
        [
            "--pipeline",
            str(tiny_pipeline),
            "--out",
            str(tmp_path / "r"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ]
    )
    _assert_one_error_line(result, "--scheduler", "cannot reach it")


def test_workers_and_scheduler_together_are_refused(tiny_pipeline, tmp_path):
    with pytest.raises(ConfigError, match="not both"):
        from dtwin.pipeline.runner import run_pipeline

        run_pipeline(tiny_pipeline, out_dir=tmp_path / "r", workers=2, scheduler="127.0.0.1:1")


BAD_OUT = [
    ("proc", "/proc/dtwin-x", "cannot write the run folder"),
    ("a-file", "FILE", "is a file"),
    ("non-run-folder", "FOREIGN", "not a run folder"),
]


@pytest.mark.parametrize("out,needle", [r[1:] for r in BAD_OUT], ids=[r[0] for r in BAD_OUT])
def test_bad_out_folder(tiny_pipeline, tmp_path, out, needle):
    if out == "FILE":
        out = tmp_path / "a.txt"
        out.write_text("keep me")
    elif out == "FOREIGN":
        out = tmp_path / "mine"
        out.mkdir()
        (out / "thesis.docx").write_text("keep me")
    result = _run(["--pipeline", str(tiny_pipeline), "--out", str(out)])
    _assert_one_error_line(result, "--out", needle)
    if isinstance(out, Path):
        assert "keep me" in (out if out.is_file() else out / "thesis.docx").read_text()


def test_rerun_one_step_keeps_every_earlier_record(tiny_pipeline, tmp_path):
    out = tmp_path / "run"
    first = _run(["--pipeline", str(tiny_pipeline), "--profile", "smoke", "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = json.loads((out / "metrics.json").read_text())
    again = _run(
        ["--pipeline", str(tiny_pipeline), "--profile", "smoke", "--out", str(out), "--only", "b"]
    )
    assert again.exit_code == 0, again.output
    after = json.loads((out / "metrics.json").read_text())
    assert set(after["metrics"]) == {"a", "b", "c"}
    assert after["metrics"]["a"] == before["metrics"]["a"]
    assert after["metrics"]["c"] == before["metrics"]["c"]
    assert after["run"]["status"] == "ok"
    assert after["run"]["started"] == before["run"]["started"]
    assert [r["steps"] for r in after["run"]["runs"]] == [["a", "b", "c"], ["b"]]


def test_rerun_with_another_profile_is_refused(tiny_pipeline, tmp_path):
    out = tmp_path / "run"
    assert (
        _run(["--pipeline", str(tiny_pipeline), "--profile", "smoke", "--out", str(out)]).exit_code
        == 0
    )
    before = (out / "metrics.json").read_text()
    result = _run(
        ["--pipeline", str(tiny_pipeline), "--profile", "full", "--out", str(out), "--only", "b"]
    )
    _assert_one_error_line(result, "profile 'smoke'", "not 'full'")
    assert (out / "metrics.json").read_text() == before


def test_rerun_with_a_changed_pipeline_file_is_refused(tiny_pipeline, tmp_path):
    out = tmp_path / "run"
    assert (
        _run(["--pipeline", str(tiny_pipeline), "--profile", "smoke", "--out", str(out)]).exit_code
        == 0
    )
    tiny_pipeline.write_text(tiny_pipeline.read_text() + "# changed\n")
    result = _run(["--pipeline", str(tiny_pipeline), "--profile", "smoke", "--out", str(out)])
    _assert_one_error_line(result, "different pipeline file")


def test_rerun_into_a_damaged_run_folder_is_refused(tiny_pipeline, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.json").write_bytes(b"\xff not json")
    result = _run(["--pipeline", str(tiny_pipeline), "--profile", "smoke", "--out", str(out)])
    _assert_one_error_line(result, "not UTF-8")
    assert (out / "metrics.json").read_bytes() == b"\xff not json"


BAD_OPTIONS = [
    ("workers-zero", ["--workers", "0"], "--workers"),
    ("workers-nan", ["--workers", "nan"], "--workers"),
    ("profile-unknown", ["--profile", "huge"], "--profile"),
    ("unknown-option", ["--fast"], "--fast"),
    ("pipeline-missing", ["--pipeline", "/nonexistent/pipeline.yaml"], "pipeline.yaml"),
]


@pytest.mark.parametrize(
    "args,needle", [r[1:] for r in BAD_OPTIONS], ids=[r[0] for r in BAD_OPTIONS]
)
def test_bad_options_are_one_error_line(tiny_pipeline, args, needle):
    if args[0] != "--pipeline":
        args = ["--pipeline", str(tiny_pipeline), *args]
    _assert_one_error_line(_run(args), needle)
