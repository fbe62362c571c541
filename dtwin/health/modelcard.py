"""Model folders: the model card (JSON), data fingerprints, versions and the column check.

A model folder holds ``card.json`` and the weights: ``weights.pt`` (a PyTorch ``state_dict`` of
plain tensors, loaded with ``torch.load(..., weights_only=True)``) or ``model.skops``
(scikit-learn models, loaded with ``skops.io.load`` after checking that every type it would
build comes from scikit-learn or NumPy). Neither path runs pickled code from the folder.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import DataError

CARD = "card.json"
SKOPS_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.")
# a partial is only a wrapper: the function it wraps is listed (and checked) on its own
SKOPS_TRUSTED_TYPES = ("functools.partial",)


def file_fingerprint(path: str | Path) -> str:
    """``sha256:<hex>`` of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """``sha256:<hex>`` of a frame's column names and values (for data that has no file)."""
    digest = hashlib.sha256(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return f"sha256:{digest.hexdigest()}"


def data_description(frame: pd.DataFrame, source: str | Path | None) -> dict:
    """The card's ``data`` entry: file name, fingerprint and size."""
    is_file = source is not None and Path(source).is_file()
    return {
        "file": Path(source).name if is_file else None,
        "sha256": file_fingerprint(source) if is_file else frame_fingerprint(frame),
        "rows": int(len(frame)),
        "units": int(frame["unit"].nunique()) if "unit" in frame.columns else None,
    }


def versions() -> dict:
    """Versions of the libraries a model was trained with."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("dtwin", "numpy", "pandas", "torch", "scikit-learn", "skops"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


def write_card(folder: str | Path, card: dict) -> Path:
    """Write ``card.json`` (indented, sorted keys) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CARD
    path.write_text(json.dumps(to_jsonable(card), indent=2, sort_keys=True) + "\n")
    return path


def read_card(folder: str | Path, kind: str) -> dict:
    """The card of a model folder of ``kind`` (``rul`` or ``failure``)."""
    path = Path(folder) / CARD
    if not path.is_file():
        raise DataError(f"{folder}: not a model folder ({CARD} is missing)")
    try:
        card = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if card.get("kind") != kind:
        raise DataError(f"{path}: a {card.get('kind')!r} model, expected a {kind!r} model")
    return card


def check_columns(expected: list[str], got: list[str], source: str | Path) -> None:
    """Refuse data whose columns differ from the ones the model was trained on."""
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected]
    if missing or extra:
        raise DataError(
            f"{source}: columns differ from the model card's: missing {missing}, unexpected {extra}"
        )


def save_skops(model: object, path: str | Path) -> Path:
    """Write a scikit-learn model with skops (no pickle)."""
    import skops.io

    skops.io.dump(model, path)
    return Path(path)


def load_skops(path: str | Path) -> object:
    """Load a skops file, refusing any type outside scikit-learn, NumPy and SciPy."""
    import skops.io

    if not Path(path).is_file():
        raise DataError(f"{path}: the model file is missing")
    untrusted = skops.io.get_untrusted_types(file=path)
    foreign = [
        t
        for t in untrusted
        if not t.startswith(SKOPS_TRUSTED_PREFIXES) and t not in SKOPS_TRUSTED_TYPES
    ]
    if foreign:
        raise DataError(f"{path}: refusing to load types outside scikit-learn/NumPy: {foreign}")
    return skops.io.load(path, trusted=untrusted)


def to_jsonable(value: object) -> object:
    """NumPy scalars and arrays as plain Python; non-finite floats as ``None``."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    return value
