"""The case page's deal-structuring panel in real headless Chromium, on decisions the engine made:
the nearest approvable structure beside the engine's decision, an override started from it, and
the rules named when no structure is approvable."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from industry_credit.main import create_app
from tests.api.conftest import Api, api_settings, prepare_database
from tests.browser.conftest import CHROMIUM, login, shoot
from tests.factories.deal_stories import tenor_beyond_tech_life
from tests.factories.documents import application, uscc_for, with_uscc

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Cases:
    base_url: str
    tenor_case: int
    stage_case: int


def _case_of(api: Api, decision_id: str) -> int:
    [row] = api.rows("SELECT id FROM review_cases WHERE decision_id = :d", d=decision_id)
    return int(row[0])


@pytest.fixture(scope="module")
def cases(fresh_database: Callable[[], str]) -> Iterator[Cases]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Chromium at /usr/bin/chromium")
    url = fresh_database()
    # Every approval is sampled for quality control, so an approval with a cut tenor is a case.
    settings = api_settings(env="demo", qc_sample_rate=1.0)
    prepare_database(url, settings)
    app = create_app(database_url=url, settings=settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    with TestClient(app) as client:
        api = Api(app, client, url, settings)
        submitted = client.post(
            "/v1/applications", json=tenor_beyond_tech_life(2201), headers=api.headers("rm_li")
        ).json()
        assert submitted["outcome"] == "approve", submitted
        assert submitted["tenor"]["binding"] == "core_product_tech_life"
        tenor_case = _case_of(api, submitted["decision_id"])
        # Declared mature, derived a start-up: referred, and no structure changes that.
        mismatch = with_uscc(application(enterprise={"declared_stage": "mature"}), uscc_for(2202))
        referred = client.post(
            "/v1/applications", json=mismatch, headers=api.headers("rm_li")
        ).json()
        assert referred["outcome"] == "refer", referred
        stage_case = _case_of(api, referred["decision_id"])
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield Cases(f"http://127.0.0.1:{port}", tenor_case, stage_case)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def test_the_nearest_structure_sits_beside_the_decision_and_starts_an_override(
    cases: Cases, page: Any
) -> None:
    login(page, cases.base_url, "officer_zhao")
    page.wait_for_selector("#queue-table")
    page.goto(f"{cases.base_url}/ui/cases/{cases.tenor_case}")
    panel = page.locator("#structure")
    assert panel.get_attribute("data-state") == "alternative"
    assert int(panel.get_attribute("data-variants") or 0) > 100
    # The engine's decision cut the tenor to the technology life; the structure asks for it.
    assert page.locator("#tenor-binding").get_attribute("data-binding") == "core_product_tech_life"
    assert page.locator("#structure-changes li").all_inner_texts() == ["期限 60个月 → 36个月"]
    assert page.locator("#structure-outcome").get_attribute("data-outcome") == "approve"
    assert page.locator("#structure-tenor").get_attribute("data-months") == "36"
    assert float(page.locator("#structure-limit").get_attribute("data-amount") or 0) == 5_000_000
    shoot(page, "case-structure")

    page.click("#start-from-structure")
    page.wait_for_selector("#action-form")
    assert "start=structure" in page.url
    assert page.locator("input[name=action][value=override]").is_checked()
    assert page.input_value("input[name=limit_amount]") == "500"
    assert page.input_value("input[name=tenor_months]") == "36"
    chosen = page.locator("select[name=products] option:checked").evaluate_all(
        "els => els.map(e => e.value)"
    )
    engine_products = page.locator("#terms ol.products li").evaluate_all(
        "els => els.map(e => e.dataset.product)"
    )
    assert chosen
    assert sorted(chosen) == sorted(engine_products)  # only the tenor changed
    # The officer adds the reason and a code; the terms are echoed as they will be recorded.
    page.fill("textarea[name=reason]", "期限按核心产品技术生命周期压降至36个月后全额批准。")
    page.check("input[name=reason_codes][value=tech_iteration_risk]")
    page.click("#submit-action")
    page.wait_for_selector("#override-echo")
    assert "36" in page.locator("#echo-tenor").inner_text()
    page.click("#confirm-override")
    page.wait_for_selector("#done")


def test_when_nothing_is_approvable_the_blocking_rule_is_named(cases: Cases, page: Any) -> None:
    login(page, cases.base_url, "officer_qian")
    page.wait_for_selector("#queue-table")
    page.goto(f"{cases.base_url}/ui/cases/{cases.stage_case}?lang=en")
    panel = page.locator("#structure")
    assert panel.get_attribute("data-state") == "blocked"
    rules = page.locator("#structure-blocking li").evaluate_all(
        "els => els.map(e => e.dataset.rule)"
    )
    assert "REF-STAGE-DISAGREEMENT" in rules
    assert page.locator("#start-from-structure").count() == 0
