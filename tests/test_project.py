"""Project-wide rules: layout, dependencies, notebook hygiene, import direction, lint."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("apps/*.ipynb")])
UI_PACKAGES = {"ipywidgets", "pythreejs", "bqplot", "voila", "widgets", "IPython.display"}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_top_level_layout():
    for name in [
        "notebooks",
        "dtwin",
        "widgets",
        "apps",
        "data",
        "models",
        "tests",
        "environment.yml",
        "pyproject.toml",
        "README.md",
        ".ci/run",
        "Makefile",
        "benchmarks",
    ]:
        assert (ROOT / name).exists(), name


def test_environment_yml_names_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra, reqs in project["optional-dependencies"].items():
        if extra != "all":
            wanted |= {_name(r) for r in reqs}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {_name(r) for r in pip if not r.startswith("-e")}
    assert wanted - listed == set(), "environment.yml lacks these pyproject dependencies"
    assert "torch==2.14.1" in pip and "torchvision==0.29.1" in pip


def test_readme_quick_start_has_the_two_commands():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)\s*$", quick, flags=re.M)
    assert commands == ["make run", "make test"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_clean_and_parameterised(path: Path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs committed"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "needs exactly one cell tagged 'parameters'"


def test_pipeline_lists_every_notebook():
    spec = yaml.safe_load((ROOT / "notebooks" / "pipeline.yaml").read_text())
    listed = {step["notebook"] for step in spec["steps"]}
    present = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert listed == present


def test_core_never_imports_ui_code():
    offenders = []
    for path in (ROOT / "dtwin").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if any(name == ui or name.startswith(ui + ".") for ui in UI_PACKAGES):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


ENGINES = {"sim", "schedule", "vision", "warehouse", "health"}
JOINERS = {"twin"}  # the only parts allowed to import several engines
BASE = {
    "errors",
    "config",
    "paths",
    "lazy",
    "cli_params",
    "environment",
    "backends",
    "progress",
    "event_schema",
}


def _dtwin_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return [n for n in names if n == "dtwin" or n.startswith("dtwin.")]


def test_the_layering_holds():
    """Engines never import each other, the library never imports a CLI, the base no engine."""
    offenders = []
    for path in sorted((ROOT / "dtwin").rglob("*.py")):
        rel = path.relative_to(ROOT / "dtwin").with_suffix("")
        own = rel.parts[0] if len(rel.parts) > 1 else rel.name
        for name in _dtwin_imports(path):
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else ""
            where = f"{path.relative_to(ROOT)} imports {name}"
            if target in ENGINES and own in ENGINES and own != target:
                offenders.append(f"{where}: engines never import each other")
            if own in BASE and target in ENGINES | JOINERS | {"pipeline"}:
                offenders.append(f"{where}: the base imports no engine")
            is_cli = parts[-1] == "cli"
            if is_cli and rel.name not in {"cli", "__main__"}:
                offenders.append(f"{where}: only CLI modules import CLI modules")
    assert offenders == []


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_no_function_is_longer_than_80_lines():
    long = [
        f"{path.relative_to(ROOT)}:{fn.lineno} {fn.name} ({fn.end_lineno - fn.lineno + 1} lines)"
        for folder in ("dtwin", "widgets")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for fn in _functions(path)
        if fn.end_lineno - fn.lineno + 1 > 80
    ]
    assert long == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_and_apps_import_only_fronts(path: Path):
    """``from dtwin.vision import X``, never ``from dtwin.vision.train import X``."""
    deep = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        for node in ast.walk(ast.parse(source)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            deep += [n for n in names if n.startswith("dtwin.") and n.count(".") >= 2]
    assert deep == []


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
