from dtwin.pipeline.compare import compare_metrics, regressions
from dtwin.pipeline.spec import PipelineSpec

SPEC = PipelineSpec.model_validate(
    {
        "steps": [
            {"name": "sim", "notebook": "s.ipynb", "tolerances": {"oee": {"abs": 0.01}}},
        ]
    }
)


def test_metric_without_tolerance_is_informational():
    changes = compare_metrics(
        {"sim": {"oee": 0.8, "note": 2}}, {"sim": {"oee": 0.8, "note": 1}}, SPEC
    )
    assert regressions(changes) == []
    assert {c.metric: c.checked for c in changes} == {"oee": True, "note": False}


def test_vanished_metric_fails():
    changes = compare_metrics({"sim": {}}, {"sim": {"oee": 0.8}}, SPEC)
    assert [c.describe() for c in regressions(changes)] == ["sim.oee: 0.8 -> None"]


def test_default_tolerance_applies_to_every_metric():
    spec = PipelineSpec.model_validate({**SPEC.model_dump(), "default_tolerance": {"rel": 0.1}})
    changes = compare_metrics(
        {"sim": {"oee": 0.8, "wip": 20}}, {"sim": {"oee": 0.8, "wip": 10}}, spec
    )
    assert [c.metric for c in regressions(changes)] == ["wip"]
