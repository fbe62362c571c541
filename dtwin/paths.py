"""Where the shipped inputs live: ``data/`` and ``models/`` of the project checkout.

dtwin is installed editable from its repository, so these sit next to the package.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
FACTORIES_DIR = DATA_DIR / "factories"
DEMO_FACTORY = FACTORIES_DIR / "demo.yaml"
SMELTER_FACTORY = FACTORIES_DIR / "smelter.yaml"  # the warehouse demo's master data
JOBSHOP_DIR = DATA_DIR / "jobshop"
DEFECT_MODEL_DIR = PROJECT_ROOT / "models" / "defects"
CLOSED_LOOP_FACTORY = FACTORIES_DIR / "closed_loop.yaml"
