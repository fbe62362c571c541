"""The ``dtwin`` command: parses arguments, calls the library, prints results.

Sub-commands live beside the code they drive (``dtwin/<part>/cli.py``) and are imported only
when used, so ``dtwin --help`` stays fast and does not load PyTorch.
"""

from __future__ import annotations

import importlib
import sys

import click

from dtwin.errors import DtwinError, one_line

# name -> "module:attribute" of a click command, imported when the command is used
SUBCOMMANDS: dict[str, str] = {
    "run": "dtwin.pipeline.cli:run",
    "data": "dtwin.warehouse.cli:data",
    "vision": "dtwin.vision.cli:vision",
    "simulate": "dtwin.sim.cli:simulate",
    "schedule": "dtwin.schedule.cli:schedule",
    "twin": "dtwin.twin.cli:twin",
    "health": "dtwin.health.cli:health",
}


class LazyGroup(click.Group):
    """A click group that imports each sub-command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def invoke(self, ctx: click.Context) -> object:
        """Run the sub-command; bad input becomes one line on stderr and exit code 2.

        A ``DtwinError`` is bad input by definition; an ``OSError`` that reaches this far is a
        file system refusal (no such folder, permission denied, no space left on device) and is
        reported with its path and the system's own reason.
        """
        try:
            return super().invoke(ctx)
        except DtwinError as exc:
            _fail(str(exc), 2)
        except OSError as exc:
            _fail(_describe_os_error(exc), 2)

    def main(self, *args, standalone_mode: bool = True, **kwargs):  # type: ignore[override]
        """As click's ``main``, but usage errors are one ``error: ...`` line too (exit 2)."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            _fail("aborted", 1)
        sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


def _describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(names)}: {reason}" if names else reason


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dtwin")
def main() -> None:
    """dtwin: a digital-twin workbench for factories."""
