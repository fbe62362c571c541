"""Bad input for ``dtwin twin``: every refusal is one ``error:`` line, exit code 2, no traceback.

The CLI rows build what they need in ``tmp_path`` (a broken YAML, model folders, event logs);
the library rows are what a notebook or an app would call.
"""

from __future__ import annotations

import math

import duckdb
import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import ConfigError, DataError, DtwinError
from dtwin.paths import CLOSED_LOOP_FACTORY
from dtwin.twin import AgentSettings, EventLog, MachineIds, TwinLoop, open_model, replay, run_twin
from dtwin.twin.agents import InspectionAgent
from dtwin.twin.bus import EventBus
from tests.cli_checks import assert_one_error_line
from tests.dtwin.twin.conftest import FakeClassifier, write_tiny_onnx

FACTORY = str(CLOSED_LOOP_FACTORY)
SHORT = ["--days", "0.05", "--warmup-days", "0", "--replications", "1"]


# -- what the rows build in tmp_path --------------------------------------------------------


def _broken_yaml(tmp):
    path = tmp / "broken.yaml"
    path.write_text("name: x\nstations: [\n", encoding="utf-8")
    return str(path)


def _empty_folder(tmp):
    (tmp / "empty-model").mkdir()
    return str(tmp / "empty-model")


def _text_onnx(tmp):
    folder = tmp / "text-model"
    folder.mkdir()
    (folder / "model.onnx").write_text("not a network\n", encoding="utf-8")
    return str(folder)


def _model_without_good(tmp):
    return str(write_tiny_onnx(tmp / "no-good", ["crack", "fine", "hole"]))


def _existing_file(tmp):
    path = tmp / "events.duckdb"
    path.write_bytes(b"")
    return str(path)


def _log(tmp):
    """A real event log with replication 0 only."""
    path = tmp / "log.duckdb"
    con = duckdb.connect(str(path))
    EventLog(con, MachineIds((("a", ("a-1",)),))).close()
    con.close()
    return str(path)


def _other_duckdb(tmp):
    path = tmp / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE readings (x INTEGER)")
    return str(path)


def _text_file(tmp):
    path = tmp / "notes.duckdb"
    path.write_text("replication,time\n0,1.5\n", encoding="utf-8")
    return str(path)


# (CLI arguments after ``dtwin twin``; a callable gets tmp_path; words of the error line)
CLI_ROWS = [
    ("factory-missing", ["run", lambda t: str(t / "nope.yaml")], ["nope.yaml", "file not found"]),
    ("factory-broken-yaml", ["run", _broken_yaml], ["broken.yaml", "not valid YAML"]),
    ("loop-unknown", ["run", FACTORY, "--loop", "half"],
     ["'--loop'", "'half' is not one of 'open', 'closed', 'oracle'"]),
    ("days-zero", ["run", FACTORY, "--days", "0"], ["'--days'", "out of range", "0 < x"]),
    ("days-negative", ["run", FACTORY, "--days", "-1"], ["'--days'", "out of range"]),
    ("days-nan", ["run", FACTORY, "--days", "nan"], ["'--days'", "not a finite number"]),
    ("days-inf", ["run", FACTORY, "--days", "inf"], ["'--days'", "not a finite number"]),
    ("warmup-nan", ["run", FACTORY, "--warmup-days", "nan"],
     ["'--warmup-days'", "not a finite number"]),
    ("replications-zero", ["run", FACTORY, "--replications", "0"],
     ["'--replications'", "1<=x<=1000"]),
    ("seed-negative", ["run", FACTORY, "--seed", "-1"], ["'--seed'", "2147483647"]),
    ("set-no-equals", ["run", FACTORY, "--set", "stations.weld.machines"],
     ["expected PATH=VALUE"]),
    ("set-unknown-station", ["run", FACTORY, *SHORT, "--set", "stations.nope.machines=2"],
     [FACTORY, "no item named 'nope'", "choices: cut, weld"]),
    ("set-machines-zero", ["run", FACTORY, *SHORT, "--set", "stations.weld.machines=0"],
     [FACTORY, "stations.weld.machines"]),
    ("model-missing", ["run", FACTORY, *SHORT, "--model", lambda t: str(t / "no-model")],
     [FACTORY, "no-model does not exist"]),
    ("model-folder-without-onnx", ["run", FACTORY, *SHORT, "--model", _empty_folder],
     ["empty-model/model.onnx does not exist"]),
    ("model-onnx-is-text", ["run", FACTORY, *SHORT, "--model", _text_onnx],
     ["text-model/model.onnx", "not an ONNX model"]),
    ("model-without-good-class", ["run", FACTORY, *SHORT, "--model", _model_without_good],
     ["no-good", "['crack', 'fine', 'hole']", "no 'good' class"]),
    ("events-db-exists", ["run", FACTORY, *SHORT, "--loop", "open", "--events-db",
                          _existing_file], ["--events-db", "events.duckdb: the file exists"]),
    ("events-db-missing-folder", ["run", FACTORY, *SHORT, "--loop", "open", "--events-db",
                                  lambda t: str(t / "nowhere" / "e.duckdb")],
     ["--events-db", "nowhere does not exist"]),
    ("backend-unknown", ["run", FACTORY, "--backend", "gpu"],
     ["'--backend'", "'gpu' is not one of"]),
    ("workers-zero", ["run", FACTORY, "--workers", "0"], ["'--workers'", "1<=x<=256"]),
    ("replay-missing-file", ["replay", lambda t: str(t / "none.duckdb")],
     ["event log", "none.duckdb: no such file"]),
    ("replay-text-file", ["replay", _text_file], ["notes.duckdb", "not a DuckDB file"]),
    ("replay-empty-file", ["replay", _existing_file], ["events.duckdb", "not a DuckDB file"]),
    ("replay-non-log-duckdb", ["replay", _other_duckdb],
     ["other.duckdb", "not a twin event log"]),
    ("replay-replication-not-logged", ["replay", _log, "--replication", "5"],
     ["log.duckdb", "no replication 5; it has [0]"]),
    ("replay-replication-negative", ["replay", _log, "--replication", "-1"],
     ["'--replication'", "0<=x<=1000"]),
    ("replay-folder", ["replay", lambda t: str(t)], ["'EVENTS_DB'", "is a directory"]),
]  # fmt: skip


@pytest.mark.parametrize(("args", "words"), [r[1:] for r in CLI_ROWS], ids=[r[0] for r in CLI_ROWS])
def test_cli_refuses_with_one_error_line(tmp_path, args, words):
    args = [a(tmp_path) if callable(a) else a for a in args]
    result = CliRunner().invoke(main, ["twin", *args])
    assert_one_error_line(result, *words)


def test_refused_events_db_is_left_alone(tmp_path):
    path = _existing_file(tmp_path)
    result = CliRunner().invoke(main, ["twin", "run", FACTORY, *SHORT, "--events-db", path])
    assert_one_error_line(result, "the file exists")
    assert (tmp_path / "events.duckdb").read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.duckdb"]


# -- library calls (notebooks and apps) -----------------------------------------------------

# (call with tmp_path, error class, words of the message)
LIBRARY_ROWS = [
    ("closed-loop-without-model", lambda t: TwinLoop(FACTORY, "closed"), ConfigError,
     "the inspection station(s) inspect need a defect model"),
    ("run-closed-without-model", lambda t: run_twin(FACTORY, days=0.05, replications=1),
     ConfigError, "need a defect model"),
    ("loop-unknown", lambda t: TwinLoop(FACTORY, "half"), ConfigError,
     "loop: 'half' is not valid; choices: open, closed, oracle"),
    ("run-loop-unknown", lambda t: run_twin(FACTORY, loop="half"), ConfigError, "'half'"),
    ("run-days-nan", lambda t: run_twin(FACTORY, days=math.nan), ConfigError,
     "days: must be > 0"),
    ("run-replications-zero", lambda t: run_twin(FACTORY, replications=0), ConfigError,
     "replications: must be an integer in 1..1000"),
    ("run-backend-unknown", lambda t: run_twin(FACTORY, loop="open", days=0.05, replications=1,
                                               backend="gpu"), ConfigError, "backend: 'gpu'"),
    ("open-model-without-good", lambda t: open_model(_model_without_good(t)), ConfigError,
     "['crack', 'fine', 'hole'] have no 'good' class"),
    ("agent-model-without-good", lambda t: InspectionAgent(
        EventBus(), FakeClassifier(("ok", "crack")), None, prewarm=False), ConfigError,
     "['ok', 'crack'] have no 'good' class"),
    ("pool-per-class-zero", lambda t: TwinLoop(FACTORY, "closed", model=FakeClassifier(),
                                               settings=AgentSettings(pool_per_class=0)),
     ConfigError, "image pool: per_class must be in 1..1000, got 0"),
    ("replay-replication-not-logged", lambda t: replay(_log(t), 3), DataError,
     "no replication 3; it has [0]"),
    ("replay-non-log-duckdb", lambda t: replay(_other_duckdb(t)), DataError,
     "not a twin event log"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "words"), [r[1:] for r in LIBRARY_ROWS], ids=[r[0] for r in LIBRARY_ROWS]
)
def test_library_refuses(tmp_path, call, error, words):
    with pytest.raises(error) as caught:
        call(tmp_path)
    assert words in str(caught.value)


def test_library_replay_of_a_text_file_is_a_dtwin_error(tmp_path):
    with pytest.raises(DtwinError):
        replay(_text_file(tmp_path))
