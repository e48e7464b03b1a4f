"""Queue basics in real Chromium: search by name or USCC as one types, the grade-band filter,
and the flags column in words."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Live, login

pytestmark = pytest.mark.browser

ROWS = "#queue-table tbody tr"


def _ids(page: Any) -> list[int]:
    return list(page.locator(ROWS).evaluate_all("els => els.map(e => Number(e.dataset.caseId))"))


def test_search_band_and_flags(live: Live, page: Any) -> None:
    login(page, live.base_url, "officer_li")
    page.wait_for_selector("#queue-table")
    everything = _ids(page)
    assert live.seeded.evidence_case in everything

    # Flags in words, in their own column.
    row = page.locator(f"{ROWS}[data-case-id='{live.seeded.evidence_case}']")
    assert "客户集中度过高" in row.locator("td.flags").inner_text()
    assert row.locator("td.flags [data-flag=stage_disagreement]").count() == 1

    # Typing a part of the name filters as one types; the address bar follows.
    page.fill("input[name=q]", "初创智能眼镜")
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === 1")
    assert _ids(page) == [live.seeded.evidence_case]
    page.wait_for_url("**q=**")
    uscc = row.locator("small.mono").inner_text()
    page.fill("input[name=q]", uscc[:12].lower())
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{ROWS} small.mono')]"
        f".every(u => u.textContent.startsWith('{uscc[:12]}'))"
    )
    assert live.seeded.evidence_case in _ids(page)
    page.fill("input[name=q]", "")
    page.wait_for_function(
        f"() => document.querySelectorAll('{ROWS}').length === {len(everything)}"
    )

    # The band filter: only grades of that band remain.
    page.select_option("select[name=band]", "investment")
    page.wait_for_url("**band=investment**")
    grades = page.locator(ROWS).evaluate_all("els => els.map(e => e.dataset.grade)")
    assert grades
    assert all(g.startswith(("A", "BBB")) for g in grades), grades
    page.select_option("select[name=band]", "speculative")
    page.wait_for_url("**band=speculative**")
    grades = page.locator(ROWS).evaluate_all("els => els.map(e => e.dataset.grade)")
    assert "BB-" in grades
    assert all(g.startswith(("BB", "B")) and not g.startswith("BBB") for g in grades), grades
