"""The case page's supply-chain graph when a firm has more counterparties than it draws: the
distressed and the flagged ones come first, so a distressed source never falls off."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.factories import review as f


def test_distressed_and_flagged_counterparties_are_drawn_first(fresh_database: Any) -> None:
    url = fresh_database()
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        rm = f.user(s, "cr_rm", "rm")
        f.user(s, "cr_officer", "risk_officer")
        rows = f.referred_case(s, rm=rm, name="多供应商整机有限公司")
        firm = rows.enterprise.id
        for i in range(16):  # sixteen large, healthy suppliers
            f.link(s, enterprise_id=firm, role="supplier", name=f"健康供应商{i}", share="0.30")
        sick = f.enterprise(s, name="困境小供应商有限公司", exposure=Decimal(1))
        f.decided(s, rm=rm, ent=sick, pd=0.31, grade="CC", status="decided")
        f.link(s, enterprise_id=firm, counterparty=sick, role="supplier", share="0.02")
        watched = f.enterprise(s, name="夜间预警供应商有限公司", exposure=Decimal(1))
        f.batch_flag_case(s, ent=watched, pd=0.05, grade="BB-")
        f.link(s, enterprise_id=firm, counterparty=watched, role="supplier", share="0.01")
        case_id, sick_uscc, watched_uscc = rows.case.id, sick.uscc, watched.uscc
    engine.dispose()
    with TestClient(f.review_app(url, env="demo"), follow_redirects=False) as client:
        assert f.ui_sign_in(client, **{"username": "cr_officer"}).status_code == 303
        page = client.get(f"/ui/cases/{case_id}").text
    nodes = re.findall(r'<g class="node ([^"]*)" data-uscc="([^"]+)"', page)
    drawn = {uscc: css for css, uscc in nodes}
    assert len(drawn) == 15  # the firm and the fourteen counterparties drawn
    assert "distress" in drawn[sick_uscc]
    assert "flagged" in drawn[watched_uscc]


def test_one_current_risk_on_the_queue_the_case_page_and_the_api(fresh_database: Any) -> None:
    """A nightly run after the decision: the case keeps the decision's PD (what it was decided
    on) and every view shows the same current risk, labelled with the run's date."""
    url = fresh_database()
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        rm = f.user(s, "cr2_rm", "rm")
        f.user(s, "cr2_officer", "risk_officer")
        rows = f.referred_case(
            s,
            rm=rm,
            name="夜间重评后企业",
            pd=0.0047,
            grade="BBB+",
            enqueued_at=datetime.now(UTC) - timedelta(days=2),
        )
        # Yesterday's run rescored the firm (and queued nothing for it).
        run = f.batch_flag_case(s, ent=rows.enterprise, pd=0.035, grade="BB-")
        s.delete(run)
        case_id = rows.case.id
    engine.dispose()
    with TestClient(f.review_app(url, env="demo"), follow_redirects=False) as client:
        headers = f.bearer(client.app, "cr2_officer", "risk_officer")
        api = client.get(f"/v1/reviews/{case_id}", headers=headers).json()
        queue = client.get("/v1/reviews", headers=headers).json()["items"]
        assert f.ui_sign_in(client, **{"username": "cr2_officer"}).status_code == 303
        page = client.get(f"/ui/cases/{case_id}").text
        rows_html = client.get("/ui/queue").text
        panorama = client.get("/v1/reviews/reports/panorama", headers=headers).json()
    assert api["pd"] == 0.0047  # the decision under review
    current = api["current"]
    assert current == {
        "pd": 0.035,
        "grade": "BB-",
        "as_of": date.today().isoformat(),
        "source": "batch",
    }
    (item,) = [i for i in queue if i["case_id"] == case_id]
    assert item["current"] == current
    assert (
        f'id="current-risk" data-pd="0.035" data-grade="BB-" data-as-of="{current["as_of"]}"'
        in page
    )
    assert "3.50% · BB-" in page
    assert f"{current['as_of']} 夜间重评" in page
    assert f'data-pd="0.035" data-as-of="{current["as_of"]}"' in rows_html
    assert "现 3.50% BB-" in rows_html
    # The panorama ranks a firm's scorings the same way: this is its only firm.
    assert panorama["firms"] == 1
    assert panorama["avg_pd"] == current["pd"]
