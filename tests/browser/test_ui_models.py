"""The model-governance pages in real Chromium: the champion and challenger, a backtest and a
compare report (traffic lights, swap set, migration), a report produced from the form, and no
entry for a relationship manager."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from industry_credit.db.models import ModelVersion
from industry_credit.decisions.governance import store_report
from industry_credit.governance.backtest import evaluate_cohort
from industry_credit.governance.cohort import Cohort
from industry_credit.governance.compare import compare_frame
from industry_credit.ml.grades import GradeScale
from tests.browser.conftest import Live, login, shoot
from tests.factories import review as f
from tests.factories.review import MODEL_VERSION

pytestmark = pytest.mark.browser

CHALLENGER = "ui-test-challenger"
N = 3000


def _outcomes() -> tuple[np.ndarray, np.ndarray]:
    """True PDs and defaults drawn from them: the ground truth of the stored reports."""
    rng = np.random.default_rng(7)
    true_pd = 1 / (1 + np.exp(-rng.normal(-3.2, 1.1, N)))
    return true_pd, rng.random(N) < true_pd


def _reports(session: Session) -> tuple[int, int]:
    """A backtest of a challenger whose PDs are doubled, and a compare of it with a champion
    close to the truth, stored as the commands store them."""
    true_pd, y = _outcomes()
    rng = np.random.default_rng(8)
    champion_pd = np.clip(true_pd * np.exp(rng.normal(0, 0.25, N)), 3e-4, 0.99)
    challenger_pd = np.clip(2 * champion_pd, 3e-4, 0.99)
    scale = GradeScale()
    cohort = Cohort(
        enterprise_id=np.arange(N),
        pd=challenger_pd,
        grade=scale.grade(challenger_pd),
        from_decision=np.arange(N) < 400,
        defaulted=y,
        overridden=np.arange(N) < 24,
    )
    backtest = {
        "kind": "backtest",
        "model_version": CHALLENGER,
        "cohort_from": "2025-10-01",
        "cohort_to": "2025-10-31",
        "horizon_months": 12,
        "as_of": "2026-10-31",
        **evaluate_cohort(cohort),
    }
    outcomes = np.array(["approve", "refer", "decline"], dtype=object)
    frame = pd.DataFrame(
        {
            "enterprise_id": np.arange(N),
            "as_of": date(2025, 10, 31),
            "champion_version": MODEL_VERSION,
            "champion_pd": champion_pd,
            "champion_grade": scale.grade(champion_pd),
            "champion_outcome": outcomes[np.digitize(champion_pd, [0.03, 0.12])],
            "challenger_pd": challenger_pd,
            "challenger_grade": scale.grade(challenger_pd),
            "challenger_outcome": outcomes[np.digitize(challenger_pd, [0.03, 0.12])],
            "exposure": rng.uniform(1e6, 5e7, N),
            "defaulted": y,
        }
    )
    compare = {
        "kind": "compare",
        "challenger_version": CHALLENGER,
        "from": "2025-10-01",
        "to": "2025-10-31",
        "as_of": "2026-10-31",
        "horizon_months": 12,
        "model_version": MODEL_VERSION,
        **compare_frame(frame),
    }
    backtest_id = store_report(
        session=session, kind="backtest", model_version=CHALLENGER, body=backtest, params={}
    )
    compare_id = store_report(
        session=session,
        kind="compare",
        model_version=MODEL_VERSION,
        challenger=CHALLENGER,
        body=compare,
        params={},
    )
    return backtest_id, compare_id


@pytest.fixture(scope="module")
def reports(live: Live) -> tuple[int, int]:
    engine = create_engine(live.database_url)
    with Session(engine) as s, s.begin():
        if s.get(ModelVersion, CHALLENGER) is None:
            blob = b"a challenger the pages never score"
            s.add(
                ModelVersion(
                    version=CHALLENGER,
                    manifest={},
                    artifact=blob,
                    artifact_sha256=hashlib.sha256(blob).hexdigest(),
                )
            )
            s.flush()
        s.execute(
            update(ModelVersion)
            .where(ModelVersion.version == CHALLENGER)
            .values(is_challenger=True)
        )
        ids = _reports(s)
    engine.dispose()
    return ids


def test_backtest_and_compare_reports_render(
    live: Live, page: Any, reports: tuple[int, int]
) -> None:
    backtest_id, compare_id = reports
    login(page, live.base_url, "officer_li")
    page.goto(f"{live.base_url}/ui/lang?to=en&next=/ui/models")
    page.wait_for_selector("#reports")
    assert CHALLENGER in page.inner_text("main") or CHALLENGER in page.content()
    assert page.locator(f"#reports a[href='/ui/models/reports/{compare_id}']").count() == 1
    shoot(page, "models")

    page.click(f"#reports a[href='/ui/models/reports/{backtest_id}']")
    page.wait_for_selector("#grades")
    assert page.evaluate("document.characterSet") == "UTF-8"
    lights = page.locator("#grades .light").all_inner_texts()
    assert "red" in lights
    red = page.locator("#grades .light.red").first
    assert red.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(248, 210, 208)"
    assert "AUC" in page.inner_text("body")
    shoot(page, "backtest-report")

    page.goto(f"{live.base_url}/ui/models/reports/{compare_id}")
    page.wait_for_selector("#swap-set")
    assert page.locator("#swap-set tr").count() == 10  # header and 3 × 3 outcomes
    assert page.locator("#migration tr").count() > 2
    assert "DeLong" in page.inner_text("body")
    shoot(page, "compare-report")


def test_a_report_from_the_form_and_no_entry_for_an_rm(
    live: Live, page: Any, reports: tuple[int, int]
) -> None:
    del reports
    login(page, live.base_url, "admin_sun")
    page.goto(f"{live.base_url}/ui/models")
    page.fill("#backtest-form input[name=cohort_from]", "2026-01-01")
    page.fill("#backtest-form input[name=cohort_to]", "2026-01-31")
    page.fill("#backtest-form input[name=as_of]", "2027-06-30")
    page.click("#backtest-form button[type=submit]")
    page.wait_for_url("**/ui/models/reports/*")
    assert "Backtest of model" in page.inner_text("h1")

    # The challenger has scored nothing in shadow here: an empty but stored comparison.
    page.goto(f"{live.base_url}/ui/models")
    page.fill("#compare-form input[name=date_from]", "2026-01-01")
    page.click("#compare-form button[type=submit]")
    page.wait_for_url("**/ui/models/reports/*")
    assert "no shadow score" in page.inner_text("body")

    page.goto(f"{live.base_url}/ui/models")
    page.fill("#backtest-form input[name=cohort_from]", "2026-13-01")
    page.click("#backtest-form button[type=submit]")
    assert "cohort from" in page.inner_text("[role=alert]")

    # An RM with a valid token in the session cookie sees no report and no form.
    page.context.clear_cookies()
    token = f.bearer(f.review_app(live.database_url), "rm_wang", "rm")["Authorization"].split()[1]
    page.context.add_cookies([{"name": "ic_session", "value": token, "url": live.base_url + "/ui"}])
    for path in ("/ui/models", "/ui/models/reports/1"):
        response = page.goto(live.base_url + path)
        assert response is not None
        assert response.status == 403
        assert page.locator("#refusal").count() == 1
        assert page.locator("#reports, #grades, #backtest-form").count() == 0
