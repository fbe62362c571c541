"""One hierarchy for every error dtwin raises on purpose.

The CLI and the apps print ``str(error)`` on one line; the message names the file, field or
value at fault and what would be valid.
"""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) as one space."""
    return " ".join(str(text).split())


class DtwinError(Exception):
    """Base class of all errors that dtwin raises for bad input or failed runs."""


class ConfigError(DtwinError):
    """A configuration file or parameter is invalid (names the field and the valid choices)."""


class DataError(DtwinError):
    """An input data file (image, CSV, JSON, instance) cannot be used."""


class ScheduleError(DtwinError):
    """A scheduling instance is invalid, infeasible, or a schedule violates it."""

    def __init__(self, message: str, violations: list[str] | None = None) -> None:
        super().__init__(message)
        self.violations = list(violations or [])


class SimulationError(DtwinError):
    """A simulation cannot run as configured (e.g. a deadlock)."""


class VisionError(DtwinError):
    """A model, checkpoint or image cannot be used by the vision pipeline."""


class WarehouseError(DtwinError):
    """The data warehouse cannot ingest or validate the given data."""


class PipelineError(DtwinError):
    """The notebook pipeline is misconfigured or a notebook failed."""


class NotebookFailed(PipelineError):
    """A pipeline notebook raised an error in one of its cells."""

    def __init__(self, notebook: str, cell_index: int | None, ename: str, evalue: str) -> None:
        where = f"cell {cell_index}" if cell_index is not None else "an unknown cell"
        super().__init__(f"notebook {notebook} failed in {where}: {ename}: {evalue}")
        self.notebook = notebook
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
