"""Recording a notebook's key figures so that pipeline runs can be compared.

During a pipeline run the runner points ``DTWIN_METRICS_FILE`` and ``DTWIN_ARTIFACTS_DIR`` at the
run folder (the kernel inherits the environment); run by hand, figures stay in memory and
artefacts go to ``./artifacts``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from pathlib import Path
from typing import Any

from dtwin.errors import PipelineError

METRICS_ENV = "DTWIN_METRICS_FILE"
ARTIFACTS_ENV = "DTWIN_ARTIFACTS_DIR"

_recorded: dict[str, Any] = {}


def record(name: str, value: Any) -> Any:
    """Record a key figure (number, bool or short string) under ``name``; returns ``value``."""
    if not isinstance(name, str) or not name.strip():
        raise PipelineError(f"record: metric name must be a non-empty string, got {name!r}")
    clean = _plain(name, value)
    _recorded[name] = clean
    path = os.environ.get(METRICS_ENV)
    if path:
        _write(Path(path), name, clean)
    return value


def recorded() -> dict[str, Any]:
    """The figures recorded in this process so far."""
    return dict(_recorded)


def artifacts_dir() -> Path:
    """The folder where this notebook writes its files (created if missing)."""
    folder = Path(os.environ.get(ARTIFACTS_ENV) or Path.cwd() / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _plain(name: str, value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()  # numpy / torch scalars
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        if len(value) > 500:
            raise PipelineError(
                f"record: metric {name!r} is a string of {len(value)} characters; "
                "keep recorded strings under 500"
            )
        return value
    raise PipelineError(
        f"record: metric {name!r} must be a number, bool or string, got {type(value).__name__}"
    )


def _write(path: Path, name: str, value: Any) -> None:
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PipelineError(f"{path}: metrics file is not valid JSON: {exc}") from exc
    data[name] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
