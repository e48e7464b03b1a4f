"""The workbench in real headless Chromium: an officer filters the queue, reads a case (the
waterfall and the supply-chain graph are drawn with data) and overrides it; a second officer
completes a large approval; an RM is refused; the panorama renders; zh/en and 1024 px work."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from industry_credit.audit.service import verify_chain
from tests.browser.conftest import Live, login, shoot
from tests.factories import review as f

pytestmark = pytest.mark.browser


def chain_intact(live: Live) -> None:
    engine = create_engine(live.database_url)
    try:
        with Session(engine) as s:
            _, broken = verify_chain(session=s)
        assert broken is None, broken
    finally:
        engine.dispose()


def test_officer_filters_queue_opens_case_and_overrides(live: Live, page: Any) -> None:
    login(page, live.base_url, "officer_li")
    page.wait_for_selector("#queue-table")
    assert page.locator("#queue-table tbody tr").count() >= 4
    assert page.locator("[data-sla=over]").count() >= 1
    shoot(page, "queue")

    page.select_option("select[name=district]", "lingang")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#queue-table tbody tr')]"
        ".every(r => r.dataset.district === 'lingang')"
    )
    assert "district=lingang" in page.url
    rows = page.locator("#queue-table tbody tr")
    assert rows.count() >= 1

    page.click(f"a.case-link[href='/ui/cases/{live.seeded.override_case}']")
    page.wait_for_selector("#waterfall")
    bars = page.locator("#waterfall g.wf-row")
    assert bars.count() >= 5  # four reasons and the total
    values = [float(v) for v in bars.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert any(v > 0 for v in values)
    assert any(v < 0 for v in values)
    nodes = page.locator("#supply-graph g.node")
    assert nodes.count() >= 4
    assert page.locator("#supply-graph g.node.core").count() >= 1
    distressed = page.locator("#supply-graph g.node.distress")
    assert distressed.count() == 1
    assert float(distressed.first.get_attribute("data-pd") or 0) >= 0.1
    assert page.locator("#supply-graph line.edge").count() == nodes.count() - 1
    assert page.locator("#financials svg.trend polyline").count() == 4  # profit has two lines
    assert page.locator("#alt-data svg.trend").count() == 3
    assert page.locator("#pd-marker").count() == 1
    assert page.locator("#segment-grades g.grade-bar.current").get_attribute("data-grade") == "BB"
    # Citations name the seed document, not its number.
    assert page.locator("#rules td.cite").first.inner_text().startswith("《上海市智能终端产业")
    shoot(page, "case")

    page.check("input[name=action][value=override]")
    page.fill("textarea[name=reason]", "链主订单稳定，追加应收账款质押后可提高额度。")
    page.check("input[name=reason_codes][value=core_enterprise_orders]")
    page.check("input[name=reason_codes][value=additional_collateral]")
    # Typed in yuan by habit: refused with a clear message, the typing kept to correct.
    page.fill("input[name=limit_amount]", "10000000元")
    page.click("#submit-action")
    page.wait_for_selector("#action-error[data-field=limit_amount]")
    assert "额度无法识别" in page.locator("#action-error").inner_text()
    assert page.input_value("input[name=limit_amount]") == "10000000元"
    # In 万元, as every amount on the page: echoed as parsed, recorded only once confirmed.
    page.fill("input[name=limit_amount]", "1,000万")
    page.click("#submit-action")
    page.wait_for_selector("#override-echo")
    assert "→ 1,000.00 万元" in page.locator("#echo-limit").inner_text()
    assert page.locator("#done").count() == 0
    page.click("#confirm-override")
    page.wait_for_selector("#done")
    limit = page.locator("#history tr[data-action=override] [data-term=limit_amount]")
    assert limit.get_attribute("data-after") == "10000000.0"
    assert "→ 1,000.00 万元" in limit.inner_text()
    assert page.locator("#case-status").inner_text() == "待第二人"
    assert page.locator("#proposal").get_attribute("data-outcome") == "approve"
    assert "放宽" in page.locator("#proposal").inner_text()

    # Approving one's own override is refused, with the reason shown.
    page.check("input[name=action][value=approve]")
    page.fill("textarea[name=reason]", "同意改判后的额度与期限安排。")
    page.click("#submit-action")
    page.wait_for_selector("#action-error")
    assert "四眼" in page.locator("#action-error").inner_text()
    chain_intact(live)


def test_second_officer_completes_a_large_approval(live: Live, chromium: Any) -> None:
    case_url = f"{live.base_url}/ui/cases/{live.seeded.large_case}"
    for officer, status in (("officer_chen", "awaiting_second"), ("officer_li", "closed")):
        context = chromium.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        login(page, live.base_url, officer)
        if status == "closed":
            # The second officer finds the case under "awaiting my second signature"; their own
            # pending override (the first test's) is not there: it needs someone else.
            page.check("input[name=mine][value=second]")
            page.wait_for_url("**mine=second**")
            page.wait_for_selector(f"#queue-table tr[data-case-id='{live.seeded.large_case}']")
            rows = page.locator("#queue-table tbody tr")
            ids = rows.evaluate_all("els => els.map(e => Number(e.dataset.caseId))")
            assert live.seeded.large_case in ids
            assert live.seeded.override_case not in ids
            assert set(rows.evaluate_all("els => els.map(e => e.dataset.status)")) == {
                "awaiting_second"
            }
        page.goto(case_url)
        page.check("input[name=action][value=approve]")
        page.fill("textarea[name=reason]", "算力服务器订单饱满，链主回款记录良好。")
        page.click("#submit-action")
        page.wait_for_selector("#done")
        assert page.locator("#case-head").get_attribute("data-status") == status
        if status == "closed":
            assert page.locator("#final-outcome").get_attribute("data-outcome") == "approve"
            assert "officer_chen, officer_li" in page.locator("#final-outcome").inner_text()
            assert page.locator("#history tr[data-action=approve]").count() == 2
            # The credit memo: one printable page with both signatures, without the workbench.
            page.click("#memo-link")
            page.wait_for_selector("#memo")
            signers = page.locator("#memo-signatures .signature")
            names = signers.evaluate_all("els => els.map(e => e.dataset.officer)")
            assert names == ["officer_chen", "officer_li"]
            page.emulate_media(media="print")
            assert not page.locator("header.top").is_visible()
            assert page.locator("#memo-trail tr[data-action=approve]").count() == 2
            shoot(page, "memo")
        context.close()
    chain_intact(live)


def test_rm_is_refused(live: Live, page: Any) -> None:
    login(page, live.base_url, "rm_wang")
    page.wait_for_selector(".error")
    assert "客户经理不能进入审查台" in page.locator(".error").inner_text()
    # No session: only the sign-in form's CSRF cookie.
    assert [c["name"] for c in page.context.cookies()] == ["ic_login_csrf"]
    # With a valid RM token in the session cookie, every page still refuses.
    token = f.bearer(f.review_app(live.database_url), "rm_wang", "rm")["Authorization"].split()[1]
    page.context.add_cookies([{"name": "ic_session", "value": token, "url": live.base_url + "/ui"}])
    for path in ("/ui/queue", f"/ui/cases/{live.seeded.override_case}", "/ui/panorama"):
        response = page.goto(live.base_url + path)
        assert response is not None
        assert response.status == 403
        assert page.locator("#refusal").count() == 1
        assert page.locator("#queue-table, #action-form, #heat-grid").count() == 0


def test_panorama_and_english_at_1024(live: Live, page: Any) -> None:
    login(page, live.base_url, "officer_li")
    page.goto(f"{live.base_url}/ui/panorama")
    page.wait_for_selector("#heat-grid")
    cells = page.locator("#heat-grid td[data-exposure]")
    assert cells.count() >= 6
    assert page.locator("#core tr[data-core]").count() == 2
    assert page.locator("#clusters article.cluster").count() >= 1
    assert "→" in page.locator("#clusters .paths").first.inner_text()
    assert page.locator("#clusters svg.graph g.node.distress").count() >= 1
    assert page.locator("a[href='/ui/batch/report']").count() == 1
    shoot(page, "panorama")

    page.select_option("#grid select[name=grade]", "BBB")
    page.wait_for_selector("#heat-grid[data-grade=BBB]")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert "Industry-chain panorama" in page.content()
    page.goto(f"{live.base_url}/ui/cases/{live.seeded.stale_case}")
    page.wait_for_selector("#waterfall")
    assert "Reason waterfall" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"the case page scrolls sideways at 1024 px ({width})"
    page.goto(f"{live.base_url}/ui/cases/{live.seeded.batch_case}")
    assert "Batch flag: no application" in page.locator("#terms").inner_text()
    assert page.locator("#case-pd").inner_text() == "7.00%"
    page.goto(f"{live.base_url}/ui/queue")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    shoot(page, "queue-en-1024")
