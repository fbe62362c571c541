import click
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
    monkeypatch.setattr(cli, "_module_exists", lambda target: True)
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
