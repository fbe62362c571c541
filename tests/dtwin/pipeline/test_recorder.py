import json
from pathlib import Path

import numpy as np
import pytest

from dtwin.errors import PipelineError
from dtwin.pipeline import artifacts_dir, record
from dtwin.pipeline.recorder import ARTIFACTS_ENV, METRICS_ENV


def test_record_writes_plain_values_to_the_metrics_file(tmp_path: Path, monkeypatch):
    target = tmp_path / "m" / "step.json"
    monkeypatch.setenv(METRICS_ENV, str(target))
    assert record("accuracy", np.float32(0.5)) == np.float32(0.5)
    record("count", np.int64(7))
    record("ok", True)
    record("bad", float("nan"))
    assert json.loads(target.read_text()) == {"accuracy": 0.5, "count": 7, "ok": True, "bad": None}


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("", 1, "non-empty string"),
        ("frame", [1, 2], "must be a number, bool or string"),
        ("essay", "x" * 501, "under 500"),
    ],
    ids=["empty-name", "list-value", "long-string"],
)
def test_record_rejects_what_cannot_be_compared(name, value, match, monkeypatch):
    monkeypatch.delenv(METRICS_ENV, raising=False)
    with pytest.raises(PipelineError, match=match):
        record(name, value)


def test_artifacts_dir_follows_the_environment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(ARTIFACTS_ENV, str(tmp_path / "arts"))
    assert artifacts_dir() == tmp_path / "arts"
    assert (tmp_path / "arts").is_dir()
    monkeypatch.delenv(ARTIFACTS_ENV)
    monkeypatch.chdir(tmp_path)
    assert artifacts_dir() == tmp_path / "artifacts"
