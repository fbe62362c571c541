"""The pipeline file (``notebooks/pipeline.yaml``): which notebooks run, with which parameters."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dtwin.config import load_config
from dtwin.errors import ConfigError

PROFILES = ("smoke", "full")


class Tolerance(BaseModel):
    """How far a metric may move from the reference run before it counts as a regression."""

    model_config = ConfigDict(extra="forbid")

    rel: float | None = Field(default=None, ge=0)
    abs: float | None = Field(default=None, ge=0)
    exact: bool = False
    better: str | None = Field(default=None, pattern="^(higher|lower)$")

    def allows(self, new: Any, ref: Any) -> bool:
        """True when ``new`` is an acceptable value given the reference ``ref``.

        NaN equals NaN (and null, which is how NaN is recorded): a figure that is undefined
        in both runs has not changed.
        """
        if _is_nan(new) and _is_nan(ref):
            return True
        if self.exact or not _is_number(new) or not _is_number(ref):
            return bool(new == ref)
        if _is_nan(new) or _is_nan(ref):
            return False
        delta = float(new) - float(ref)
        if self.better == "higher" and delta >= 0 or self.better == "lower" and delta <= 0:
            return True
        limit = max(self.abs or 0.0, (self.rel or 0.0) * abs(float(ref)))
        return abs(delta) <= limit


class Step(BaseModel):
    """One notebook of the pipeline."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    notebook: str
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    tolerances: dict[str, Tolerance] = Field(default_factory=dict)
    needs: list[str] = Field(default_factory=list)
    timeout_s: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _known_profiles(self) -> Step:
        unknown = set(self.parameters) - set(PROFILES)
        if unknown:
            raise ValueError(f"unknown profile(s) {sorted(unknown)}; valid: {', '.join(PROFILES)}")
        return self

    def parameters_for(self, profile: str) -> dict[str, Any]:
        """The papermill parameters of this step under ``profile``."""
        return dict(self.parameters.get(profile, {}))


class PipelineSpec(BaseModel):
    """The whole pipeline file."""

    model_config = ConfigDict(extra="forbid")

    steps: list[Step] = Field(min_length=1)
    default_tolerance: Tolerance | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PipelineSpec:
        names = [s.name for s in self.steps]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate step names: {', '.join(dupes)}")
        for i, step in enumerate(self.steps):
            earlier = set(names[:i])
            for need in step.needs:
                if need not in earlier:
                    raise ValueError(
                        f"step {step.name!r} needs {need!r}, which is not an earlier "
                        f"step; earlier steps: {', '.join(sorted(earlier)) or 'none'}"
                    )
        return self

    def step(self, name: str) -> Step:
        """The step called ``name``."""
        for step in self.steps:
            if step.name == name:
                return step
        raise ConfigError(
            f"no pipeline step named {name!r}; choices: {', '.join(s.name for s in self.steps)}"
        )


def load_spec(path: str | Path) -> tuple[PipelineSpec, Path]:
    """Load and check a pipeline file; returns the spec and the folder its notebooks live in."""
    path = Path(path)
    spec = load_config(PipelineSpec, path)
    base = path.parent
    for step in spec.steps:
        if not (base / step.notebook).is_file():
            raise ConfigError(
                f"{path}: step {step.name!r}: notebook {step.notebook!r} not found in {base}"
            )
    return spec, base


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
