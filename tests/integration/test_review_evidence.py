"""Reasons in words with their evidence, over real HTTP: rule hits with the ruleset's own
descriptions, the value that fired against its threshold, the seed document by name, flags and
binding bounds in words, the engine-derived stage with its rule, and signed reason sentences.
Each number shown is checked against the REST API's document for the same case."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from industry_credit.db.models import User
from industry_credit.rules.versions import load_ruleset_version
from tests.factories import review as f

RULESET = "src/industry_credit/rules/default_ruleset.yaml"
HITS = [
    {"rule_id": "STG-STARTUP", "effect": "derive_stage=startup", "seed_ref": "000 §(五)2"},
    {
        "rule_id": "REF-STAGE-DISAGREEMENT",
        "effect": "refer=stage_disagreement",
        "seed_ref": "000 §(五)2",
    },
    {
        "rule_id": "REF-BUYER-CONCENTRATION",
        "effect": "refer=buyer_concentration",
        "seed_ref": "000 §(四)2",
    },
    {
        "rule_id": "ELIG-EQUITY-LINKED",
        "effect": "exclude_products=investment_loan_linkage,warrant_loan,option_loan",
        "seed_ref": "000 §(五)2",
    },
]
REASONS = [
    {
        "feature": "roa",
        "value": -0.2304915,
        "contribution": 0.41,
        "zh": "总资产收益率为23%",
        "en": "x",
    },
    {"feature": "top_buyer_share", "value": 0.62, "contribution": 0.3, "zh": "-", "en": "-"},
    {"feature": "firm_age_years", "value": 2.0, "contribution": -0.12, "zh": "-", "en": "-"},
    {"feature": "revenue", "value": 3_000_000.0, "contribution": 0.05, "zh": "-", "en": "-"},
]


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> str:
    value: str = fresh_database()
    return value


@pytest.fixture(scope="module")
def case_id(url: str) -> int:
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        rm = f.user(s, "ev_rm", "rm")
        f.user(s, "ev_officer", "risk_officer")
        version = load_ruleset_version(session=s, path_or_text=RULESET).version
        rows = f.referred_case(
            s,
            rm=rm,
            amount=Decimal(8_000_000),
            ruleset_version=version,
            doc_changes={
                "stage": "growth",
                "stage_declared": "growth",
                "rule_hits": [{**h, "ruleset_version": version} for h in HITS],
                "flags": ["stage_disagreement", "buyer_concentration"],
                "reasons": REASONS,
                "limit": {"amount": 8_000_000.0, "binding": "requested"},
                "tenor": {"months": 24, "binding": "core_product_tech_life"},
            },
        )
        value = rows.case.id
    engine.dispose()
    return value


@pytest.fixture
def client(url: str, case_id: int) -> Iterator[TestClient]:
    with TestClient(f.review_app(url, env="demo"), follow_redirects=False) as c:
        yield c


def _page(client: TestClient, case_id: int, lang: str) -> str:
    answer = f.ui_sign_in(client, **{"username": "ev_officer", "next": "/ui/queue"})
    assert answer.status_code == 303
    client.cookies.set("ic_lang", lang)
    page = client.get(f"/ui/cases/{case_id}?lang={lang}")
    assert page.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", page.text))


def _section(text: str, anchor: str) -> str:
    start = text.index(f'id="{anchor}"')
    return text[start : text.find("</section>", start)]


def test_chinese_page_reads_the_reasons_in_words(client: TestClient, case_id: int) -> None:
    text = _page(client, case_id, "zh")
    api = client.get(
        f"/v1/reviews/{case_id}", headers=f.bearer(client.app, "ev_officer", "risk_officer")
    ).json()
    doc = api["decision"]

    # The engine's stage beside the declared one, with the rule that derived it.
    assert doc["stage_declared"] == "growth"
    assert 'id="stage-declared" data-stage="growth"' in text
    assert 'id="stage-derived" data-stage="startup"' in text
    profile = _section(text, "profile")
    assert "初创期" in profile
    assert "申报与判定不一致" in profile
    assert "STG-STARTUP" in profile
    assert "成立不足三年" in profile
    assert "成立年限 2 < 3" in profile

    rules = _section(text, "rules")
    # The ruleset's own description, the value that fired against its threshold, the source.
    assert "单一客户销售占比过高" in rules
    assert "第一大客户占比 62% > 60%" in rules
    assert any(r["feature"] == "top_buyer_share" and r["value"] == 0.62 for r in doc["reasons"])
    assert re.search(r"排除产品: 投贷联动[^；<]*、认股权贷款", rules), rules
    assert "《上海市智能终端产业高质量发展行动方案（2026–2027年）》政策解读 §(四)2" in rules
    assert "[000" not in rules
    # Flags in words, each with the rule that raised it.
    assert 'data-flag="buyer_concentration"' in rules
    assert "客户集中度过高" in rules
    assert "REF-BUYER-CONCENTRATION" in rules
    # Binding bounds in words, not codes.
    terms = _section(text, "terms")
    assert "约束条件: 申请金额/期限" in terms
    assert "核心产品技术生命周期" in terms
    assert doc["limit"]["binding"] == "requested"
    # The sign of a loss is kept, whatever the recorded sentence says.
    reasons = _section(text, "reasons")
    assert "总资产收益率为-23%" in reasons
    assert "总资产收益率为23%" not in reasons


def test_english_page_reads_the_same_evidence(client: TestClient, case_id: int) -> None:
    text = _page(client, case_id, "en")
    rules = _section(text, "rules")
    assert "One buyer takes too large a share of sales" in rules
    assert "Largest buyer's share 62% > 60%" in rules
    assert "Shanghai Smart Terminal Action Plan 2026–2027: a banker's reading §(四)2" in rules
    assert "Return on assets at -23%" in _section(text, "reasons")
    assert "Bound by: the amount or tenor requested" in _section(text, "terms")
    assert "Start-up" in _section(text, "profile")


def test_a_batch_flag_offers_only_what_applies(client: TestClient, url: str) -> None:
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        firm = f.enterprise(s, name="夜间预警样本企业", exposure=Decimal(30_000_000))
        rm = s.scalars(select(User).where(User.username == "ev_rm")).one()
        earlier = datetime.now(UTC) - timedelta(days=3)
        f.decided(s, rm=rm, ent=firm, pd=0.012, grade="BBB-", status="decided", decided_at=earlier)
        flagged = f.batch_flag_case(s, ent=firm, pd=0.07, grade="B+").id
    engine.dispose()
    text = _page(client, flagged, "zh")
    head = _section(text, "case-head")
    assert "现有敞口" in head
    assert "申请金额" not in head
    assert "供应链传染" in head  # the flag in words
    offered = set(re.findall(r'name="action" value="([a-z_]+)"', text))
    assert offered == {"approve", "decline"}
    assert "没有记录这家企业的原因" in _section(text, "reasons")
    # The run's rating against the one known before it, and the firm's rating history.
    terms = _section(text, "terms")
    assert re.search(r'id="rescore-pd">1\.20% → <strong>7\.00%</strong>', terms), terms
    assert "BBB- → <strong>B+</strong>" in terms
    assert 'data-flag="downgrade"' in terms
    assert "评级下调" in terms
    assert terms.count('<tr data-source="batch">') == 1
    assert terms.count('<tr data-source="decision">') == 1
    api = client.get(
        f"/v1/reviews/{flagged}", headers=f.bearer(client.app, "ev_officer", "risk_officer")
    ).json()
    assert api["pd"] == 0.07
    assert api["grade"] == "B+"


def test_a_batch_flag_shows_the_reasons_the_run_computed(client: TestClient, url: str) -> None:
    stored = [
        {"feature": "roa", "contribution": 0.61, "value": -0.23, "zh": "x", "en": "x"},
        {
            "feature": "electricity_yoy_6m",
            "contribution": 0.4,
            "value": -0.31,
            "zh": "x",
            "en": "x",
        },
        {"feature": "top_buyer_share", "contribution": 0.12, "value": 0.0, "zh": "x", "en": "x"},
    ]
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        firm = f.enterprise(s, name="夜间预警原因样本企业", exposure=Decimal(12_000_000))
        flagged = f.batch_flag_case(s, ent=firm, pd=0.09, grade="B", reasons=stored).id
    engine.dispose()
    zh = _section(_page(client, flagged, "zh"), "reasons")
    assert "没有记录" not in zh
    assert "夜间重评为该预警企业计算的主要原因" in zh
    # In words from each feature and value, with the sign kept, in the run's order.
    listed = re.findall(r'<li data-contribution="([0-9.]+)">([^<]+)', zh)
    assert [(c, t.strip()) for c, t in listed] == [
        ("0.61", "总资产收益率为-23%"),
        ("0.4", "近6个月同比用电量下降31%"),
        ("0.12", "第一大客户占比为0%"),
    ]
    en = _section(_page(client, flagged, "en"), "reasons")
    assert "Return on assets at -23%" in en
    assert "Electricity use down 31% over 6 months year on year" in en
    api = client.get(
        f"/v1/reviews/{flagged}", headers=f.bearer(client.app, "ev_officer", "risk_officer")
    ).json()
    assert api["nightly"]["reasons"] == stored
    assert (api["nightly"]["pd"], api["nightly"]["grade"]) == (0.09, "B")


def test_a_batch_flag_shows_the_rules_the_run_fired_against_their_thresholds(
    client: TestClient, url: str
) -> None:
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        version = load_ruleset_version(session=s, path_or_text=RULESET).version
        firm = f.enterprise(s, name="夜间熔断样本企业", exposure=Decimal(9_000_000))
        hits = [
            {
                "rule_id": "REF-CIRCUIT-DOWNTIME",
                "effect": "add_condition=pause_new_disbursement; refer=circuit_breaker_downtime",
                "seed_ref": "004 §3.3",
            }
        ]
        flagged = f.batch_flag_case(
            s,
            ent=firm,
            pd=0.08,
            grade="B",
            ruleset_version=version,
            flag_evidence={"rule_hits": hits, "values": {"downtime_jump": 0.27, "pd": 0.08}},
        ).id
        s.execute(
            text("UPDATE review_cases SET flags = :f WHERE id = :id"),
            {"f": ["circuit_breaker_downtime", "early_warning"], "id": flagged},
        )
    engine.dispose()
    rules = _section(_page(client, flagged, "zh"), "rules")
    assert "没有规则命中" not in rules
    assert "设备停机率异常跳升，触发熔断" in rules
    assert "设备停机率 27% > 20%" in rules
    assert "《中国产业金融服务行业发展运行现状及投资策略研究报告》 §3.3" in rules
    assert 'data-flag="circuit_breaker_downtime"' in rules
    en = _section(_page(client, flagged, "en"), "rules")
    assert "Equipment downtime jumped; circuit breaker" in en
    api = client.get(
        f"/v1/reviews/{flagged}", headers=f.bearer(client.app, "ev_officer", "risk_officer")
    ).json()
    assert api["nightly"]["flag_evidence"]["values"]["downtime_jump"] == 0.27


def test_credit_memo_of_a_decided_case(client: TestClient, case_id: int) -> None:
    text = _page(client, case_id, "zh")
    assert client.get(f"/ui/cases/{case_id}/memo").status_code == 409  # nothing to sign yet
    headers = f.bearer(client.app, "ev_officer", "risk_officer")
    body = {"reason": "初创期企业，客户集中度高，拒绝。", "reason_codes": ["weak_financials"]}
    closed = client.post(f"/v1/reviews/{case_id}/decline", json=body, headers=headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    text = _page(client, case_id, "zh")
    assert f'href="/ui/cases/{case_id}/memo"' in text
    memo = client.get(f"/ui/cases/{case_id}/memo")
    assert memo.status_code == 200
    page = html.unescape(re.sub(r"\s+", " ", memo.text))
    assert '<meta charset="utf-8">' in memo.text
    assert "审批意见书" in page
    assert 'data-outcome="decline"' in page
    assert "单一客户销售占比过高" in page
    assert "第一大客户占比 62% > 60%" in page
    assert "《上海市智能终端产业高质量发展行动方案（2026–2027年）》政策解读 §(四)2" in page
    assert "初创期企业，客户集中度高，拒绝。" in page
    assert 'data-officer="ev_officer"' in page
    assert "总资产收益率为-23%" in page
    assert client.get("/ui/cases/999999/memo").status_code == 404
