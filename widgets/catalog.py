"""The landing page's list of apps: each notebook in ``apps/`` with its title, its description
(the first paragraph under the title) and a link that Voila renders."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

APPS_DIR = Path(__file__).resolve().parents[1] / "apps"
ORDER = ("kpi_dashboard", "factory_floor", "control_room", "schedule_board", "quality_inspector")


@dataclass(frozen=True)
class AppEntry:
    """One app: its notebook's stem, title and description."""

    name: str
    title: str
    description: str

    @property
    def link(self) -> str:
        """Relative link from the landing page (Voila renders ``<name>.ipynb`` beside it)."""
        return f"{self.name}.ipynb"


def describe_app(path: Path) -> AppEntry:
    """Title (the first ``# `` heading) and first paragraph of a notebook's first markdown cell."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    text = next(
        ("".join(c["source"]) for c in notebook.get("cells", []) if c["cell_type"] == "markdown"),
        "",
    )
    lines = text.strip().splitlines()
    title = path.stem.replace("_", " ").capitalize()
    if lines and lines[0].startswith("# "):
        title, lines = lines[0][2:].strip(), lines[1:]
    paragraph: list[str] = []
    for line in lines:
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return AppEntry(path.stem, title, " ".join(paragraph))


def app_catalog(folder: Path = APPS_DIR, skip: tuple[str, ...] = ("index",)) -> list[AppEntry]:
    """Every app notebook of ``folder`` but ``skip``, in ``ORDER`` first, then by name."""
    paths = [p for p in sorted(folder.glob("*.ipynb")) if p.stem not in skip]
    rank = {name: i for i, name in enumerate(ORDER)}
    paths.sort(key=lambda p: (rank.get(p.stem, len(ORDER)), p.stem))
    return [describe_app(p) for p in paths]


def catalog_html(entries: list[AppEntry]) -> str:
    """Cards with each app's linked title and description."""
    cards = "".join(
        "<div class='dtwin-app-card' style='border:1px solid #ddd;border-radius:6px;"
        "padding:8px 14px;margin:8px 0;max-width:900px'>"
        f"<a class='dtwin-app-link' href='{html.escape(e.link)}' style='font-size:17px;"
        f"font-weight:600'>{html.escape(e.title)}</a>"
        f"<div style='font-size:13px;color:#333;margin-top:4px'>{html.escape(e.description)}"
        f"</div><div style='font-size:11px;color:#888'>apps/{html.escape(e.link)}</div></div>"
        for e in entries
    )
    return f"<div class='dtwin-app-catalog'>{cards}</div>"
