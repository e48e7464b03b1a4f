"""Claim and assign in real Chromium: an officer claims a case from its page, the queue shows
who holds it, another officer cannot act on it, the lead (admin) reassigns it and the new
holder decides; a nightly flag's page shows the reasons the run computed, in words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from industry_credit.db.models import User
from industry_credit.rules.versions import load_ruleset_version
from tests.browser.conftest import Live, login, shoot
from tests.browser.seed import DEFAULT_RULESET
from tests.factories import review as f

pytestmark = pytest.mark.browser


def _new_case(live: Live) -> int:
    engine = create_engine(live.database_url)
    try:
        with Session(engine) as s, s.begin():
            rm = s.execute(select(User).where(User.username == "rm_wang")).scalar_one()
            rows = f.referred_case(
                s,
                rm=rm,
                name="嘉定具身机器人关节有限公司",
                sector="robot",
                district="other_shanghai",
                amount=Decimal(6_000_000),
            )
            return rows.case.id
    finally:
        engine.dispose()


def _as(chromium: Any, live: Live, username: str) -> tuple[Any, Any]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, live.base_url, username)
    page.wait_for_selector("#queue-table")
    return context, page


def test_claim_reassign_and_decide(live: Live, chromium: Any) -> None:
    case_id = _new_case(live)
    case_url = f"{live.base_url}/ui/cases/{case_id}"

    li_context, li = _as(chromium, live, "officer_li")
    li.goto(case_url)
    assert "尚无人认领" in li.locator("#claim").inner_text()
    li.click("#claim-button")
    li.wait_for_selector("#claim-done")
    assert li.locator("#claim").get_attribute("data-holder") == "officer_li"
    assert li.locator("#release-button").count() == 1
    assert "officer_li" in li.locator("#head-holder").inner_text()
    assert li.locator("#action-form").count() == 1
    shoot(li, "case-claim")
    # The queue: "held by me" keeps the case, with its holder under its status.
    li.goto(f"{live.base_url}/ui/queue")
    li.select_option("#holder-filter", "me")
    li.wait_for_url("**holder=me**")
    row = li.locator(f"#queue-table tr[data-case-id='{case_id}']")
    row.wait_for()
    assert row.locator(".holder").get_attribute("data-holder") == "officer_li"
    holders = li.locator("#queue-table .holder").evaluate_all(
        "els => els.map(e => e.dataset.holder)"
    )
    assert set(holders) == {"officer_li"}
    li_context.close()

    chen_context, chen = _as(chromium, live, "officer_chen")
    chen.goto(case_url)
    assert "officer_li" in chen.locator("#held-by-other").inner_text()
    assert chen.locator("#action-form").count() == 0
    assert chen.locator("#claim-button").count() == 0

    lead_context, lead = _as(chromium, live, "admin_sun")
    lead.goto(case_url)
    lead.select_option("#assign-officer", "officer_chen")
    lead.click("#assign-button")
    lead.wait_for_selector("#claim-done")
    assert lead.locator("#claim").get_attribute("data-holder") == "officer_chen"
    lead_context.close()

    chen.reload()
    assert chen.locator("#held-by-other").count() == 0
    chen.check("input[name=action][value=approve]")
    chen.fill("textarea[name=reason]", "关节模组订单稳定，现金流可覆盖本息。")
    chen.click("#submit-action")
    chen.wait_for_selector("#done")
    assert chen.locator("#case-head").get_attribute("data-status") == "closed"
    # The audit entries on the page show the claim and the reassignment.
    audit = chen.locator("#audit-table").inner_text()
    assert "review.claim" in audit
    assert "review.assign" in audit
    chen_context.close()


def test_nightly_flag_reads_its_reasons(live: Live, page: Any) -> None:
    stored = [
        {"feature": "downtime_jump", "contribution": 0.83, "value": 0.27, "zh": "", "en": ""},
        {"feature": "roa", "contribution": 0.41, "value": -0.18, "zh": "", "en": ""},
        {"feature": "cancellation_recent", "contribution": 0.22, "value": 0.09, "zh": "", "en": ""},
    ]
    engine = create_engine(live.database_url)
    try:
        with Session(engine) as s, s.begin():
            firm = f.enterprise(
                s, name="闵行工业终端预警样本有限公司", exposure=Decimal(25_000_000)
            )
            version = load_ruleset_version(session=s, path_or_text=DEFAULT_RULESET).version
            hit = {
                "rule_id": "REF-CIRCUIT-DOWNTIME",
                "effect": "add_condition=pause_new_disbursement; refer=circuit_breaker_downtime",
                "seed_ref": "004 §3.3",
            }
            case_id = f.batch_flag_case(
                s,
                ent=firm,
                pd=0.11,
                grade="B-",
                reasons=stored,
                ruleset_version=version,
                flag_evidence={"rule_hits": [hit], "values": {"downtime_jump": 0.27}},
            ).id
    finally:
        engine.dispose()
    login(page, live.base_url, "officer_li")
    page.wait_for_selector("#queue-table")
    page.goto(f"{live.base_url}/ui/cases/{case_id}")
    page.wait_for_selector("#waterfall")
    bars = page.locator("#waterfall g.wf-row")
    values = [float(v) for v in bars.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert values[:3] == [0.83, 0.41, 0.22]
    words = page.locator("#reason-list li").all_inner_texts()
    assert words[0].startswith("近3个月设备停机率较前9个月上升27.0个百分点")
    assert words[1].startswith("总资产收益率为-18%")
    assert page.locator("#no-reasons").count() == 0
    assert "夜间重评" in page.locator("#batch-reasons-note").inner_text()
    offered = page.locator("input[name=action]").evaluate_all("els => els.map(e => e.value)")
    assert offered == ["approve", "decline"]
    assert page.locator("input[name=limit_amount]").count() == 0  # no terms to override
    # The rule the run fired, in words, against its threshold, with the document it rests on.
    hit = page.locator("#rules tr[data-rule=REF-CIRCUIT-DOWNTIME]")
    assert "设备停机率异常跳升" in hit.inner_text()
    assert "设备停机率 27% > 20%" in hit.locator("td.evidence").inner_text()
    assert "§3.3" in hit.locator("td.cite").inner_text()
    shoot(page, "case-nightly")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_queue_with_its_holders_fits_1024(live: Live, page: Any, lang: str) -> None:
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, live.base_url, "officer_li")
    page.goto(f"{live.base_url}/ui/lang?to={lang}&next=/ui/queue")
    page.wait_for_selector("#queue-table .holder")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    wrap = page.evaluate(
        "(() => { const w = document.querySelector('#queue-table').parentElement;"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrap[0] <= wrap[1], f"the queue scrolls inside its card: {wrap}"
