"""Checks that every bad-input table shares: one ``error:`` line, exit 2, no traceback."""

from __future__ import annotations

from typing import Any


def assert_one_error_line(result: Any, *words: str) -> None:
    """``result`` (a click ``Result``) refused with exactly one ``error:`` line holding ``words``.

    Only ``error:`` and ``warning:`` lines may be printed; the exit code is 2.
    """
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    assert not [
        line
        for line in result.output.splitlines()
        if line.strip() and not line.startswith(("error: ", "warning: "))
    ], result.output
    for word in words:
        assert word in errors[0], errors[0]
