"""The operating point: a defect-vs-good threshold chosen on validation for a target recall.

A missed defect costs more than a false alarm, so rather than take the most probable class the
classifier calls an image a defect when ``1 - p(good) >= threshold``. The threshold is the
highest one whose defect recall on the *validation* images reaches the target (the test images
never take part), so the false-alarm rate is as low as that recall allows.
"""

from __future__ import annotations

import re

import numpy as np

from dtwin.errors import ConfigError, VisionError

GOOD_NAMES = ("good", "free", "ok", "normal", "pass", "nodefect", "defectfree")


def find_good_class(classes: list[str], name: str | None = None) -> int:
    """Index of the defect-free class: ``name`` if given, else the one named like good/free/ok.

    Prefixes such as ``MT_`` are ignored (``MT_Free`` is the good class of magnetic-tile).
    """
    if name is not None:
        if name not in classes:
            raise ConfigError(f"good class {name!r} is not a class; valid: {classes}")
        return classes.index(name)
    keys = [re.sub(r"[^a-z]", "", c.lower().split("_")[-1]) for c in classes]
    found = [i for i, k in enumerate(keys) if k in GOOD_NAMES]
    if len(found) != 1:
        raise ConfigError(
            f"cannot tell which class is defect-free among {classes} (none or several named like "
            f"{', '.join(GOOD_NAMES)}); name it with good_class"
        )
    return found[0]


def defect_scores(probs: np.ndarray, good: int) -> np.ndarray:
    """Probability that each image shows some defect: ``1 - p(good)``."""
    return 1.0 - np.asarray(probs, np.float64)[:, good]


def choose_threshold(probs: np.ndarray, labels: np.ndarray, good: int, target: float) -> dict:
    """The highest threshold whose defect recall on (validation) ``probs`` reaches ``target``."""
    if not 0 < target <= 1:
        raise ConfigError(f"target recall {target!r} is invalid; valid: 0 < target <= 1")
    labels = np.asarray(labels, int)
    scores = defect_scores(probs, good)
    defect = labels != good
    if not defect.any() or defect.all():
        raise VisionError(
            "choosing a threshold needs validation images of the good class and of defects"
        )
    ranked = np.sort(scores[defect])[::-1]
    # the k-th highest defect score keeps k defects above the line: the smallest k that reaches
    # the target gives the highest threshold
    k = int(np.ceil(target * len(ranked) - 1e-9))
    threshold = float(ranked[max(k, 1) - 1])
    called = scores >= threshold
    return {
        "good_class_index": good,
        "threshold": threshold,
        "target_recall": float(target),
        "val_defect_recall": float(called[defect].mean()),
        "val_false_alarm_rate": float(called[~defect].mean()),
        "val_n_defect": int(defect.sum()),
        "val_n_good": int((~defect).sum()),
    }


def apply_operating_point(probs: np.ndarray, classes: list[str], point: dict | None) -> np.ndarray:
    """Class indices: argmax, or good/defect by the point's threshold, then the likeliest defect."""
    probs = np.asarray(probs)
    if not point:
        return probs.argmax(1)
    good = classes.index(point["good_class"])
    defect = defect_scores(probs, good) >= float(point["threshold"])
    others = probs.copy()
    others[:, good] = -np.inf
    return np.where(defect, others.argmax(1), good)
