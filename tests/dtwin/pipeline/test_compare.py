import json
import math
from pathlib import Path

import pytest

from dtwin.errors import PipelineError
from dtwin.pipeline.compare import compare_metrics, compare_runs, load_reference, regressions
from dtwin.pipeline.spec import PipelineSpec

SPEC = PipelineSpec.model_validate(
    {
        "steps": [
            {"name": "sim", "notebook": "s.ipynb", "tolerances": {"oee": {"abs": 0.01}}},
            {
                "name": "vision",
                "notebook": "v.ipynb",
                "tolerances": {"acc": {"abs": 0.03, "better": "higher"}, "f1": {"exact": True}},
            },
        ]
    }
)


def _reference(tmp_path: Path, metrics: dict, **run) -> Path:
    folder = tmp_path / "ref"
    folder.mkdir(exist_ok=True)
    steps = {name: {"status": "ok"} for name in metrics}
    payload = {
        "run": {"profile": "smoke", "pipeline_sha256": "abc", "status": "ok", "steps": steps} | run,
        "metrics": metrics,
    }
    (folder / "metrics.json").write_text(json.dumps(payload))
    return folder


def test_metric_without_tolerance_is_informational():
    changes = compare_metrics(
        {"sim": {"oee": 0.8, "note": 2}}, {"sim": {"oee": 0.8, "note": 1}}, SPEC
    )
    assert regressions(changes) == []
    assert {c.metric: c.checked for c in changes} == {"oee": True, "note": False}


def test_vanished_metric_fails():
    changes = compare_metrics({"sim": {}}, {"sim": {"oee": 0.8}}, SPEC)
    assert [c.describe() for c in regressions(changes)] == [
        "sim.oee: missing from the new run; tolerance abs 0.01"
    ]


def test_regression_names_value_reference_delta_and_tolerance():
    changes = compare_metrics({"vision": {"acc": 0.2}}, {"vision": {"acc": 0.95}}, SPEC)
    (bad,) = regressions(changes)
    assert bad.describe() == (
        "vision.acc: value 0.2, reference 0.95, delta -0.75; tolerance abs 0.03, higher is better"
    )
    # a change in the good direction never fails
    assert (
        regressions(compare_metrics({"vision": {"acc": 1.0}}, {"vision": {"acc": 0.5}}, SPEC)) == []
    )


@pytest.mark.parametrize(
    "new,ref,ok",
    [
        (None, None, True),  # NaN is recorded as null: undefined in both runs
        (math.nan, math.nan, True),
        (math.nan, None, True),
        (None, 0.5, False),
        (0.5, None, False),
        (math.nan, 0.5, False),
    ],
    ids=["null-null", "nan-nan", "nan-null", "null-number", "number-null", "nan-number"],
)
def test_nan_equals_nan_and_nothing_else(new, ref, ok):
    for metric in ("acc", "f1"):  # a tolerance band and an exact one
        changes = compare_metrics({"vision": {metric: new}}, {"vision": {metric: ref}}, SPEC)
        assert (regressions(changes) == []) is ok, metric


def test_steps_missing_on_either_side_fail_and_are_named(tmp_path):
    ref = load_reference(_reference(tmp_path, {"sim": {"oee": 0.8}, "vision": {"acc": 0.9}}))
    new = {"sim": {"oee": 0.8}, "extra": {"x": 1}}
    result = compare_runs(new, ref, SPEC)
    assert not result.ok and result.regressions == []
    assert result.missing_in_new == ["vision"]
    assert result.missing_in_reference == ["extra"]
    text = "\n".join(result.report())
    assert "MISSING steps in the reference but not in this run: vision" in text
    assert "not in the reference (never compared): extra" in text


def test_a_metric_new_since_the_reference_is_named_not_failed(tmp_path):
    ref = load_reference(_reference(tmp_path, {"sim": {"oee": 0.8, "gone": None}}))
    result = compare_runs({"sim": {"oee": 0.8, "gone": None, "fresh": 1}}, ref, SPEC)
    assert result.ok and result.new_metrics == ["sim.fresh"]
    assert "not in the reference (not compared): sim.fresh" in result.report()


def test_only_compares_the_steps_it_ran(tmp_path):
    ref = load_reference(_reference(tmp_path, {"sim": {"oee": 0.8}, "vision": {"acc": 0.9}}))
    result = compare_runs({"sim": {"oee": 0.805}}, ref, SPEC, only=["sim"])
    assert result.ok
    assert result.skipped == ["vision"] and result.missing_in_new == []
    assert "skipped (not run now, --only): vision" in result.report()


# rows: id, the reference's run fields, words the error must hold
BAD_REFERENCE_RUNS = [
    ("other-profile", {"profile": "full"}, ["profile 'full'", "this run is 'smoke'"]),
    ("other-pipeline", {"pipeline_sha256": "def"}, ["another pipeline file", "make baseline"]),
    ("failed-run", {"status": "failed"}, ["did not finish cleanly", "status 'failed'"]),
    ("steps-not-run", {"not_run": ["vision"]}, ["not run: vision"]),
    ("failed-step", {"steps": {"sim": {"status": "failed"}}}, ["failed steps: sim"]),
    ("no-run-record", {"profile": None}, ["profile None"]),
]


@pytest.mark.parametrize(
    "run,needles", [r[1:] for r in BAD_REFERENCE_RUNS], ids=[r[0] for r in BAD_REFERENCE_RUNS]
)
def test_unfit_reference_is_refused(tmp_path, run, needles):
    folder = _reference(tmp_path, {"sim": {"oee": 0.8}}, **run)
    with pytest.raises(PipelineError) as err:
        load_reference(folder, profile="smoke", pipeline_sha256="abc")
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"--compare {folder}:")
    for needle in needles:
        assert needle in message, (needle, message)


def test_default_tolerance_applies_to_every_metric():
    spec = PipelineSpec.model_validate({**SPEC.model_dump(), "default_tolerance": {"rel": 0.1}})
    changes = compare_metrics(
        {"sim": {"oee": 0.8, "wip": 20}}, {"sim": {"oee": 0.8, "wip": 10}}, spec
    )
    assert [c.metric for c in regressions(changes)] == ["wip"]
