"""Rows for review tests, inserted through the ORM so the tests need no trained model.

``referred_case`` builds the chain the submission service would have written: enterprise (with
three fiscal years, 24 months of alternative data and supply links), application, a decision
with a realistic document, and the review case.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from industry_credit.api.ratelimit import RateLimiter
from industry_credit.auth.cache import UserCache
from industry_credit.auth.tokens import issue_token
from industry_credit.canonical import content_sha256
from industry_credit.config import Settings
from industry_credit.db.models import (
    AlternativeDataMonthly,
    BatchRun,
    Decision,
    Enterprise,
    FinancialStatement,
    LoanApplication,
    ModelVersion,
    RescoreResult,
    ReviewCase,
    RulesetVersion,
    SupplyLink,
    User,
)
from industry_credit.errors import install_error_handlers
from industry_credit.review.endpoints import router as review_router
from industry_credit.review.web import router as review_ui_router
from industry_credit.uscc import ALPHABET, check_digit

MODEL_VERSION = "review-test-model"
RULESET_SOURCE = "name: review-test-ruleset\n"
RULESET_VERSION = hashlib.sha256(RULESET_SOURCE.encode()).hexdigest()


def new_uscc(seed: str | None = None) -> str:
    """A valid code (GB 32100 check digit) with a random or seeded body."""
    digest = hashlib.sha256((seed or uuid.uuid4().hex).encode()).digest()
    body = "913101" + "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:11])
    return body + check_digit(body)


def user(session: Session, username: str, role: str) -> User:
    found = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if found is not None:
        return found
    row = User(username=username, role=role, display_name=username.replace("_", " ").title())
    session.add(row)
    session.flush()
    return row


def versions(session: Session) -> None:
    if session.get(ModelVersion, MODEL_VERSION) is None:
        artifact = b"not a real model: review tests never score"
        session.add(
            ModelVersion(
                version=MODEL_VERSION,
                manifest={"purpose": "review tests"},
                artifact=artifact,
                artifact_sha256=hashlib.sha256(artifact).hexdigest(),
            )
        )
    if session.get(RulesetVersion, RULESET_VERSION) is None:
        session.add(
            RulesetVersion(
                version=RULESET_VERSION,
                name="review-test-ruleset",
                content={"rules": []},
                source_text=RULESET_SOURCE,
            )
        )
    session.flush()


def enterprise(
    session: Session,
    *,
    name: str = "上海示例智能科技有限公司",
    sector: str = "robot",
    district: str = "lingang",
    exposure: Decimal = Decimal(0),
    is_core: bool = False,
    uscc: str | None = None,
    revenue: float = 18_000_000,
    with_data: bool = True,
) -> Enterprise:
    row = Enterprise(
        uscc=uscc or new_uscc(),
        name=name,
        sector=sector,
        district=district,
        founded_on=date(2021, 3, 1),
        employees=85,
        declared_stage="growth",
        tech_route="arm",
        core_product_tech_life_months=36,
        specialized_sme=True,
        is_core_enterprise=is_core,
        in_portfolio=True,
        exposure=exposure,
    )
    session.add(row)
    session.flush()
    if with_data:
        _financials(session, row.id, revenue)
        _monthly(session, row.id)
    return row


def _financials(session: Session, enterprise_id: int, revenue: float) -> None:
    for back, year in enumerate((2025, 2024, 2023)):
        scale = 1 / (1.3**back)
        rev = revenue * scale
        subsidy = 600_000 * scale
        session.add(
            FinancialStatement(
                enterprise_id=enterprise_id,
                fiscal_year=year,
                revenue=Decimal(round(rev, 2)),
                operating_cost=Decimal(round(rev * 0.82, 2)),
                # Profitable only thanks to the vouchers in the oldest year: the page must show it.
                net_profit=Decimal(round(rev * 0.05 - 900_000 * back, 2)),
                total_assets=Decimal(round(rev * 2.1, 2)),
                total_liabilities=Decimal(round(rev * 0.9, 2)),
                current_assets=Decimal(round(rev * 1.2, 2)),
                current_liabilities=Decimal(round(rev * 0.5, 2)),
                operating_cash_flow=Decimal(round(rev * 0.04, 2)),
                rd_expense=Decimal(round(rev * 0.25, 2)),
                inventory=Decimal(round(rev * 0.2, 2)),
                receivables=Decimal(round(rev * 0.3, 2)),
                subsidy_compute_voucher=Decimal(round(subsidy * 0.5, 2)),
                subsidy_model_voucher=Decimal(0),
                subsidy_corpus_voucher=Decimal(0),
                subsidy_special_fund=Decimal(round(subsidy * 0.5, 2)),
                subsidy_other=Decimal(0),
            )
        )


def _monthly(session: Session, enterprise_id: int) -> None:
    for i in range(24):
        year, month = divmod(2023 * 12 + 11 + i, 12)
        growth = 1 + 0.02 * i
        session.add(
            AlternativeDataMonthly(
                enterprise_id=enterprise_id,
                month=date(year, month + 1, 1),
                tax_invoice_amount=Decimal(round(1_200_000 * growth, 2)),
                electricity_kwh=Decimal(round(40_000 * growth * (0.9 if i % 12 == 1 else 1), 2)),
                social_insurance_headcount=70 + i,
                customs_export_amount=Decimal(0),
                equipment_downtime_rate=Decimal("0.02"),
                order_cancellation_rate=Decimal("0.01"),
            )
        )
    session.flush()


def link(
    session: Session,
    *,
    enterprise_id: int,
    counterparty: Enterprise | None = None,
    name: str = "上海示例终端制造有限公司",
    role: str = "buyer",
    is_core: bool = False,
    share: str = "0.35",
) -> SupplyLink:
    row = SupplyLink(
        enterprise_id=enterprise_id,
        counterparty_uscc=counterparty.uscc if counterparty else new_uscc(),
        counterparty_name=counterparty.name if counterparty else name,
        counterparty_id=counterparty.id if counterparty else None,
        role=role,
        is_core_enterprise=is_core or bool(counterparty and counterparty.is_core_enterprise),
        share=Decimal(share),
        on_time_delivery_rate=Decimal("0.985"),
        avg_payment_days=45,
        imported_component_share=Decimal("0.1"),
    )
    session.add(row)
    session.flush()
    return row


def decision_document(
    *, outcome: str, pd: float, grade: str, amount: Decimal, uscc: str
) -> dict[str, Any]:
    approve_like = outcome != "decline"
    return {
        "enterprise_uscc": uscc,
        "pd": pd,
        "grade": grade,
        "outcome": outcome,
        "stage": "growth",
        "stage_declared": "growth",
        "products": [
            {
                "code": "supply_chain_finance",
                "rank": 1,
                "rationale_zh": "核心企业订单支撑的供应链金融",
                "rationale_en": "Supply-chain finance on orders from a core enterprise",
            },
            {
                "code": "ip_pledge_loan",
                "rank": 2,
                "rationale_zh": "成长期知识产权质押",
                "rationale_en": "IP pledge for a growth-stage firm",
            },
        ]
        if approve_like
        else [],
        "limit": {"amount": float(amount) if approve_like else 0.0, "binding": "requested_amount"},
        "tenor": {"months": 24 if approve_like else 0, "binding": "core_product_tech_life"},
        "pricing": {
            "base_rate": 0.031,
            "grade_premium": 0.012,
            "green_discount": -0.003,
            "interest_subsidy": 0.0,
            "rate": 0.04,
        },
        "conditions": ["核心企业回款账户监管 / core-enterprise collection account"],
        "reasons": [
            {
                "feature": "electricity_yoy",
                "contribution": 0.41,
                "zh": "用电量同比下降",
                "en": "Electricity use down year on year",
            },
            {
                "feature": "core_buyer_share",
                "contribution": -0.32,
                "zh": "核心企业订单占比高",
                "en": "High share of core-enterprise orders",
            },
            {
                "feature": "net_margin_ex_subsidy",
                "contribution": 0.22,
                "zh": "扣除补贴后利润率低",
                "en": "Low margin net of subsidies",
            },
            {
                "feature": "patents",
                "contribution": -0.11,
                "zh": "专利储备",
                "en": "Patent portfolio",
            },
        ],
        "rule_hits": [
            {"rule_id": "tenor_within_tech_life", "effect": "cap_tenor", "seed_ref": "000 §(四)1"},
            {"rule_id": "refer_large_startup", "effect": "refer", "seed_ref": "004 §3.3"},
        ],
        "flags": ["import_dependency"],
        "model_version": MODEL_VERSION,
        "ruleset_version": RULESET_VERSION,
    }


@dataclass
class CaseRows:
    case: ReviewCase
    application: LoanApplication
    decision: Decision
    enterprise: Enterprise


def decided(
    session: Session,
    *,
    rm: User,
    ent: Enterprise,
    amount: Decimal = Decimal(5_000_000),
    outcome: str = "refer",
    pd: float = 0.021,
    grade: str = "BB",
    status: str = "in_review",
    decided_at: datetime | None = None,
    doc_changes: dict[str, Any] | None = None,
    ruleset_version: str = RULESET_VERSION,
) -> tuple[LoanApplication, Decision]:
    """An application and its decision, as the submission service stores them."""
    versions(session)
    application_id, decision_id = uuid.uuid4(), uuid.uuid4()
    document = {
        "enterprise": {"uscc": ent.uscc, "name": ent.name},
        "request": {"amount": float(amount)},
    }
    application = LoanApplication(
        id=application_id,
        enterprise_id=ent.id,
        submitted_by=rm.id,
        amount=amount,
        tenor_months=24,
        purpose="working_capital",
        collateral=["receivables_pledge"],
        status=status,
        document=document,
        document_sha256=content_sha256(document),
    )
    session.add(application)
    session.flush()
    doc = decision_document(outcome=outcome, pd=pd, grade=grade, amount=amount, uscc=ent.uscc)
    doc.update(doc_changes or {}, ruleset_version=ruleset_version)
    decided_at = decided_at or datetime.now(UTC) - timedelta(hours=1)
    doc.update(
        decision_id=str(decision_id),
        application_id=str(application_id),
        input_sha256=content_sha256(document),
        decided_at=decided_at.isoformat(),
    )
    decision = Decision(
        id=decision_id,
        application_id=application_id,
        enterprise_id=ent.id,
        pd=pd,
        grade=grade,
        outcome=outcome,
        stage=doc["stage"],
        stage_declared=doc["stage_declared"],
        products=doc["products"],
        limit_amount=Decimal(str(doc["limit"]["amount"])),
        limit_binding=doc["limit"]["binding"],
        tenor_months=doc["tenor"]["months"],
        tenor_binding=doc["tenor"]["binding"],
        pricing=doc["pricing"],
        rate=Decimal("0.04"),
        conditions=doc["conditions"],
        reasons=doc["reasons"],
        rule_hits=doc["rule_hits"],
        flags=doc["flags"],
        model_version=MODEL_VERSION,
        ruleset_version=ruleset_version,
        input_snapshot={"document": document, "as_of": "2025-11-01", "counterparty_risk": []},
        input_sha256=doc["input_sha256"],
        document=doc,
        decided_at=decided_at,
    )
    session.add(decision)
    session.flush()
    return application, decision


def referred_case(
    session: Session,
    *,
    rm: User,
    amount: Decimal = Decimal(5_000_000),
    outcome: str = "refer",
    pd: float = 0.021,
    grade: str = "BB",
    source: str = "refer",
    ent: Enterprise | None = None,
    enqueued_at: datetime | None = None,
    doc_changes: dict[str, Any] | None = None,
    ruleset_version: str = RULESET_VERSION,
    **enterprise_fields: Any,
) -> CaseRows:
    ent = ent or enterprise(session, **enterprise_fields)
    application, decision = decided(
        session,
        rm=rm,
        ent=ent,
        amount=amount,
        outcome=outcome,
        pd=pd,
        grade=grade,
        doc_changes=doc_changes,
        ruleset_version=ruleset_version,
    )
    case = ReviewCase(
        enterprise_id=ent.id,
        application_id=application.id,
        decision_id=decision.id,
        source=source,
        status="open",
        flags=list(decision.flags),
    )
    if enqueued_at is not None:
        case.enqueued_at = enqueued_at
    session.add(case)
    session.flush()
    return CaseRows(case=case, application=application, decision=decision, enterprise=ent)


def batch_flag_case(
    session: Session,
    *,
    ent: Enterprise,
    pd: float = 0.07,
    grade: str = "B+",
    reasons: list[dict[str, Any]] | None = None,
    flag_evidence: dict[str, Any] | None = None,
    ruleset_version: str = RULESET_VERSION,
) -> ReviewCase:
    """A nightly run that rescored the firm worse, and the case it queued (no application);
    ``reasons``: the TreeSHAP codes the run stored for the firm; ``flag_evidence``: the rules
    that fired in the run (of ``ruleset_version``) with the values they read."""
    versions(session)
    run = BatchRun(
        id=uuid.uuid4(),
        as_of=date.today(),
        status="succeeded",
        chunk_size=500,
        total_chunks=1,
        model_version=MODEL_VERSION,
        ruleset_version=ruleset_version,
        finished_at=datetime.now(UTC),
        report={"rescored": 1},
        report_html="<!doctype html><meta charset='utf-8'><h1>夜间重评报告</h1><p>1 家企业降级。</p>",
    )
    session.add(run)
    session.flush()
    session.add(
        RescoreResult(
            as_of=date.today(),
            enterprise_id=ent.id,
            run_id=run.id,
            pd=pd,
            grade=grade,
            outcome="refer",
            stage="growth",
            flags=["downgrade"],
            reasons=reasons,
            flag_evidence=flag_evidence,
        )
    )
    case = ReviewCase(
        enterprise_id=ent.id,
        batch_run_id=run.id,
        source="batch_flag",
        status="open",
        flags=["downgrade", "contagion"],
    )
    session.add(case)
    session.flush()
    return case


def review_app(database_url: str, **settings: Any) -> FastAPI:
    """The review routers on a bare app: the same state ``create_app`` sets, without the model
    artifact that ``create_app`` loads, so that review tests run before a model exists."""
    conf = Settings(**{"env": "test", **settings})
    app = FastAPI()
    engine = create_engine(database_url)
    app.state.settings = conf
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)
    app.state.rate_limiter = RateLimiter(conf.rate_limit_per_minute)
    app.state.users = UserCache(conf.auth_cache_seconds)
    install_error_handlers(app)
    app.include_router(review_router)
    app.include_router(review_ui_router)
    return app


def bearer(app: FastAPI, username: str, role: str) -> dict[str, str]:
    token = issue_token(app.state.settings, subject=username, role=role)
    return {"Authorization": f"Bearer {token}"}


def ui_sign_in(client: Any, **form: str) -> Any:
    """POST the sign-in form as a browser would: first GET it for its CSRF token and cookie."""
    page = client.get("/ui/login")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, "the sign-in form carries no CSRF token"
    return client.post("/ui/login", data={**form, "csrf": match.group(1)})
