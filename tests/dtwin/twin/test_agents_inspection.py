from __future__ import annotations

import json

import pytest

from dtwin.errors import ConfigError
from dtwin.twin import EventBus, PartInspected
from dtwin.twin.agents import InspectionAgent, check_model, error_rates, flagged
from dtwin.twin.camera import Camera, Photo
from tests.dtwin.twin.conftest import FakeClassifier, write_tiny_onnx


def _truthful(pool) -> FakeClassifier:
    """A classifier that tells good from defect images exactly (by the pool's labels)."""
    truth = {pool.images[i].tobytes(): pool.labels[i] for i in range(len(pool))}
    return FakeClassifier(
        ("crack", "good"), lambda image: "good" if truth[image.tobytes()] == "good" else "crack"
    )


def _agent(pool, model=None, **kwargs):
    bus, seen = EventBus(), []
    bus.subscribe(seen.append, PartInspected)
    agent = InspectionAgent(bus, model or _truthful(pool), pool, **kwargs)
    return agent, seen


def test_model_without_good_class_is_a_config_error_naming_the_classes(small_pool):
    model = FakeClassifier(("crack", "fine", "hole"))
    with pytest.raises(ConfigError, match=r"models/x: .*\['crack', 'fine', 'hole'\].*'good'"):
        check_model(model, "models/x")
    with pytest.raises(ConfigError, match=r"\['crack', 'fine', 'hole'\]"):
        InspectionAgent(EventBus(), model, small_pool)


def test_object_without_classes_is_refused():
    with pytest.raises(ConfigError, match=r"classes \[\] have no 'good'"):
        check_model(object())


def test_check_model_returns_the_classes():
    assert check_model(FakeClassifier(("good", "scratch"))) == ["good", "scratch"]


def test_prewarm_classifies_the_pool_once_in_batches(small_pool):
    model = _truthful(small_pool)
    agent, _ = _agent(small_pool, model, batch=8)
    assert model.batches == [8, 8, 4]  # 20 images in batches of at most 8
    assert agent.model_images == len(small_pool) == 20
    assert agent.classified == 0


def test_verdicts_are_cached_per_pool_image(small_pool):
    model = _truthful(small_pool)
    agent, seen = _agent(small_pool, model, batch=3, prewarm=False)
    assert agent.model_images == 0 and model.batches == []
    verdicts = agent.classify([0, 1, 0, 1, 2])
    assert model.batches == [3]  # three new images, one batch; repeats are not re-run
    assert verdicts[0] == verdicts[2] and verdicts[1] == verdicts[3]
    photo = Photo(small_pool.defects[-1], truly_defective=True)
    for part in range(5):
        agent.inspect(float(part), part, "inspect-1", photo)
    assert agent.classified == 5
    assert agent.model_images == 4  # images 0, 1, 2 and the photo's
    assert model.batches == [3, 1]
    assert len(seen) == 5 and len({(e.model_class, e.probability) for e in seen}) == 1


def test_new_images_are_batched_in_order(small_pool):
    model = _truthful(small_pool)
    agent, _ = _agent(small_pool, model, batch=4, prewarm=False)
    agent.classify(range(10))
    assert model.batches == [4, 4, 2]
    agent.classify(range(12))
    assert model.batches == [4, 4, 2, 2]


def test_inspect_publishes_the_verdict_with_the_image_ref(small_pool):
    agent, seen = _agent(small_pool)
    camera = Camera(small_pool, seed=2)
    photos = [camera.photograph(i % 2 == 0) for i in range(20)]
    for part, photo in enumerate(photos):
        returned = agent.inspect(10.0 + part, part, "inspect-1", photo)
        assert returned is seen[-1]
    assert [e.image for e in seen] == [p.ref for p in photos]
    assert [flagged(e) for e in seen] == [p.truly_defective for p in photos]
    assert all(e.machine == "inspect-1" and e.source == "inspection_agent" for e in seen)
    assert all(e.probability == pytest.approx(0.9) for e in seen)


def test_probability_is_the_top_class_share(small_pool):
    model = FakeClassifier(("good", "crack", "hole"), lambda image: "hole")
    agent, _ = _agent(small_pool, model, prewarm=False)
    assert agent.classify([0]) == [("hole", pytest.approx(0.9))]


def test_flagged_means_any_class_but_good():
    def verdict(label):
        return PartInspected(
            time=0, source="t", part=1, machine="m", image="pool:0", model_class=label,
            probability=0.5,
        )  # fmt: skip

    assert not flagged(verdict("good"))
    assert flagged(verdict("crack")) and flagged(verdict("stain"))


def _card(classes, matrix):
    metrics = {"test": {"confusion_matrix": matrix}}
    return FakeClassifier(classes, card={"classes": list(classes), "metrics": metrics})


def test_error_rates_from_the_card_confusion_matrix():
    # rows: true class, columns: predicted; good is the middle class
    matrix = [
        [18, 2, 0],  # crack: 2 of 20 called good
        [3, 45, 2],  # good: 5 of 50 flagged
        [0, 1, 29],  # hole: 1 of 30 called good
    ]
    false_alarm, detection = error_rates(_card(("crack", "good", "hole"), matrix))
    assert false_alarm == pytest.approx(5 / 50)
    assert detection == pytest.approx(47 / 50)  # 18 + 29 of 50 defects flagged


def test_error_rates_of_the_shipped_model(shipped_model):
    # the ONNX file's embedded card has no metrics: they come from model_card.json beside it
    assert "metrics" not in shipped_model.card
    card = json.loads((shipped_model.path.parent / "model_card.json").read_text("utf-8"))
    matrix = card["metrics"]["test"]["confusion_matrix"]
    g = card["classes"].index("good")
    false_alarm, detection = error_rates(shipped_model)
    assert false_alarm == pytest.approx(1 - matrix[g][g] / sum(matrix[g]))
    defects = [row for i, row in enumerate(matrix) if i != g]
    assert detection == pytest.approx(1 - sum(r[g] for r in defects) / sum(map(sum, defects)))
    assert 0 < false_alarm < 0.1 < 0.9 < detection < 1


def test_error_rates_without_a_card_file_fall_back(tmp_path):
    from dtwin.twin import open_model

    model = open_model(write_tiny_onnx(tmp_path / "m", ["good", "crack"]))
    assert error_rates(model) == (0.0, 1.0)  # its card has no test metrics
    (tmp_path / "m" / "model_card.json").unlink()
    assert error_rates(model) == (0.0, 1.0)


@pytest.mark.parametrize(
    "model",
    [
        FakeClassifier(("good", "crack"), card={}),
        object(),
        _card(("good", "crack"), []),
        _card(("fine", "crack"), [[5, 1], [1, 5]]),  # no good class
        _card(("good", "crack", "hole"), [[5, 1], [1, 5]]),  # rows do not fit the classes
        _card(("good", "crack"), [[0, 0], [1, 5]]),  # no good part tested
        _card(("good", "crack"), [[5, 5], [5, 5]]),  # no better than chance
    ],
    ids=["no-metrics", "no-card", "empty-matrix", "no-good", "shape", "no-good-row", "chance"],
)
def test_error_rates_fall_back_to_a_perfect_model(model):
    assert error_rates(model) == (0.0, 1.0)
