"""The ``dtwin`` command: parses arguments, calls the library, prints results.

Sub-commands live beside the code they drive (``dtwin/<part>/cli.py``) and are imported only
when used, so ``dtwin --help`` stays fast and does not load PyTorch.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from dtwin.errors import DtwinError

# name -> "module:attribute" of a click command; a part appears once its module exists.
SUBCOMMANDS: dict[str, str] = {
    "run": "dtwin.pipeline.cli:run",
    "data": "dtwin.warehouse.cli:data",
    "vision": "dtwin.vision.cli:vision",
    "simulate": "dtwin.sim.cli:simulate",
    "schedule": "dtwin.schedule.cli:schedule",
}


class LazyGroup(click.Group):
    """A click group that imports each sub-command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, target in SUBCOMMANDS.items() if _module_exists(target)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None or not _module_exists(target):
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def invoke(self, ctx: click.Context) -> object:
        """Run the sub-command; a DtwinError becomes one line on stderr and exit code 2."""
        try:
            return super().invoke(ctx)
        except DtwinError as exc:
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            ctx.exit(2)


def _module_exists(target: str) -> bool:
    try:
        return importlib.util.find_spec(target.split(":")[0]) is not None
    except ModuleNotFoundError:  # the parent package of a part not built yet
        return False


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dtwin")
def main() -> None:
    """dtwin: a digital-twin workbench for factories."""
