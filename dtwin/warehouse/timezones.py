"""Timestamps as the plant writes them: UTC (``Z``) or a fixed local offset (``+01:00``).

The offset maths lives here once; the SQL in silver uses the same rule (``UTC_SQL``) and a test
checks both against each other in both directions.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from dtwin.errors import DataError

_TS_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})$",
)


def format_offset(offset_minutes: int) -> str:
    """Return the ISO suffix of an offset: 0 -> ``Z``, 60 -> ``+01:00``, -330 -> ``-05:30``."""
    if offset_minutes == 0:
        return "Z"
    sign = "+" if offset_minutes > 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def utc_to_local(utc: datetime, offset_minutes: int) -> datetime:
    """Return the wall-clock time at a fixed offset for a naive UTC time."""
    return utc + timedelta(minutes=offset_minutes)


def local_to_utc(local: datetime, offset_minutes: int) -> datetime:
    """Return the naive UTC time for a wall-clock time at a fixed offset."""
    return local - timedelta(minutes=offset_minutes)


def format_timestamp(utc: datetime, offset_minutes: int = 0) -> str:
    """Write a naive UTC time as the plant does: local wall clock plus its offset suffix."""
    local = utc_to_local(utc, offset_minutes)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + format_offset(offset_minutes)


def parse_timestamp(text: str, where: str = "timestamp") -> tuple[datetime, int]:
    """Parse ``2026-01-05T09:30:00+01:00`` into (naive UTC time, offset in minutes)."""
    match = _TS_RE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise DataError(
            f"{where}: {text!r} is not a timestamp like 2026-01-05T09:30:00Z or ...+01:00"
        )
    try:
        local = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}")
    except ValueError as exc:
        raise DataError(f"{where}: {text!r} is not a valid date/time ({exc})") from exc
    suffix = match.group(3)
    offset = 0
    if suffix != "Z":
        sign = 1 if suffix[0] == "+" else -1
        offset = sign * (int(suffix[1:3]) * 60 + int(suffix[4:6]))
    return local_to_utc(local, offset), offset


# SQL twins of the rule above (DuckDB). {col} is a VARCHAR column.
TS_PATTERN_SQL = "'^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(Z|[+-]\\d{2}:\\d{2})$'"
OFFSET_SQL = (
    "CASE WHEN right({col}, 1) = 'Z' THEN 0 ELSE "
    "(CASE WHEN substr({col}, 20, 1) = '-' THEN -1 ELSE 1 END) * "
    "(CAST(substr({col}, 21, 2) AS INTEGER) * 60 + CAST(substr({col}, 24, 2) AS INTEGER)) END"
)
LOCAL_SQL = "strptime(replace(substr({col}, 1, 19), 'T', ' '), '%Y-%m-%d %H:%M:%S')"
UTC_SQL = f"({LOCAL_SQL} - to_minutes(CAST({OFFSET_SQL} AS BIGINT)))"
VALID_TS_SQL = (
    f"(regexp_matches({{col}}, {TS_PATTERN_SQL}) AND "
    "try_strptime(replace(substr({col}, 1, 19), 'T', ' '), '%Y-%m-%d %H:%M:%S') IS NOT NULL)"
)


def sql(template: str, col: str) -> str:
    """Fill a SQL template with a column expression."""
    return template.replace("{col}", col)
