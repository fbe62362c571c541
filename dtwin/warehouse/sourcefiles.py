"""The raw files a warehouse reads: found under ``OUT/raw``, hashed, and checked for appends.

A loaded file that has grown since (its ingested *prefix* unchanged: a CSV's whole old
content, a JSON array's content up to its last record, whose trailing comma may be added)
loads only its new lines; a file whose old content changed is refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dtwin.errors import WarehouseError
from dtwin.warehouse.rawfiles import FILE_NAMES, FIRST_DAY, LAST_DAY

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

KINDS: tuple[str, ...] = tuple(FILE_NAMES)
KIND_OF_FILE = {name: kind for kind, name in FILE_NAMES.items()}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SourceFile:
    """A raw file found under ``OUT/raw``."""

    path: Path
    source_file: str  # path relative to OUT, POSIX style
    kind: str  # one of KINDS, or "unknown"
    file_date: date | None
    md5: str
    size: int
    prefix_bytes: int | None = None  # the part later appends must leave unchanged
    prefix_md5: str | None = None
    prefix_lines: int | None = None  # the number of the prefix's last line
    from_line: int = 0  # load only the lines after this one (a file appended to)


def discover(out: Path) -> list[SourceFile]:
    """List the files under ``OUT/raw`` with their kind, day and content hash.

    A folder named like a day (``YYYY-MM-DD``) must be a valid day in the supported range;
    otherwise nothing is loaded and the error names every such folder.
    """
    raw = out / "raw"
    if not raw.is_dir():
        raise WarehouseError(f"{raw}: no raw/ folder; run `dtwin data generate {out}` first")
    paths = sorted(p for p in raw.rglob("*") if p.is_file())
    days, problems = {}, {}
    for folder in sorted({p.parent for p in paths}):
        days[folder], problem = _folder_day(folder.name)
        if problem:
            problems[folder] = problem
    if problems:
        listed = "; ".join(f"{folder}: {why}" for folder, why in problems.items())
        raise WarehouseError(
            f"{listed}; day folders under {raw} are named YYYY-MM-DD, from "
            f"{FIRST_DAY} to {LAST_DAY} (rename or move the folder)"
        )
    found = []
    for path in paths:
        data = path.read_bytes()
        kind = KIND_OF_FILE.get(path.name, "unknown")
        end, lines = _prefix(data, kind)
        md5, prefix_md5 = _hashes(data, end)
        found.append(
            SourceFile(
                path=path,
                source_file=path.relative_to(out).as_posix(),
                kind=kind,
                file_date=days[path.parent],
                md5=md5,
                size=len(data),
                prefix_bytes=end,
                prefix_md5=prefix_md5,
                prefix_lines=lines,
            )
        )
    return found


def _hashes(data: bytes, end: int | None) -> tuple[str, str | None]:
    """The md5 of the whole file and of its first ``end`` bytes, in one pass over it."""
    view = memoryview(data)
    if end is None:
        return hashlib.md5(view).hexdigest(), None
    head = hashlib.md5(view[:end])
    whole = head.copy()
    whole.update(view[end:])
    return whole.hexdigest(), head.hexdigest()


def _prefix(data: bytes, kind: str) -> tuple[int | None, int | None]:
    """Where a later append must leave the file unchanged: (bytes, number of the last line).

    A JSON array ends at its last record (before the line break and the closing bracket);
    any other file at its end. A UTF-16 file has no prefix (appends to it are refused).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, None
    end = len(data)
    if kind == "sensor_logs":
        body = data.rstrip()
        if body.endswith(b"]"):
            end = len(body[:-1].rstrip())
    head = data[:end]
    breaks = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n")  # CRLF is one
    lines = breaks + (1 if head and not head.endswith((b"\n", b"\r")) else 0)
    return end, lines


def _folder_day(name: str) -> tuple[date | None, str | None]:
    """The day a folder stands for (None if not named like one) and what is wrong with it."""
    if not _DATE_RE.match(name):
        return None, None
    try:
        day = date.fromisoformat(name)
    except ValueError as exc:
        return None, f"folder name {name!r} is not a valid day ({exc})"
    if not FIRST_DAY <= day <= LAST_DAY:
        return None, f"day {name} is outside the supported range"
    return day, None


def new_files(con: DuckDBPyConnection, found: list[SourceFile]) -> list[SourceFile]:
    """Return the files not loaded yet and those appended to since (with ``from_line``); a
    loaded file whose old content changed is an error."""
    loaded = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT source_file, md5, prefix_bytes, prefix_md5, prefix_lines "
            "FROM bronze.ingested_files"
        ).fetchall()
    }
    fresh = []
    for item in found:
        seen = loaded.get(item.source_file)
        if seen is None:
            fresh.append(item)
        elif seen[0] != item.md5:
            from_line = _appended_after(item, *seen[1:])
            if from_line is None:
                raise WarehouseError(
                    f"{item.path}: already ingested with other content (md5 {seen[0]}, now "
                    f"{item.md5}); bronze is append-only, deliver corrections as a new file"
                )
            fresh.append(dataclasses.replace(item, from_line=from_line))
    return fresh


def _appended_after(
    item: SourceFile, size: int | None, md5: str | None, lines: int | None
) -> int | None:
    """The last old line when ``item`` only grew past its ingested prefix, else None."""
    if size is None or md5 is None or lines is None or item.size <= size:
        return None
    data = item.path.read_bytes()
    if hashlib.md5(data[:size]).hexdigest() != md5:
        return None
    rest = data[size:]
    if item.kind == "sensor_logs":
        rest = rest[1:] if rest.startswith(b",") else rest  # the old last record's comma
        return lines if rest.startswith((b"\n", b"\r")) else None
    # the old last line must be complete: a break ends it (before or after the prefix)
    ended = size == 0 or data[size - 1 : size] in (b"\n", b"\r")
    return lines if ended or rest.startswith((b"\n", b"\r")) else None
