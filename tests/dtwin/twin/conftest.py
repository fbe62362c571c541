"""Fixtures for the twin: a small id mapping, one event of every type, a demo run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from dtwin.twin import events as ev
from dtwin.twin.ids import MachineIds


@pytest.fixture
def ids() -> MachineIds:
    """Two stations: ``a`` with two machines, ``b`` with one."""
    return MachineIds((("a", ("a-1", "a-2")), ("b", ("b-1",))))


def one_of_each(t: float = 1.0) -> list[ev.TwinEvent]:
    """One event of every registered type (fields filled with plausible values)."""
    s = "test"
    return [
        ev.PartReleased(time=t, source=s, part=7, station="a", product="p", route=("a", "b")),
        ev.PartStarted(time=t, source=s, part=7, machine="a-1"),
        ev.PartFinished(time=t, source=s, part=7, machine="a-1"),
        ev.PartInspected(time=t, source=s, part=7, machine="b-1", image="pool/3",
                         model_class="scratch", probability=0.875),
        ev.PartScrapped(time=t, source=s, part=7, machine="b-1"),
        ev.PartExited(time=t, source=s, part=8, machine="b-1"),
        ev.MachineStateChanged(time=t, source=s, machine="a-2", status="blocked"),
        ev.MachineDown(time=t, source=s, machine="a-2"),
        ev.MachineRepaired(time=t, source=s, machine="a-2"),
        ev.HealthEstimateChanged(time=t, source=s, machine="a-1", mean=0.8, std=0.05,
                                 method="ewma"),
        ev.MaintenanceRequested(time=t, source=s, machine="a-1", reason="health < 0.6"),
        ev.MaintenanceStarted(time=t, source=s, machine="a-1"),
        ev.MaintenanceDone(time=t, source=s, machine="a-1"),
        ev.ScheduleChanged(time=t, source=s, schedule_id="plan-2", reason="breakdown"),
        ev.AlertRaised(time=t, source=s, rule="low_health", severity="warning",
                       message="a-1 below 0.6", machine="a-1"),
    ]  # fmt: skip


@dataclass
class DemoRun:
    """A demo-factory run with the twin attached."""

    sim: Any
    bus: Any
    state: Any
    log: Any


def run_demo(seed: int, minutes: float) -> DemoRun:
    """The demo factory for ``minutes`` with adapter, state and an in-memory event log."""
    from dtwin.sim import DEMO_FACTORY, Simulation, load_factory
    from dtwin.twin import EventBus, EventLog, FactoryState, PlantAdapter, machine_ids

    sim = Simulation(load_factory(DEMO_FACTORY), seed=seed)
    bus = EventBus()
    mapping = machine_ids(sim.config)
    log = EventLog(":memory:", mapping, batch=500).attach(bus)
    state = FactoryState(mapping)
    bus.subscribe(state.apply)
    PlantAdapter(sim, bus, mapping)
    sim.run_until(minutes)
    log.flush()
    return DemoRun(sim, bus, state, log)


@pytest.fixture(scope="module")
def demo_run() -> DemoRun:
    """Six simulated hours of the demo factory, seed 3."""
    return run_demo(seed=3, minutes=360.0)


# -- the closed loop: a fake classifier, a tiny ONNX model, small pools, the shipped model --


class FakeClassifier:
    """A defect model without a network: ``label_of(image)`` decides each verdict.

    It has what the twin asks of a classifier (``classes``, ``card``, ``predict_proba``) and
    records the size of every batch it was given.
    """

    def __init__(
        self,
        classes: tuple[str, ...] = ("good", "crack"),
        label_of: Any = None,
        card: dict[str, Any] | None = None,
    ) -> None:
        self.classes = list(classes)
        self.label_of = label_of or (lambda image: self.classes[0])
        self.card = card if card is not None else {"classes": list(classes)}
        self.batches: list[int] = []

    def predict_proba(self, images: list[Any]) -> Any:
        import numpy as np

        self.batches.append(len(images))
        out = np.full((len(images), len(self.classes)), 0.1 / max(1, len(self.classes) - 1))
        for row, image in enumerate(images):
            out[row, self.classes.index(self.label_of(image))] = 0.9
        return out


def write_tiny_onnx(folder: Any, classes: list[str], img_size: int = 8) -> Any:
    """A dtwin-style model folder (``model.onnx`` + card) whose network is a 3 x C matmul."""
    import json
    from pathlib import Path

    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from dtwin.vision.export import METADATA_KEY

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    norm = {"scale": "pixel / 255", "mean": [0.5] * 3, "std": [0.25] * 3}
    card = {"classes": list(classes), "img_size": img_size, "normalisation": norm}
    weights = np.linspace(-1.0, 1.0, 3 * len(classes), dtype=np.float32).reshape(3, -1)
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["x"], ["mean"], axes=[2, 3], keepdims=0),
            helper.make_node("MatMul", ["mean", "w"], ["logits"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, img_size, img_size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(classes)])],
        [numpy_helper.from_array(weights, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # what every onnxruntime of the last years reads
    helper.set_model_props(model, {METADATA_KEY: json.dumps(card)})
    onnx.save(model, str(folder / "model.onnx"))
    (folder / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def closed_loop_path() -> Any:
    """The shipped closed-loop factory (a welder that wears, a camera downstream)."""
    from dtwin.paths import CLOSED_LOOP_FACTORY

    return CLOSED_LOOP_FACTORY


@pytest.fixture(scope="session")
def shipped_model() -> Any:
    """The shipped defect model (``models/defects``), opened once."""
    from dtwin.paths import DEFECT_MODEL_DIR
    from dtwin.twin import open_model

    return open_model(DEFECT_MODEL_DIR)


@pytest.fixture(scope="session")
def small_pool() -> Any:
    """The image pool of seed 1 with 4 images per class (the loop tests' pool)."""
    from dtwin.twin import shared_pool

    return shared_pool(1, 4)


# -- MES event logs: an invented plant (not a shipped file) and its log ----------------------

#: "the real plant" of the calibration tests: two products with different routings,
#: lognormal, triangular, Weibull and uniform process times, two failing machines at ``mill``
#: (Weibull time to failure in operating minutes), defects at ``weld`` found at ``inspect``
INVENTED_PLANT: dict[str, Any] = {
    "name": "invented plant",
    "products": [
        {"name": "bracket", "routing": ["cut", "mill", "inspect"],
         "arrival": {"dist": "exponential", "mean": 8.0}},
        {"name": "housing", "routing": ["cut", "weld", "mill", "inspect"],
         "arrival": {"dist": "exponential", "mean": 10.0}},
    ],
    "stations": [
        {"name": "cut", "process_time": {"dist": "lognormal", "mean": 2.0, "std": 0.6}},
        {"name": "weld", "defect_rate": 0.03,
         "process_time": {"dist": "triangular", "low": 1.5, "mode": 2.5, "high": 4.0}},
        {"name": "mill", "machines": 2,
         "process_time": {"dist": "weibull", "shape": 2.5, "scale": 5.6},
         "failure": {"ttf": {"dist": "weibull", "shape": 1.5, "scale": 266.0},
                     "repair": {"dist": "lognormal", "mean": 20.0, "std": 8.0}}},
        {"name": "inspect", "kind": "inspection", "detection_rate": 0.9,
         "process_time": {"dist": "uniform", "low": 0.8, "high": 1.2}},
    ],
}  # fmt: skip


@pytest.fixture(scope="session")
def plant_log(tmp_path_factory: Any) -> Any:
    """Two days of the invented plant's MES event log (seed 5) as a CSV file."""
    from dtwin.sim import mes_log, write_mes_log

    path = tmp_path_factory.mktemp("mes") / "plant.csv"
    write_mes_log(mes_log(INVENTED_PLANT, days=2.0, seed=5), path)
    return path
