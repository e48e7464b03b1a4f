"""The nightly queue in real Chromium, over a synthetic portfolio rescored on two nights: the
queue in priority order with the reasons for each place, a worsened case above the rest, its
nightly signal history on the case page, and the morning digest. Screenshots: queue-priority,
digest, case-signals."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import uvicorn
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.browser.conftest import CHROMIUM, _free_port, login, shoot
from tests.factories import review as f
from tests.integration import test_batch_support as support
from tests.integration.test_batch_support import BatchEnv, run, sql

pytestmark = pytest.mark.browser

batch_env = support.batch_env
ROWS = "#queue-table tbody tr"
NIGHTS = (date(2026, 10, 31), date(2026, 11, 2))


@pytest.fixture(scope="module")
def nightly(batch_env: BatchEnv) -> Iterator[dict[str, Any]]:
    if not CHROMIUM.exists():
        pytest.skip("apt-get install chromium fonts-noto-cjk")
    url = batch_env.database()
    first = run(url, as_of=NIGHTS[0], review_capacity=5)
    # The open case with the smallest expected loss and no early warning gets one.
    case_id, firm = sql(
        url,
        "SELECT id, enterprise_id FROM review_cases WHERE NOT 'early_warning' = ANY(flags)"
        " ORDER BY expected_loss, id LIMIT 1",
    )[0]
    sql(
        url,
        "UPDATE alternative_data_monthly SET equipment_downtime_rate = 0.9,"
        " order_cancellation_rate = 0.9 WHERE enterprise_id = :e AND month >= :m",
        e=firm,
        m=date(2026, 7, 1),
    )
    (calm,) = sql(
        url,
        "SELECT enterprise_id FROM rescore_results WHERE run_id = CAST(:r AS uuid)"
        " AND NOT flags && ARRAY['early_warning','downgrade_2_notches','contagion',"
        "'pd_above_cutoff','green_compliance_violation']::varchar[] ORDER BY enterprise_id LIMIT 1",
        r=first.run_id,
    )[0]
    sql(
        url,
        "INSERT INTO review_cases (enterprise_id, batch_run_id, source, status, flags)"
        " VALUES (:e, CAST(:r AS uuid), 'batch_flag', 'open', ARRAY['contagion'])",
        e=calm,
        r=first.run_id,
    )
    run(url, as_of=NIGHTS[1], review_capacity=5)
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        f.user(s, "officer_night", "risk_officer")
    engine.dispose()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            f.review_app(url, env="demo"), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield {"base": f"http://127.0.0.1:{port}", "worsened": case_id, "url": url}
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_queue_in_priority_order_with_reasons(nightly: dict[str, Any], page: Any) -> None:
    login(page, nightly["base"], "officer_night")
    page.wait_for_selector("#queue-table")
    page.goto(f"{nightly['base']}/ui/queue?source=batch_flag")
    page.wait_for_selector("#queue-table")
    rows = page.locator(ROWS).evaluate_all(
        "els => els.map(e => [Number(e.dataset.caseId), e.dataset.signalState,"
        " Number(e.dataset.expectedLoss || -1)])"
    )
    states = [r[1] for r in rows]
    block = states.count("worsened")
    # Worsened cases first (none is over the SLA), then the rest by expected loss.
    assert states[:block] == ["worsened"] * block
    assert nightly["worsened"] in [r[0] for r in rows[:block]]
    for part in (rows[:block], rows[block:]):
        losses = [r[2] for r in part]
        assert losses == sorted(losses, reverse=True)
    first = page.locator(f"{ROWS}[data-case-id='{nightly['worsened']}'] ol.priority-reasons")
    reasons = first.locator("li").evaluate_all("els => els.map(e => e.dataset.reason)")
    assert reasons[:2] == ["worsened", "expected_loss"]
    assert "早期预警信号" in first.inner_text()  # the new flag, in words
    shoot(page, "queue-priority")


def test_case_page_shows_the_nightly_signals(nightly: dict[str, Any], page: Any) -> None:
    login(page, nightly["base"], "officer_night")
    page.wait_for_selector("#queue-table")
    page.goto(f"{nightly['base']}/ui/cases/{nightly['worsened']}")
    table = page.locator("#signal-history")
    table.wait_for()
    states = table.locator("tbody tr").evaluate_all("els => els.map(e => e.dataset.state)")
    assert states == ["new", "worsened"]
    shoot(page, "case-signals")


def test_morning_digest(nightly: dict[str, Any], page: Any) -> None:
    login(page, nightly["base"], "officer_night")
    page.wait_for_selector("#queue-table")
    page.click("nav a[href='/ui/digest']")
    page.wait_for_selector("#digest-worsened")
    worsened = page.locator("#digest-worsened")
    assert int(worsened.get_attribute("data-count")) >= 1
    assert worsened.locator(f"tr[data-case-id='{nightly['worsened']}']").count() == 1
    cleared = sql(
        nightly["url"],
        "SELECT count(*) FROM review_cases WHERE status = 'open' AND signal_state = 'cleared'",
    )[0][0]
    assert int(page.locator("#digest-cleared").get_attribute("data-count")) == cleared >= 1
    assert page.locator("#digest-new").get_attribute("data-count") is not None
    shoot(page, "digest")


def test_panorama_lists_the_firms_deferred_by_capacity(nightly: dict[str, Any], page: Any) -> None:
    login(page, nightly["base"], "officer_night")
    page.wait_for_selector("#queue-table")
    page.goto(f"{nightly['base']}/ui/panorama")
    section = page.locator("#deferred")
    section.wait_for()
    deferred = sql(
        nightly["url"],
        "SELECT report->'queue'->'deferred' FROM batch_runs ORDER BY as_of DESC LIMIT 1",
    )[0][0]
    assert int(section.get_attribute("data-count")) == deferred["count"] > 0
    shown = section.locator("tbody tr").evaluate_all(
        "els => els.map(e => Number(e.dataset.enterpriseId))"
    )
    assert shown == [r["enterprise_id"] for r in deferred["top"][: len(shown)]]


def test_run_report_page_shows_the_queue_and_the_warnings_quality(
    nightly: dict[str, Any], page: Any
) -> None:
    login(page, nightly["base"], "officer_night")
    page.wait_for_selector("#queue-table")
    page.goto(f"{nightly['base']}/ui/batch/report")
    page.wait_for_selector("#batch-quality")
    report = sql(nightly["url"], "SELECT report FROM batch_runs ORDER BY as_of DESC LIMIT 1")[0][0]
    assert page.locator("#bq-opened").inner_text() == str(report["queue"]["opened"])
    early = page.locator("#batch-quality tr[data-flag='early_warning'] td")
    flagged = report["warning_quality"]["per_flag"]["early_warning"]["flagged"]
    assert early.nth(1).inner_text() == str(flagged)
    shoot(page, "batch-report-quality")
