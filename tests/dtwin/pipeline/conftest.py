"""A tiny pipeline of fixture notebooks, written fresh for each test."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest


def write_notebook(path: Path, parameters: str, body: str) -> Path:
    """Write a two-cell notebook: a ``parameters`` cell and a body cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def tiny_pipeline(tmp_path: Path) -> Path:
    """A pipeline of two independent recording notebooks and one that needs the first."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(
        folder / "a.ipynb",
        "scale = 1",
        "from dtwin.pipeline import record, artifacts_dir\n"
        "record('value', 10 * scale)\n"
        "record('label', 'a')\n"
        "(artifacts_dir() / 'out.txt').write_text('hello')",
    )
    write_notebook(
        folder / "b.ipynb",
        "offset = 0",
        "from dtwin.pipeline import record\nimport os\n"
        "record('value', 3 + offset)\nrecord('cwd', os.getcwd())",
    )
    write_notebook(folder / "c.ipynb", "x = 1", "from dtwin.pipeline import record\nrecord('x', x)")
    spec = folder / "pipeline.yaml"
    spec.write_text(
        "steps:\n"
        "  - name: a\n    notebook: a.ipynb\n"
        "    parameters: {smoke: {scale: 1}, full: {scale: 2}}\n"
        "    tolerances: {value: {rel: 0.05}}\n"
        "  - name: b\n    notebook: b.ipynb\n"
        "    parameters: {smoke: {offset: 0}}\n"
        "    tolerances: {value: {abs: 1, better: higher}}\n"
        "  - name: c\n    notebook: c.ipynb\n    needs: [a]\n"
    )
    return spec


@pytest.fixture
def failing_pipeline(tmp_path: Path) -> Path:
    """A pipeline whose second notebook raises in its body cell."""
    folder = tmp_path / "failing"
    folder.mkdir()
    write_notebook(
        folder / "ok.ipynb", "n = 1", "from dtwin.pipeline import record\nrecord('n', n)"
    )
    write_notebook(folder / "bad.ipynb", "n = 1", "raise ValueError(f'broken input n={n}')")
    write_notebook(folder / "after.ipynb", "n = 1", "pass")
    spec = folder / "pipeline.yaml"
    spec.write_text(
        "steps:\n  - {name: ok, notebook: ok.ipynb}\n"
        "  - {name: bad, notebook: bad.ipynb}\n"
        "  - {name: after, notebook: after.ipynb}\n"
    )
    return spec
