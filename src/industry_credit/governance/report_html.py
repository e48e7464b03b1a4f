"""The backtest and compare reports as self-contained HTML pages (the CLI's --html and the UI)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.2f}%"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("industry_credit.governance", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    env.globals.update(fmt=fmt, pct=pct)
    return env


def render(report: dict[str, Any], report_id: int | None = None) -> str:
    template = _environment().get_template(f"{report['kind']}.html")
    return template.render(r=report, report_id=report_id)
