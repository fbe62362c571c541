"""The factory config's sensor and cost blocks (pydantic models; off unless given).

``stations[].sensors``: the machines of a station emit a reading every ``every`` operations,
one value per channel, driven by the machine's hidden health ``h`` (1 = new, 0 = worn out)::

    value = base + gain * (1 - h) ** shape + noise * N(0, 1)

``costs`` (top level): what an unplanned minute down, a preventive service, a repair and a
scrapped part cost; the twin's ``cost_per_good_unit`` divides their sum by the good parts.
Every cost defaults to 0, so a factory without ``costs`` costs nothing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_CHANNELS = 32
MAX_SENSOR_VALUE = 1e9
MAX_COST = 1e9


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SensorChannel(_Model):
    """One sensor of a machine: ``base + gain * (1 - health) ** shape + noise * N(0, 1)``."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    base: float = Field(default=0.0, ge=-MAX_SENSOR_VALUE, le=MAX_SENSOR_VALUE)
    gain: float = Field(default=1.0, ge=-MAX_SENSOR_VALUE, le=MAX_SENSOR_VALUE)
    shape: float = Field(default=1.0, gt=0, le=10)
    noise: float = Field(default=0.0, ge=0, le=MAX_SENSOR_VALUE)

    def value(self, health: float, gauss: float) -> float:
        """The reading at ``health`` for a standard normal draw ``gauss``."""
        return self.base + self.gain * (1.0 - health) ** self.shape + self.noise * gauss


class SensorConfig(_Model):
    """The sensors of a station's machines: a reading every ``every`` operations."""

    every: int = Field(default=1, ge=1, le=100_000)
    channels: list[SensorChannel] = Field(min_length=1, max_length=MAX_CHANNELS)

    @field_validator("channels")
    @classmethod
    def _unique(cls, value: list[SensorChannel]) -> list[SensorChannel]:
        names = [c.name for c in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"channel names must be unique; used twice: {', '.join(twice)}")
        reserved = sorted({"unit", "cycle", "time"} & set(names))
        if reserved or any(n.lower().startswith("setting") for n in names):
            raise ValueError(
                "channel names 'unit', 'cycle', 'time' and 'setting*' are reserved (the "
                "columns of a history table)"
            )
        return value

    @property
    def names(self) -> list[str]:
        """Channel names in order."""
        return [c.name for c in self.channels]


class Costs(_Model):
    """What the plant pays: per minute a machine is down with a breakdown (``downtime_per_min``),
    per preventive service (``maintenance``), per repair (``repair``) and per scrapped part
    (``scrap``); all in the same currency, all 0 by default."""

    downtime_per_min: float = Field(default=0.0, ge=0, le=MAX_COST)
    maintenance: float = Field(default=0.0, ge=0, le=MAX_COST)
    repair: float = Field(default=0.0, ge=0, le=MAX_COST)
    scrap: float = Field(default=0.0, ge=0, le=MAX_COST)
