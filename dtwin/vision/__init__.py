"""Defect inspection: synthetic data, timm training, ONNX serving and Grad-CAM explanations.

Importing this package is cheap; the names below load their module (and PyTorch) on first use.
"""

from __future__ import annotations

from dtwin.lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    "generate_dataset": "dtwin.vision.synth",
    "generate_sample": "dtwin.vision.synth",
    "load_image": "dtwin.vision.images",
    "open_image": "dtwin.vision.images",
    "check_pixels": "dtwin.vision.images",
    "MAX_PIXELS": "dtwin.vision.images",
    "scan_image_folder": "dtwin.vision.datasets",
    "load_mvtec": "dtwin.vision.datasets",
    "stratified_split": "dtwin.vision.datasets",
    "create_model": "dtwin.vision.models",
    "TrainConfig": "dtwin.vision.train",
    "train": "dtwin.vision.train",
    "export_onnx": "dtwin.vision.export",
    "OnnxClassifier": "dtwin.vision.serve",
    "Prediction": "dtwin.vision.serve",
    "Explainer": "dtwin.vision.explain",
    "CamResult": "dtwin.vision.explain",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
