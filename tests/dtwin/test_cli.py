import click
import pytest
from click.testing import CliRunner

from dtwin import cli
from dtwin.errors import ConfigError


def test_help_lists_run():
    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0
    assert "run" in result.output


def test_dtwin_error_is_one_line_and_exit_2(monkeypatch):
    @click.command()
    def broken() -> None:
        raise ConfigError("factory.yaml: stations.0.machines: must be >= 1 (got 0)")

    monkeypatch.setitem(cli.SUBCOMMANDS, "broken", "tests_fake:broken")
    monkeypatch.setattr(
        cli.importlib, "import_module", lambda name: type("M", (), {"broken": broken})
    )
    result = CliRunner().invoke(cli.main, ["broken"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: factory.yaml: stations.0.machines: must be >= 1 (got 0)"
    )
    assert "Traceback" not in result.output


def test_listed_commands_all_load():
    runner = CliRunner()
    for name in cli.main.list_commands(click.Context(cli.main)):
        result = runner.invoke(cli.main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)


def _all_commands(group: click.Group, ctx: click.Context, prefix: str = ""):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            yield from _all_commands(command, click.Context(command, parent=ctx), path)
        else:
            yield path, command


def test_no_numeric_option_accepts_nan_or_an_overflowing_seed():
    """Every float option rejects nan/inf; every seed fits the libraries underneath."""
    from dtwin.cli_params import SEED_MAX, FiniteFloat

    offenders = []
    for path, command in _all_commands(cli.main, click.Context(cli.main)):
        for param in command.params:
            kind = param.type
            if isinstance(kind, click.types.FloatParamType) and not isinstance(kind, FiniteFloat):
                offenders.append(f"{path} {param.name}: plain float")
            if param.name == "seed" and not (
                isinstance(kind, click.IntRange) and kind.min == 0 and kind.max == SEED_MAX
            ):
                offenders.append(f"{path} {param.name}: seed not in [0, {SEED_MAX}]")
            if type(kind) is click.types.IntParamType:
                offenders.append(f"{path} {param.name}: unbounded int")
    assert offenders == []


def test_usage_errors_are_one_error_line():
    runner = CliRunner()
    for args in (["--no-such-flag"], ["no-such-command"], ["run", "--profile", "huge"]):
        result = runner.invoke(cli.main, args)
        assert result.exit_code == 2, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.output)


def test_os_error_is_one_error_line_with_the_system_reason(monkeypatch):
    import errno

    @click.command()
    def full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/data/warehouse.duckdb")

    monkeypatch.setitem(cli.SUBCOMMANDS, "full", "tests_fake:full")
    monkeypatch.setattr(cli.importlib, "import_module", lambda name: type("M", (), {"full": full}))
    result = CliRunner().invoke(cli.main, ["full"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: /data/warehouse.duckdb: No space left on device"


def test_finite_float_rejects_non_finite_and_out_of_range():
    from dtwin.cli_params import FiniteFloat

    kind = FiniteFloat(min=0, min_open=True)
    assert kind.convert("2.5", None, None) == 2.5
    for bad in ("nan", "inf", "-inf", "1e999", "abc", "0", "-1"):
        with pytest.raises(click.BadParameter):
            kind.convert(bad, None, None)
