"""The case page's reasons in real Chromium, zh and en: the engine-derived stage beside the
declared one with its rule, rule hits with descriptions and the value that fired against its
threshold, citations by document name, flags and bounds in words, a loss with its sign. The
numbers are checked against the REST API's document for the same case."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import Live, login, shoot
from tests.factories import review as f

pytestmark = pytest.mark.browser


def _api_document(live: Live) -> dict[str, Any]:
    headers = f.bearer(f.review_app(live.database_url), "officer_li", "risk_officer")
    answer = httpx.get(
        f"{live.base_url}/v1/reviews/{live.seeded.evidence_case}", headers=headers, timeout=30
    )
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()["decision"]
    return document


def test_reasons_in_words_with_evidence_in_both_languages(live: Live, page: Any) -> None:
    doc = _api_document(live)
    share = next(r["value"] for r in doc["reasons"] if r["feature"] == "top_buyer_share")
    roa = next(r["value"] for r in doc["reasons"] if r["feature"] == "roa")

    login(page, live.base_url, "officer_li")
    page.goto(f"{live.base_url}/ui/cases/{live.seeded.evidence_case}")
    page.wait_for_selector("#rules")
    assert page.locator("#stage-declared").get_attribute("data-stage") == doc["stage_declared"]
    assert page.locator("#stage-derived").get_attribute("data-stage") == "startup"
    assert "初创期" in page.locator("#stage-derived").inner_text()
    assert "STG-STARTUP" in page.locator("#stage-rule").inner_text()
    assert "成立年限 2 < 3" in page.locator("#stage-rule").inner_text()
    row = page.locator("#rules tr[data-rule=REF-BUYER-CONCENTRATION]")
    assert "单一客户销售占比过高" in row.inner_text()
    assert f"第一大客户占比 {share:.0%} > 60%" in row.locator("td.evidence").inner_text()
    assert row.locator("td.cite").inner_text() == (
        "《上海市智能终端产业高质量发展行动方案（2026–2027年）》政策解读 §(四)2"
    )
    assert (
        "客户集中度过高"
        in page.locator("#flag-list li[data-flag=buyer_concentration]").inner_text()
    )
    assert (
        "客户集中度过高" in page.locator("#case-head [data-flag=buyer_concentration]").inner_text()
    )
    assert "申请金额/期限" in page.locator("#limit-binding").inner_text()
    assert "技术生命周期" in page.locator("#tenor-binding").inner_text()
    reasons = page.locator("#reason-list").inner_text()
    assert f"总资产收益率为{roa:.0%}" in reasons  # "-23%"
    assert "总资产收益率为23%" not in reasons
    shoot(page, "case-evidence")

    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert "Start-up" in page.locator("#stage-derived").inner_text()
    row = page.locator("#rules tr[data-rule=REF-BUYER-CONCENTRATION]")
    assert "One buyer takes too large a share of sales" in row.inner_text()
    assert f"Largest buyer's share {share:.0%} > 60%" in row.inner_text()
    assert "Shanghai Smart Terminal Action Plan" in row.locator("td.cite").inner_text()
    assert "Return on assets at -23%" in page.locator("#reason-list").inner_text()
    assert "the amount or tenor requested" in page.locator("#limit-binding").inner_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_evidence_fits_1024(live: Live, page: Any, lang: str) -> None:
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, live.base_url, "officer_li")
    case = f"/ui/cases/{live.seeded.evidence_case}"
    page.goto(f"{live.base_url}/ui/lang?to={lang}&next={case}")
    page.wait_for_selector("#rules")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    wrap = page.evaluate(
        "(() => { const w = document.querySelector('#rules .table-wrap');"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrap[0] <= wrap[1], f"the rule table scrolls inside its card: {wrap}"
    page.goto(f"{live.base_url}/ui/batch/report")
    page.wait_for_selector("#batch-counts")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
