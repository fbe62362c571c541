"""Serving with onnxruntime: training preprocessing, batching, labels, probabilities, latency."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dtwin.errors import VisionError
from dtwin.paths import DEFECT_MODEL_DIR
from dtwin.vision.export import METADATA_KEY, _ort_session
from dtwin.vision.images import ImageInput, as_rgb_array, fit_image, normalize, resize_mode
from dtwin.vision.modelfiles import ONNX_HINT, check_onnx_file, first_line


@dataclass(frozen=True)
class Prediction:
    """Predicted class name, the probability of every class, and milliseconds per image."""

    label: str
    probabilities: dict[str, float]
    ms: float


def _as_list(images) -> list[ImageInput]:
    if isinstance(images, str | Path | bytes | bytearray):
        return [images]
    if isinstance(images, np.ndarray):
        return list(images) if images.ndim == 4 else [images]
    return list(images)


class OnnxClassifier:
    """An onnxruntime session for a dtwin defect classifier (model.onnx + its card)."""

    def __init__(
        self,
        model_path: str | Path,
        card: dict | None = None,
        threads: int = 2,
        batch_size: int = 32,
    ) -> None:
        path = check_onnx_file(model_path)
        try:
            self.session = _ort_session(path, threads)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise VisionError(
                f"cannot load ONNX model {path} (damaged, truncated or not an ONNX file: "
                f"{first_line(exc)}); {ONNX_HINT}"
            ) from exc
        embedded = self.session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        beside = path.parent / "model_card.json"
        if card is None and beside.is_file():
            try:
                card = json.loads(beside.read_text(encoding="utf-8"))
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
                raise VisionError(f"model card {beside} is not valid JSON: {exc}") from exc
            if not isinstance(card, dict):
                raise VisionError(f"model card {beside} is not a JSON object")
        if embedded is None:
            raise VisionError(
                f"ONNX model {path} is not a dtwin vision classifier (no '{METADATA_KEY}' "
                "metadata); export it with dtwin.vision.export.export_onnx or `dtwin vision train`"
            )
        try:
            meta = json.loads(embedded)
        except json.JSONDecodeError as exc:
            raise VisionError(
                f"ONNX model {path}: its embedded model card is not JSON: {exc}"
            ) from exc
        if card is not None:
            _check_same_model(path, meta, card)
        self.path = path
        self.card = meta
        self.batch_size = batch_size
        self._check_graph()

    @classmethod
    def from_dir(cls, directory: str | Path, **kwargs) -> OnnxClassifier:
        """Open ``directory/model.onnx`` checked against ``directory/model_card.json``."""
        directory = Path(directory)
        if not directory.is_dir():
            raise VisionError(f"model directory {directory} does not exist")
        return cls(directory / "model.onnx", **kwargs)

    @property
    def classes(self) -> list[str]:
        """Class names in output order."""
        return list(self.card["classes"])

    @property
    def img_size(self) -> int:
        """Side of the square model input in pixels."""
        return int(self.card["img_size"])

    def _check_graph(self) -> None:
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        expect_in = [3, self.img_size, self.img_size]
        shape = list(inputs[0].shape) if len(inputs) == 1 else None
        ok = shape is not None and len(shape) == 4 and shape[1:] == expect_in
        out_shape = list(outputs[0].shape) if len(outputs) == 1 else None
        ok = ok and out_shape is not None and out_shape[-1] == len(self.classes)
        if not ok:
            raise VisionError(
                f"ONNX model {self.path} does not match its card: inputs "
                f"{[list(i.shape) for i in inputs]}, outputs {[list(o.shape) for o in outputs]}; "
                f"expected [batch, {', '.join(map(str, expect_in))}] -> "
                f"[batch, {len(self.classes)}]"
            )
        self._input = inputs[0].name

    def preprocess(self, images) -> np.ndarray:
        """Images (paths, bytes or arrays) to the float32 NCHW batch the model expects."""
        norm = self.card["normalisation"]
        mode = resize_mode(self.card)
        batch = np.stack([fit_image(as_rgb_array(img), self.img_size, mode) for img in images])
        return normalize(batch, norm["mean"], norm["std"])

    def predict_proba(self, images) -> np.ndarray:
        """Class probabilities (N, C) for images given as paths, bytes or arrays."""
        items = _as_list(images)
        out = []
        for i in range(0, len(items), self.batch_size):
            logits = self.session.run(
                None, {self._input: self.preprocess(items[i : i + self.batch_size])}
            )[0]
            out.append(_softmax(logits))
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)), np.float32)

    def predict(self, images) -> list[Prediction]:
        """Label, probabilities and per-image latency (preprocessing included) for each image.

        The label follows the card's operating point when it has one (``--target-recall``).
        """
        items = _as_list(images)
        results: list[Prediction] = []
        classes = self.classes
        for i in range(0, len(items), self.batch_size):
            chunk = items[i : i + self.batch_size]
            t0 = time.perf_counter()
            probs = _softmax(self.session.run(None, {self._input: self.preprocess(chunk)})[0])
            ms = (time.perf_counter() - t0) * 1000 / len(chunk)
            for p, k in zip(probs, decide(probs, self.card), strict=True):
                results.append(
                    Prediction(
                        label=classes[int(k)],
                        probabilities={c: float(v) for c, v in zip(classes, p, strict=True)},
                        ms=round(ms, 3),
                    )
                )
        return results


def decide(probs: np.ndarray, card: dict) -> np.ndarray:
    """Class indices from probabilities (N, C): argmax, or the card's operating point.

    With an operating point (``{"good_class", "threshold"}``) an image is a defect when
    ``1 - p(good) >= threshold``, and then gets its most probable defect class.
    """
    from dtwin.vision.threshold import apply_operating_point

    return apply_operating_point(probs, card.get("classes", []), card.get("operating_point"))


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _check_same_model(path: Path, meta: dict, card: dict) -> None:
    """The card beside an ONNX file must describe that file (classes, input, data)."""
    for key in ("classes", "img_size", "normalisation"):
        if card.get(key) != meta.get(key):
            raise VisionError(
                f"ONNX model {path} belongs to another model than its model card: {key} is "
                f"{meta.get(key)!r} in the ONNX file but {card.get(key)!r} in the card"
            )
    card_fp = card.get("data", {}).get("fingerprint")
    if card_fp and meta.get("fingerprint") and card_fp != meta["fingerprint"]:
        raise VisionError(
            f"ONNX model {path} was trained on other data than its model card says "
            "(data fingerprints differ)"
        )


def default_model_dir() -> Path:
    """The shipped model folder ``models/defects`` of the source tree."""
    return DEFECT_MODEL_DIR


def evaluate_onnx(clf: OnnxClassifier, images) -> dict:
    """Classification report of an OnnxClassifier on an ``ImageSet`` (class names matched)."""
    from dtwin.vision.metrics import classification_report

    missing = [c for c in images.classes if c not in clf.classes]
    if missing:
        raise VisionError(f"classes {missing} of {images.root} are unknown to model {clf.path}")
    truth = [clf.classes.index(images.classes[i]) for i in images.labels]
    pred = decide(clf.predict_proba(images.paths), clf.card)
    return classification_report(truth, pred, clf.classes)
