"""Where the shipped inputs the apps open on live (data/, models/ next to the package)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"
JOBSHOP_DIR = DATA_DIR / "jobshop"
FACTORIES_DIR = DATA_DIR / "factories"
DEFECT_MODEL_DIR = REPO / "models" / "defects"
