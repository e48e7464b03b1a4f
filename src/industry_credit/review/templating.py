"""Jinja2 templates of the workbench and what every page gets: labels, formats, the user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from industry_credit.review.messages import code_label, translator
from industry_credit.review.uiauth import UiSession, lang_of

HERE = Path(__file__).parent
# Starlette's Jinja2 environment autoescapes, so every value from the database is escaped.
templates = Jinja2Templates(directory=str(HERE / "templates"))

# Security headers for every page: only our own scripts and styles, nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def money(value: float | None, lang: str) -> str:
    """CNY the way each audience reads it: 万/亿 in Chinese, M/bn in English."""
    if value is None:
        return "—"
    if lang == "zh":
        if abs(value) >= 1e8:
            return f"{value / 1e8:,.2f} 亿元"
        return f"{value / 1e4:,.2f} 万元"
    if abs(value) >= 1e9:
        return f"CNY {value / 1e9:,.2f}bn"
    if abs(value) >= 1e6:
        return f"CNY {value / 1e6:,.2f}M"
    return f"CNY {value:,.0f}"


def short_money(value: float, lang: str) -> str:
    """Compact labels for chart points."""
    if lang == "zh":
        return f"{value / 1e4:,.0f}万" if abs(value) < 1e8 else f"{value / 1e8:,.2f}亿"
    return f"{value / 1e6:,.1f}M"


def pct(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}%}"


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    ui: UiSession | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = ui.lang if ui else lang_of(request)

    def label(kind: str, code: str | None) -> str:
        return code_label(lang, kind, code)

    base = {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "label": label,
        "money": lambda v: money(v, lang),
        "short_money": lambda v: short_money(v, lang),
        "pct": pct,
        "ui": ui,
        "path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    }
    response = templates.TemplateResponse(request, name, base, status_code=status_code)
    response.headers.update(PAGE_HEADERS)
    return response
