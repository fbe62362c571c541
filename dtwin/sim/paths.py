"""Where the shipped factory configs live."""

from __future__ import annotations

from pathlib import Path

FACTORIES_DIR = Path(__file__).resolve().parents[2] / "data" / "factories"
DEMO_FACTORY = FACTORIES_DIR / "demo.yaml"
