"""The inspection agent: classifies each photographed part with the defect model.

The model (a :class:`dtwin.vision.OnnxClassifier` or anything with ``classes`` and
``predict_proba(images)``) must have a ``good`` class: a part is flagged when the model's
top class is anything else. The camera's images come from a fixed pool, so each pool image
is classified once, in batches, and its verdict reused for every part photographed with it
(the model is deterministic on the same pixels); ``model_images`` counts the images the model
actually ran on, ``classified`` the parts that got a verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dtwin.errors import ConfigError
from dtwin.twin import events as ev
from dtwin.twin.bus import EventBus
from dtwin.twin.camera import GOOD, ImagePool, Photo

NAME = "inspection_agent"


def check_model(model: Any, where: str = "model") -> list[str]:
    """The model's classes; a ConfigError when it has no ``good`` class."""
    classes = [str(c) for c in getattr(model, "classes", [])]
    if GOOD not in classes:
        raise ConfigError(
            f"{where}: the defect model's classes {classes} have no {GOOD!r} class; the twin "
            f"needs one to tell a good part from a defective one"
        )
    return classes


class InspectionAgent:
    """Publishes a :class:`~dtwin.twin.events.PartInspected` per photographed part."""

    def __init__(
        self, bus: EventBus, model: Any, pool: ImagePool, batch: int = 64, prewarm: bool = True
    ) -> None:
        self.bus = bus
        self.model = model
        self.pool = pool
        self.classes = check_model(model)
        self.batch = max(1, int(batch))
        self._verdicts: dict[int, tuple[str, float]] = {}
        self.model_images = 0
        self.classified = 0
        if prewarm:
            self.classify(range(len(pool)))

    def classify(self, indices: Any) -> list[tuple[str, float]]:
        """The model's (class, probability) for pool images ``indices`` (new ones in batches)."""
        indices = [int(i) for i in indices]
        todo = [i for i in dict.fromkeys(indices) if i not in self._verdicts]
        for start in range(0, len(todo), self.batch):
            chunk = todo[start : start + self.batch]
            probs = np.asarray(self.model.predict_proba(list(self.pool.images[chunk])))
            self.model_images += len(chunk)
            for i, p in zip(chunk, probs, strict=True):
                top = int(np.argmax(p))
                self._verdicts[i] = (self.classes[top], float(np.clip(p[top], 0.0, 1.0)))
        return [self._verdicts[i] for i in indices]

    def inspect(self, time: float, part: int, machine: str, photo: Photo) -> ev.PartInspected:
        """Classify ``photo`` of ``part`` (taken at ``machine``) and publish the verdict."""
        label, probability = self.classify([photo.index])[0]
        self.classified += 1
        event = ev.PartInspected(
            time=time,
            source=NAME,
            part=part,
            machine=machine,
            image=photo.ref,
            model_class=label,
            probability=probability,
        )
        self.bus.publish(event)
        return event


def error_rates(model: Any) -> tuple[float, float]:
    """(false-alarm rate, defect detection rate) of ``model`` from its card's test confusion.

    A model without one is taken as perfect, ``(0.0, 1.0)``.
    """
    card = _card_with_metrics(model)
    test = (card.get("metrics") or {}).get("test") or {}
    matrix, classes = test.get("confusion_matrix"), list(card.get("classes") or [])
    if not matrix or GOOD not in classes or len(matrix) != len(classes):
        return 0.0, 1.0
    g = classes.index(GOOD)
    good_row = matrix[g]
    defect_rows = [row for i, row in enumerate(matrix) if i != g]
    n_good, n_defect = sum(good_row), sum(sum(r) for r in defect_rows)
    if not n_good or not n_defect:
        return 0.0, 1.0
    false_alarm = 1.0 - good_row[g] / n_good
    detection = sum(sum(r) - r[g] for r in defect_rows) / n_defect
    if detection <= false_alarm:  # a model no better than chance: no correction
        return 0.0, 1.0
    return float(false_alarm), float(detection)


def _card_with_metrics(model: Any) -> dict[str, Any]:
    """``model.card``; for an ``OnnxClassifier``, whose embedded card has no metrics, the
    ``model_card.json`` beside its file (already checked against the embedded card)."""
    card = getattr(model, "card", None) or {}
    path = getattr(model, "path", None)
    if "metrics" in card or path is None:
        return card
    beside = Path(path).parent / "model_card.json"
    try:
        full = json.loads(beside.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return card
    same = isinstance(full, dict) and full.get("classes") == card.get("classes")
    return full if same else card


def flagged(event: ev.PartInspected) -> bool:
    """True when the model called the part defective."""
    return event.model_class != GOOD
