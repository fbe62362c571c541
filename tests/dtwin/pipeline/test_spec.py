from pathlib import Path

import pytest

from dtwin.errors import ConfigError
from dtwin.pipeline.spec import Tolerance, load_spec


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("steps: []\n", "steps"),
        ("steps:\n  - {name: a, notebook: a.ipynb, parameters: {fast: {}}}\n", "unknown profile"),
        (
            "steps:\n  - {name: a, notebook: a.ipynb}\n  - {name: a, notebook: a.ipynb}\n",
            "duplicate step names: a",
        ),
        ("steps:\n  - {name: a, notebook: a.ipynb, needs: [z]}\n", "needs 'z'"),
        ("steps:\n  - {name: a, notebook: missing.ipynb}\n", "missing.ipynb' not found"),
        (
            "steps:\n  - {name: a, notebook: a.ipynb, tolerances: {m: {rel: -1}}}\n",
            "tolerances.m.rel",
        ),
        ("steps:\n  - {name: 'a b', notebook: a.ipynb}\n", "steps.0.name"),
    ],
    ids=[
        "no-steps",
        "unknown-profile",
        "duplicate",
        "unknown-need",
        "missing-notebook",
        "negative-tolerance",
        "bad-name",
    ],
)
def test_bad_pipeline_files_are_named(tmp_path: Path, text: str, match: str):
    (tmp_path / "a.ipynb").write_text("{}")
    path = tmp_path / "pipeline.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match) as info:
        load_spec(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("tolerance", "new", "ref", "ok"),
    [
        ({"rel": 0.05}, 104.0, 100.0, True),
        ({"rel": 0.05}, 94.0, 100.0, False),
        ({"abs": 1}, 2.0, 1.0, True),
        ({"abs": 1}, 2.5, 1.0, False),
        ({"rel": 0.01, "better": "higher"}, 150.0, 100.0, True),
        ({"rel": 0.01, "better": "higher"}, 98.0, 100.0, False),
        ({"rel": 0.01, "better": "lower"}, 98.0, 100.0, True),
        ({"exact": True}, 3, 3, True),
        ({"exact": True}, 3.0000001, 3, False),
        ({}, 3.0000001, 3, False),
        ({"rel": 0.5}, "1.2", "1.3", False),
    ],
    ids=[
        "rel-in",
        "rel-out",
        "abs-in",
        "abs-out",
        "higher-better-up",
        "higher-better-down",
        "lower-better-down",
        "exact-same",
        "exact-differs",
        "zero-tolerance",
        "strings",
    ],
)
def test_tolerance(tolerance, new, ref, ok):
    assert Tolerance(**tolerance).allows(new, ref) is ok
