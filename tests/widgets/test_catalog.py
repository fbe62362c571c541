"""The landing page's app list: titles and descriptions read from notebooks, order and cards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from widgets.catalog import APPS_DIR, ORDER, AppEntry, app_catalog, catalog_html, describe_app


def write_notebook(folder: Path, stem: str, *cells: tuple[str, str]) -> Path:
    """A notebook of (cell_type, source) cells, each source a list of lines as Jupyter stores."""
    path = folder / f"{stem}.ipynb"
    notebook = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
            for kind, source in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("cells", "title", "description"),
    [
        (
            [("markdown", "# Plant dashboard\n\nFour quadrants\nover one day.\n\nMore text.")],
            "Plant dashboard",
            "Four quadrants over one day.",
        ),
        (
            [("code", "x = 1"), ("markdown", "#   Spaced title  \nRight under it.")],
            "Spaced title",
            "Right under it.",
        ),
        ([("markdown", "No heading here.\n\nSecond.")], "My app", "No heading here."),
        ([("markdown", "# Only a title")], "Only a title", ""),
        ([("code", "print(1)")], "My app", ""),
        ([], "My app", ""),
    ],
    ids=[
        "title-and-paragraph",
        "first-markdown-cell-after-code",
        "no-heading",
        "title-only",
        "no-markdown",
        "no-cells",
    ],
)
def test_describe_app(tmp_path: Path, cells: list, title: str, description: str) -> None:
    entry = describe_app(write_notebook(tmp_path, "my_app", *cells))
    assert entry == AppEntry("my_app", title, description)
    assert entry.link == "my_app.ipynb"


def test_only_the_first_markdown_cell_is_read(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, "a", ("markdown", "# First\nOne."), ("markdown", "# Second"))
    assert describe_app(path).title == "First"


def test_catalog_order_known_apps_first_then_by_name(tmp_path: Path) -> None:
    for stem in ["zeta", "schedule_board", "index", "alpha", "kpi_dashboard"]:
        write_notebook(tmp_path, stem, ("markdown", f"# {stem}"))
    names = [e.name for e in app_catalog(tmp_path)]
    assert names == ["kpi_dashboard", "schedule_board", "alpha", "zeta"]


def test_catalog_skip_and_empty_folder(tmp_path: Path) -> None:
    assert app_catalog(tmp_path) == []
    write_notebook(tmp_path, "index", ("markdown", "# Index"))
    write_notebook(tmp_path, "alpha", ("markdown", "# Alpha"))
    assert [e.name for e in app_catalog(tmp_path, skip=())] == ["alpha", "index"]
    assert [e.name for e in app_catalog(tmp_path, skip=("alpha",))] == ["index"]


def test_shipped_apps_all_have_a_title_and_a_description() -> None:
    entries = app_catalog()
    names = [e.name for e in entries]
    assert "index" not in names
    assert names[: len(ORDER)] == [n for n in ORDER if (APPS_DIR / f"{n}.ipynb").exists()]
    for entry in entries:
        assert (APPS_DIR / entry.link).is_file()
        assert entry.title and entry.description, entry.name


def test_catalog_html_links_and_escapes() -> None:
    entries = [
        AppEntry("kpi_dashboard", "KPI <dashboard>", "Units & OEE per day"),
        AppEntry("other", "Other", ""),
    ]
    page = catalog_html(entries)
    assert page.count("dtwin-app-card") == 2
    assert "href='kpi_dashboard.ipynb'" in page and "href='other.ipynb'" in page
    assert "KPI &lt;dashboard&gt;" in page and "Units &amp; OEE per day" in page
    assert "apps/kpi_dashboard.ipynb" in page
    assert page.index("kpi_dashboard") < page.index("other")


def test_catalog_html_without_apps() -> None:
    assert catalog_html([]) == "<div class='dtwin-app-catalog'></div>"
