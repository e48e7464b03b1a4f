"""Queue basics over real HTTP, the REST API and the page answering alike: search by name or
USCC, a grade-band filter, the flags column, and "awaiting my second signature"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.factories import review as f


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> str:
    value: str = fresh_database()
    return value


@pytest.fixture(scope="module")
def cases(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        rm = f.user(s, "qb_rm", "rm")
        f.user(s, "qb_li", "risk_officer")
        f.user(s, "qb_chen", "risk_officer")
        glasses = f.referred_case(s, rm=rm, name="松江光学眼镜有限公司", grade="BBB", pd=0.006)
        robot = f.referred_case(s, rm=rm, name="临港机器人50%_有限公司", grade="BB", pd=0.02)
        weak = f.referred_case(s, rm=rm, name="浦东困境终端有限公司", grade="CCC", pd=0.25)
        large = f.referred_case(
            s, rm=rm, name="青浦大额算力有限公司", grade="BBB", pd=0.007, amount=Decimal(90_000_000)
        )
        found = {
            "glasses": glasses.case.id,
            "robot": robot.case.id,
            "weak": weak.case.id,
            "large": large.case.id,
            "glasses_uscc": glasses.enterprise.uscc,
        }
    engine.dispose()
    return found


@pytest.fixture
def client(url: str, cases: dict[str, Any]) -> Iterator[TestClient]:
    with TestClient(f.review_app(url, env="demo"), follow_redirects=False) as c:
        yield c


def _api(client: TestClient, who: str, **params: Any) -> set[int]:
    answer = client.get(
        "/v1/reviews", params=params, headers=f.bearer(client.app, who, "risk_officer")
    )
    assert answer.status_code == 200, answer.text
    return {item["case_id"] for item in answer.json()["items"]}


def _ui(client: TestClient, who: str, query: str) -> tuple[set[int], str]:
    assert f.ui_sign_in(client, **{"username": who, "next": "/ui/queue"}).status_code == 303
    page = client.get(f"/ui/queue?{query}")
    assert page.status_code == 200
    return {int(i) for i in re.findall(r'<tr data-case-id="(\d+)"', page.text)}, page.text


def test_search_by_name_or_uscc(client: TestClient, cases: dict[str, Any]) -> None:
    assert _api(client, "qb_li", q="光学眼镜") == {cases["glasses"]}
    prefix = cases["glasses_uscc"][:12].lower()  # USCCs are typed in either case
    assert cases["glasses"] in _api(client, "qb_li", q=prefix)
    # LIKE's wildcards are matched literally, not as patterns.
    assert _api(client, "qb_li", q="50%_") == {cases["robot"]}
    assert _api(client, "qb_li", q="%有") == set()  # as a pattern it would match them all
    assert _ui(client, "qb_li", "q=%E5%85%89%E5%AD%A6%E7%9C%BC%E9%95%9C")[0] == {cases["glasses"]}
    too_long = client.get(
        "/v1/reviews", params={"q": "x" * 61}, headers=f.bearer(client.app, "qb_li", "risk_officer")
    )
    assert too_long.status_code == 422
    assert any(x["path"].endswith("q") for x in too_long.json()["error"]["fields"])


def test_grade_band_filter(client: TestClient, cases: dict[str, Any]) -> None:
    investment = _api(client, "qb_li", grade_band="investment")
    assert {cases["glasses"], cases["large"]} <= investment
    assert cases["robot"] not in investment
    assert cases["weak"] not in investment
    assert _api(client, "qb_li", grade_band="speculative") == {cases["robot"]}
    assert _api(client, "qb_li", grade_band="distressed") == {cases["weak"]}
    assert _ui(client, "qb_li", "band=distressed")[0] == {cases["weak"]}
    bad = client.get(
        "/v1/reviews",
        params={"grade_band": "junk"},
        headers=f.bearer(client.app, "qb_li", "risk_officer"),
    )
    assert bad.status_code == 422


def test_flags_column(client: TestClient, cases: dict[str, Any]) -> None:
    _, text = _ui(client, "qb_li", "")
    row = text[text.index(f'<tr data-case-id="{cases["glasses"]}"') :]
    row = row[: row.index("</tr>")]
    # The factory's decision flags import_dependency: shown in words, its code kept as data.
    assert 'data-flag="import_dependency"' in row
    assert "核心零部件依赖进口" in row


def test_awaiting_my_second_signature(client: TestClient, cases: dict[str, Any]) -> None:
    assert _api(client, "qb_chen", awaiting_my_second=True) == set()
    first = client.post(
        f"/v1/reviews/{cases['large']}/approve",
        json={"reason": "算力订单饱满，链主回款良好。"},
        headers=f.bearer(client.app, "qb_li", "risk_officer"),
    )
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "awaiting_second"
    # The proposer has nothing to sign; the other officer has exactly this case.
    assert _api(client, "qb_li", awaiting_my_second=True) == set()
    assert _api(client, "qb_chen", awaiting_my_second=True) == {cases["large"]}
    assert _ui(client, "qb_chen", "mine=second")[0] == {cases["large"]}
    assert _ui(client, "qb_li", "mine=second")[0] == set()


def test_control_characters_in_the_search_are_refused_or_dropped(
    client: TestClient, cases: dict[str, Any]
) -> None:
    answer = client.get(
        "/v1/reviews",
        params={"q": "光学\x00眼镜"},
        headers=f.bearer(client.app, "qb_li", "risk_officer"),
    )
    assert answer.status_code == 422
    assert any(x["path"].endswith("q") for x in answer.json()["error"]["fields"])
    assert _ui(client, "qb_li", "q=%E5%85%89%E5%AD%A6%00")[0] == {cases["glasses"]}
