"""The controlled chaos the raw-data generator injects, one rate per kind."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dtwin.config import validate


class ChaosRates(BaseModel):
    """Rates of the eight chaos types (plus rare malformed lines); all shares are in [0, 1]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_variants: float = Field(0.15, ge=0, le=1, description="rows with a product misspelt")
    machine_variants: float = Field(0.15, ge=0, le=1, description="rows with a machine-id variant")
    sensor_nulls: float = Field(0.075, ge=0, le=1, description="sensor values left empty")
    timestamp_drift: float = Field(0.3, ge=0, le=1, description="timestamps off by up to ±drift")
    drift_minutes: float = Field(5.0, ge=0, le=7, description="largest clock drift in minutes")
    duplicates: float = Field(0.03, ge=0, le=1, description="rows delivered twice")
    late_rows: float = Field(0.02, ge=0, le=1, description="rows delivered 1-3 days late")
    mixed_timezones: float = Field(0.2, ge=0, le=1, description="timestamps in local time")
    local_offset_minutes: int = Field(60, ge=-720, le=840, description="the plant's fixed offset")
    degradation: float = Field(0.01, ge=0, le=0.05, description="daily wear of the worn machine")
    malformed_rows: float = Field(0.001, ge=0, le=0.5, description="extra garbled lines")

    @classmethod
    def from_mapping(cls, data: dict[str, Any] | None, source: str = "chaos") -> ChaosRates:
        """Validate user-given rates; unknown names or bad values raise ConfigError."""
        return validate(cls, dict(data or {}), source)


NO_CHAOS = ChaosRates(
    product_variants=0,
    machine_variants=0,
    sensor_nulls=0,
    timestamp_drift=0,
    duplicates=0,
    late_rows=0,
    mixed_timezones=0,
    degradation=0,
    malformed_rows=0,
)
