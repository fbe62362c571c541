"""What this machine's Python stack is: versions and tiny seeded computations per library."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

STACK = (
    "dtwin",
    "numpy",
    "pandas",
    "scipy",
    "pydantic",
    "duckdb",
    "simpy",
    "ortools",
    "dask",
    "distributed",
    "papermill",
    "torch",
    "torchvision",
    "timm",
    "grad-cam",
    "onnx",
    "onnxruntime",
    "ipywidgets",
    "pythreejs",
    "bqplot",
    "voila",
)


def stack_versions(packages: tuple[str, ...] = STACK, missing: str = "missing") -> dict[str, str]:
    """Python's and each package's installed version (``missing`` when not installed)."""
    found = {"python": platform.python_version()}
    for name in packages:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = missing
    return found


def compute_checks(seed: int = 0) -> dict[str, float | int | bool]:
    """Seeded checks that the numeric libraries compute here; values for regression compare."""
    import duckdb
    import numpy as np

    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((64, 64))
    checks: dict[str, float | int | bool] = {
        "cpu_count": os.cpu_count() or 0,
        "numpy_det_check": float(np.linalg.slogdet(matrix @ matrix.T + np.eye(64))[1]),
        "duckdb_sum_check": int(
            duckdb.connect().execute("SELECT sum(range) FROM range(1000)").fetchone()[0]
        ),
    }
    try:
        import torch
    except ImportError:
        return checks
    torch.manual_seed(seed)
    x = torch.randn(32, 32, dtype=torch.float64)
    checks["torch_cuda_available"] = bool(torch.cuda.is_available())
    checks["torch_trace_check"] = float((x @ x.T).trace())
    return checks
