"""HTML from the Jinja2 templates in ``templates/``, PDF from that HTML with WeasyPrint."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from biolake.resources import resource_dir


def render_template(name: str, **context: Any) -> str:
    """Render ``templates/<name>`` (HTML-escaped when the name ends in .html.j2)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("templates")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(name).render(**context)


def write_pdf(html: str, path: Path) -> Path:
    """Render ``html`` to a PDF at ``path`` (written to a temporary name, then renamed)."""
    import logging

    from weasyprint import HTML

    for name in ("weasyprint", "fontTools"):  # font subsetting chatter
        logging.getLogger(name).setLevel(logging.ERROR)
    tmp = path.with_name(f".{path.name}.tmp")
    HTML(string=html, base_url=str(resource_dir("templates"))).write_pdf(tmp)
    tmp.replace(path)
    return path


def write_text(text: str, path: Path) -> Path:
    """Write ``text`` atomically (temporary name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def save_report(html: str, folder: Path, stem: str, pdf: bool) -> tuple[Path, Path | None]:
    """Write ``<stem>.html`` (and ``<stem>.pdf``) to ``folder``, creating it; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    html_path = write_text(html, folder / f"{stem}.html")
    return html_path, write_pdf(html, folder / f"{stem}.pdf") if pdf else None


def report_stem(kind: str, day: date, subject: str) -> str:
    """``weekly-2026-11-14``, with ``-<subject>`` for any subject but the default ``me``."""
    return f"{kind}-{day.isoformat()}" + ("" if subject == "me" else f"-{subject}")
