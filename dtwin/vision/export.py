"""ONNX export with a dynamic batch axis, a parity check against PyTorch, and int8 quantisation.

The serving part of the model card is stored inside the ONNX file (metadata key ``dtwin_card``),
so ``OnnxClassifier`` can check that a file really is a dtwin classifier and preprocess exactly as
training did.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import numpy as np

from dtwin.errors import VisionError
from dtwin.vision.images import normalize

METADATA_KEY = "dtwin_card"
OPSET = 17
SERVING_KEYS = (
    "format",
    "arch",
    "classes",
    "img_size",
    "normalisation",
    "input",
    "operating_point",
)


def serving_card(card: dict) -> dict:
    """The part of a model card a serving runtime needs (classes, input size, normalisation)."""
    sub = {k: card[k] for k in SERVING_KEYS if k in card}
    sub["fingerprint"] = card.get("data", {}).get("fingerprint")
    return sub


def _set_metadata(path: Path, card: dict) -> None:
    import onnx

    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(serving_card(card))
    proto.producer_name = "dtwin.vision"
    onnx.save(proto, str(path))  # small models: one self-contained file, no external data


def _ort_session(path: Path, threads: int = 2):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def export_onnx(model, card: dict, path: str | Path, sample: np.ndarray, tol: float = 1e-3) -> dict:
    """Export ``model`` to ``path`` (dynamic batch) and check it against PyTorch.

    ``sample`` holds a few uint8 images (N, S, S, 3); the parity check runs at batch 1 and N.
    Returns ``{"opset", "dynamic_batch", "parity_max_abs_diff", "parity_same_argmax"}`` and
    raises VisionError when ONNX and PyTorch disagree beyond ``tol``.
    """
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    norm = card["normalisation"]
    if len(sample) < 2:
        sample = np.concatenate([sample, sample[::-1]])[:2] if len(sample) else None
    if sample is None:
        raise VisionError("ONNX export needs at least one sample image for the parity check")
    x = torch.from_numpy(normalize(sample, norm["mean"], norm["std"]))
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (x[:2],),
            str(path),
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
    _set_metadata(path, card)
    session = _ort_session(path)
    diffs, same = [], True
    with torch.no_grad():
        for batch in (x[:1], x):
            ref = model(batch).numpy()
            got = session.run(["logits"], {"input": batch.numpy()})[0]
            diffs.append(float(np.abs(ref - got).max()))
            same = same and bool((ref.argmax(1) == got.argmax(1)).all())
    result = {
        "opset": OPSET,
        "dynamic_batch": True,
        "parity_max_abs_diff": max(diffs),
        "parity_same_argmax": same,
    }
    if max(diffs) > tol or not same:
        raise VisionError(f"ONNX export {path} disagrees with PyTorch: {result}")
    return result


def quantize_int8(
    onnx_path: str | Path, out_path: str | Path, calibration: np.ndarray, card: dict
) -> Path:
    """Static int8 quantisation (QDQ, per-channel) calibrated on uint8 images (N, S, S, 3)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    norm = card["normalisation"]
    batches = [
        normalize(calibration[i : i + 16], norm["mean"], norm["std"])
        for i in range(0, len(calibration), 16)
    ]

    class _Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter(batches)

        def get_next(self):
            batch = next(self._it, None)
            return None if batch is None else {"input": batch}

    out_path = Path(out_path)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # onnxruntime logs "consider pre-processing" on the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_static(
                str(onnx_path),
                str(out_path),
                _Reader(),
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
            )
    finally:
        root.setLevel(level)
    _set_metadata(out_path, card)
    return out_path
