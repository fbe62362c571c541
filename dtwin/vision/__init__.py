"""Defect inspection: synthetic data, timm training, ONNX serving and Grad-CAM explanations.

Importing this package is cheap; the names below load their module (and PyTorch) on first use.

Data
    ``generate_dataset``, ``generate_sample``, ``generate_arrays``, ``generate_real_layout``,
    ``CLASSES``, ``mask_bbox`` (synthetic defects); ``scan_image_folder``, ``load_mvtec``,
    ``ImageSet``, ``load_arrays``,
    ``load_mask``, ``load_region``, ``load_boxes``, ``read_boxes``, ``stratified_split`` (real
    data: masks beside images, parallel mask folders, VOC and YOLO boxes); ``load_image``,
    ``open_image``, ``check_pixels``, ``MAX_PIXELS``, ``fit_image``, ``letterbox_uint8``,
    ``map_to_source`` (images).
Models and training
    ``create_model``, ``ARCHS``; ``TrainConfig``, ``train``, ``train_and_export``,
    ``TrainResult``, ``predict_arrays``, ``predict_images``, ``save_checkpoint``,
    ``load_checkpoint``; ``choose_threshold``, ``apply_operating_point`` (target defect recall).
Serving
    ``export_onnx``, ``quantize_int8``, ``OnnxClassifier``, ``Prediction``, ``evaluate_onnx``,
    ``default_model_dir``, ``DEFECT_MODEL_DIR`` (the shipped model); ``classification_report``.
Explanations
    ``Explainer``, ``CamResult``, ``METHODS``, ``localisation_scores``, ``pointing_game``,
    ``pointing_tolerance``, ``pointing_chance``, ``cam_iou``, ``overlay_cam``, ``draw_box``,
    ``boxed_overlay``; ``evaluate_model``, ``choose_cam``, ``localisation``, ``region_images``
    (measured in source pixels against real masks and boxes).
Unsupervised
    ``fit_patch_memory``, ``PatchMemory``, ``anomaly_scores``, ``roc_auc`` (trained on
    defect-free images only).
Tiling
    ``tile_grid``, ``predict_tiled`` (large images: per tile, aggregated, mapped back).
Plots
    ``image_grid``, ``plot_history``, ``plot_confusion`` (matplotlib).
"""

from dtwin.lazy import lazy_front as _lazy_front

_EXPORTS: dict[str, str] = {
    # synthetic data
    "CLASSES": "dtwin.vision.synth",
    "generate_dataset": "dtwin.vision.synth",
    "generate_sample": "dtwin.vision.synth",
    "generate_arrays": "dtwin.vision.synth",
    "generate_real_layout": "dtwin.vision.synth",
    "mask_bbox": "dtwin.vision.synth",
    # images and real data
    "load_image": "dtwin.vision.images",
    "open_image": "dtwin.vision.images",
    "check_pixels": "dtwin.vision.images",
    "MAX_PIXELS": "dtwin.vision.images",
    "ImageSet": "dtwin.vision.datasets",
    "scan_image_folder": "dtwin.vision.datasets",
    "load_mvtec": "dtwin.vision.datasets",
    "load_arrays": "dtwin.vision.datasets",
    "load_mask": "dtwin.vision.datasets",
    "load_region": "dtwin.vision.datasets",
    "load_boxes": "dtwin.vision.datasets",
    "read_boxes": "dtwin.vision.annotations",
    "fit_image": "dtwin.vision.images",
    "letterbox_uint8": "dtwin.vision.images",
    "map_to_source": "dtwin.vision.images",
    "stratified_split": "dtwin.vision.datasets",
    # models and training
    "ARCHS": "dtwin.vision.models",
    "create_model": "dtwin.vision.models",
    "TrainConfig": "dtwin.vision.training",
    "TrainResult": "dtwin.vision.training",
    "train": "dtwin.vision.training",
    "train_and_export": "dtwin.vision.training",
    "predict_arrays": "dtwin.vision.training",
    "predict_images": "dtwin.vision.training",
    "choose_threshold": "dtwin.vision.threshold",
    "apply_operating_point": "dtwin.vision.threshold",
    "save_checkpoint": "dtwin.vision.training",
    "load_checkpoint": "dtwin.vision.training",
    # serving
    "export_onnx": "dtwin.vision.export",
    "quantize_int8": "dtwin.vision.export",
    "OnnxClassifier": "dtwin.vision.serve",
    "Prediction": "dtwin.vision.serve",
    "evaluate_onnx": "dtwin.vision.serve",
    "default_model_dir": "dtwin.vision.serve",
    "DEFECT_MODEL_DIR": "dtwin.paths",
    "classification_report": "dtwin.vision.metrics",
    # explanations
    "Explainer": "dtwin.vision.explain",
    "CamResult": "dtwin.vision.explain",
    "METHODS": "dtwin.vision.explain",
    "localisation_scores": "dtwin.vision.explain",
    "pointing_game": "dtwin.vision.explain",
    "pointing_tolerance": "dtwin.vision.explain",
    "pointing_chance": "dtwin.vision.explain",
    "cam_iou": "dtwin.vision.explain",
    "overlay_cam": "dtwin.vision.explain",
    "draw_box": "dtwin.vision.explain",
    "boxed_overlay": "dtwin.vision.explain",
    "evaluate_model": "dtwin.vision.evaluation",
    "choose_cam": "dtwin.vision.evaluation",
    "localisation": "dtwin.vision.evaluation",
    "region_images": "dtwin.vision.evaluation",
    # unsupervised
    "fit_patch_memory": "dtwin.vision.anomaly",
    "PatchMemory": "dtwin.vision.anomaly",
    "anomaly_scores": "dtwin.vision.anomaly",
    "roc_auc": "dtwin.vision.anomaly",
    # tiling
    "tile_grid": "dtwin.vision.tiling",
    "predict_tiled": "dtwin.vision.tiling",
    # plots
    "image_grid": "dtwin.vision.plots",
    "plot_history": "dtwin.vision.plots",
    "plot_confusion": "dtwin.vision.plots",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = _lazy_front(__name__, _EXPORTS)
