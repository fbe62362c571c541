"""``dtwin health``: stand-in data, RUL models and failure models from the command line.

Thin: parse, call ``dtwin.health``, print. Bad input raises ``DataError``/``ConfigError``, which
``dtwin.cli`` prints as one ``error:`` line with exit code 2; notes that do not stop the run
(leaking columns, padded short units) are ``warning:`` lines on stderr.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import click

from dtwin.cli_params import FiniteFloat, seed_option
from dtwin.errors import DataError

SHORT_UNITS = ("pad", "refuse")


def _print_json(data: object) -> None:
    from dtwin.health.modelcard import to_jsonable

    click.echo(json.dumps(to_jsonable(data), indent=2))


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


@click.group("health")
def health() -> None:
    """Sensor health: remaining useful life, failure prediction, stand-in data."""


@health.group("generate")
def generate() -> None:
    """Write seeded stand-in data sets (C-MAPSS-like engines, an AI4I-like failure table)."""


@generate.command("cmapss")
@click.argument("out", type=click.Path(file_okay=False))
@seed_option()
@click.option("--mode", type=click.Choice(["FD001", "FD002"]), default="FD001", show_default=True)
@click.option("--train-units", type=click.IntRange(2, 2000), default=100, show_default=True)
@click.option("--test-units", type=click.IntRange(1, 2000), default=100, show_default=True)
def generate_cmapss(out: str, seed: int, mode: str, train_units: int, test_units: int) -> None:
    """train_<MODE>.txt, test_<MODE>.txt and RUL_<MODE>.txt in OUT (C-MAPSS text layout)."""
    from dtwin.health.turbofan import generate_turbofan

    data = generate_turbofan(seed, train_units, test_units, mode)
    for name, path in data.write(out, mode).items():
        click.echo(f"{name}: {path}")


@generate.command("failures")
@click.argument("out", type=click.Path(file_okay=False))
@seed_option()
@click.option("--rows", type=click.IntRange(10, 1_000_000), default=10_000, show_default=True)
def generate_failures(out: str, seed: int, rows: int) -> None:
    """ai4i_standin.csv (train) and ai4i_standin_test.csv (held out) in OUT."""
    from dtwin.health.machining import generate_machining

    for name, path in generate_machining(seed, rows).write(out).items():
        click.echo(f"{name}: {path}")


@health.group("rul")
def rul() -> None:
    """Remaining useful life from run-to-failure sensor histories."""


@rul.command("train")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["cmapss", "table"]), default="cmapss")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Model folder.")
@seed_option()
@click.option("--model", type=click.Choice(["cnn", "gbm"]), default="cnn", show_default=True)
@click.option("--epochs", type=click.IntRange(1, 1000), default=None, help="CNN epochs.")
@click.option("--members", type=click.IntRange(1, 20), default=None, help="CNN ensemble size.")
@click.option("--window", type=click.IntRange(1, 1000), default=30, show_default=True)
@click.option("--cap", type=FiniteFloat(min=0, min_open=True), default=125.0, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
def rul_train(file, fmt, out, seed, model, epochs, members, window, cap, progress) -> None:
    """Train a RUL model on FILE (every unit runs to failure) into the folder OUT."""
    from dataclasses import replace

    from dtwin.health.rul import RulConfig, train_rul
    from dtwin.health.series import read_histories

    frame = read_histories(file, fmt)
    config = RulConfig(model=model, window=window, cap=cap, seed=seed, progress=progress)
    if epochs is not None:
        config = replace(config, cnn=replace(config.cnn, epochs=epochs))
    if members is not None:
        config = replace(config, members=members)
    trained = train_rul(frame, config, source=file)
    trained.card["data"]["format"] = fmt
    trained.save(out)
    metrics = trained.card["metrics"]
    click.echo(
        f"{out}: {model} on {len(frame['unit'].unique())} units, "
        f"calibration RMSE {metrics['calibration_rmse']:.2f}, "
        f"coverage {metrics['calibration_coverage']:.0%}, "
        f"{trained.card['training']['seconds']:.0f} s"
    )


def _load_rul_input(model_dir: str, file: str, fmt: str | None, short: str):
    from dtwin.health.rul import RulModel
    from dtwin.health.series import read_histories

    model = RulModel.load(model_dir)
    frame = read_histories(file, fmt or model.card["data"].get("format", "cmapss"))
    window = model.preprocessing.window
    lengths = frame.groupby("unit")["cycle"].size()
    short_units = lengths[lengths < window]
    if len(short_units):
        listed = ", ".join(f"unit {u} ({n} cycles)" for u, n in short_units.items())
        if short == "refuse":
            raise DataError(f"{file}: shorter than the window of {window} cycles: {listed}")
        _warn(f"{file}: padded with the first row to {window} cycles: {listed}")
    return model, frame


def _input_options(fn):
    fn = click.option(
        "--short-units",
        type=click.Choice(SHORT_UNITS),
        default="pad",
        show_default=True,
        help="Units shorter than the window: pad with their first row, or refuse the file.",
    )(fn)
    fn = click.option(
        "--format",
        "fmt",
        type=click.Choice(["cmapss", "table"]),
        default=None,
        help="Input format (default: the training data's).",
    )(fn)
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")(fn)


@rul.command("evaluate")
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.argument("test_file", type=click.Path(dir_okay=False))
@click.option("--truth", type=click.Path(dir_okay=False), required=True, help="RUL file.")
@_input_options
def rul_evaluate(model_dir, test_file, truth, fmt, short_units, as_json) -> None:
    """RMSE and NASA score on the last window of each unit of TEST_FILE."""
    from dtwin.health.rul import evaluate_rul
    from dtwin.health.series import read_rul_truth

    model, frame = _load_rul_input(model_dir, test_file, fmt, short_units)
    result = evaluate_rul(model, frame, read_rul_truth(truth), source=test_file)
    if as_json:
        _print_json(result.to_dict())
    else:
        click.echo(
            f"{result.units} units: RMSE {result.rmse:.2f}, NASA score {result.score:.1f}, "
            f"interval coverage {result.coverage:.0%}"
        )


@rul.command("predict")
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.argument("file", type=click.Path(dir_okay=False))
@_input_options
def rul_predict(model_dir, file, fmt, short_units, as_json) -> None:
    """Predicted RUL and its interval for every unit of FILE."""
    model, frame = _load_rul_input(model_dir, file, fmt, short_units)
    table = model.predict(frame, source=file)
    if as_json:
        _print_json({"alpha": model.bands.alpha, "units": table.to_dict(orient="records")})
    else:
        for row in table.itertuples(index=False):
            click.echo(f"unit {row.unit}: RUL {row.rul:.1f} [{row.lo:.1f}, {row.hi:.1f}]")


@health.group("failure")
def failure() -> None:
    """Failure prediction from tabular records with a 0/1 target."""


@failure.command("train")
@click.argument("csv", type=click.Path(dir_okay=False))
@click.option("--target", required=True, help="The 0/1 target column.")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Model folder.")
@seed_option()
@click.option("--exclude", multiple=True, help="A column to leave out (repeatable).")
@click.option("--iterations", type=click.IntRange(1, 5000), default=300, show_default=True)
def failure_train(
    csv: str, target: str, out: str, seed: int, exclude: tuple[str, ...], iterations: int
) -> None:
    """Train a failure classifier on CSV into the folder OUT."""
    from dtwin.health.failure import FailureConfig, train_failure
    from dtwin.health.tables import read_failure_table

    frame = read_failure_table(csv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train_failure(
            frame, target, FailureConfig(seed=seed, exclude=exclude, max_iter=iterations), csv
        )
    for note in model.warnings:
        _warn(note)
    model.save(out)
    val = model.card["metrics"]["validation"]
    click.echo(
        f"{out}: threshold {model.threshold:.3f}, out-of-fold F1 {val['f1']:.3f}, "
        f"PR-AUC {val['pr_auc']:.3f}"
    )


@failure.command("evaluate")
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.argument("csv", type=click.Path(dir_okay=False))
@click.option("--target", required=True, help="The 0/1 target column.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def failure_evaluate(model_dir: str, csv: str, target: str, as_json: bool) -> None:
    """F1, precision, recall, PR-AUC and confusion matrix on CSV."""
    from dtwin.health.failure import FailureModel, evaluate_failure
    from dtwin.health.tables import read_failure_table

    model = FailureModel.load(model_dir)
    report = evaluate_failure(model, read_failure_table(csv), target, csv)
    if as_json:
        _print_json(report)
    else:
        c = report["confusion"]
        click.echo(
            f"F1 {report['f1']:.3f}, precision {report['precision']:.3f}, recall "
            f"{report['recall']:.3f}, PR-AUC {report['pr_auc']:.3f} "
            f"(tp {c['tp']}, fp {c['fp']}, fn {c['fn']}, tn {c['tn']})"
        )


@failure.command("predict")
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.argument("csv", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write a CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def failure_predict(model_dir: str, csv: str, out: str | None, as_json: bool) -> None:
    """Failure probability and the 0/1 decision for every row of CSV."""
    from dtwin.health.failure import FailureModel
    from dtwin.health.tables import read_failure_table

    model = FailureModel.load(model_dir)
    table = model.predict(read_failure_table(csv), csv)
    if out is not None:
        table.to_csv(Path(out), index=False)
    if as_json:
        _print_json({"threshold": model.threshold, "rows": table.to_dict(orient="records")})
    elif out is None:
        click.echo(table.to_csv(index=False), nl=False)
    else:
        click.echo(f"{out}: {len(table)} rows, {int(table['failure'].sum())} predicted failures")
