"""A small but realistic portfolio for the browser tests and the screenshots.

Four districts, several sectors, two core enterprises (链主) with dependent suppliers, one
distressed counterparty, a chain of suppliers whose PD rose between two scorings (the contagion
path), a nightly batch run with a report, and a queue holding every kind of case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.config import PROJECT_ROOT
from industry_credit.db.models import Enterprise, User
from industry_credit.review.messages import code_label
from industry_credit.rules.versions import load_ruleset_version
from industry_credit.vocabulary import SECTORS
from tests.factories import review as f

DEFAULT_RULESET = PROJECT_ROOT / "src" / "industry_credit" / "rules" / "default_ruleset.yaml"


@dataclass(frozen=True)
class Seeded:
    override_case: int
    large_case: int
    stale_case: int
    batch_case: int
    evidence_case: int


def seed_workbench(session: Session) -> Seeded:
    rm = f.user(session, "rm_wang", "rm")
    f.user(session, "officer_li", "risk_officer")
    f.user(session, "officer_chen", "risk_officer")
    f.user(session, "admin_sun", "admin")
    now = datetime.now(UTC)
    earlier = now - timedelta(days=40)

    pc_core = f.enterprise(
        session,
        name="上海智算终端集团有限公司",
        sector="ai_pc",
        district="pudong",
        is_core=True,
        exposure=Decimal(600_000_000),
        revenue=2_400_000_000,
    )
    robot_core = f.enterprise(
        session,
        name="临港机器人整机股份有限公司",
        sector="robot",
        district="lingang",
        is_core=True,
        exposure=Decimal(350_000_000),
        revenue=900_000_000,
    )
    f.decided(
        session,
        rm=rm,
        ent=pc_core,
        outcome="approve",
        pd=0.004,
        grade="BBB+",
        status="decided",
        amount=Decimal(200_000_000),
    )
    f.decided(
        session,
        rm=rm,
        ent=robot_core,
        outcome="approve",
        pd=0.009,
        grade="BBB",
        status="decided",
        amount=Decimal(120_000_000),
    )

    # A distressed module supplier, and a chain of firms whose risk rose after it weakened.
    distressed = f.enterprise(
        session,
        name="松江光电模组有限公司",
        sector="smart_glasses",
        district="songjiang",
        exposure=Decimal(40_000_000),
    )
    f.decided(
        session,
        rm=rm,
        ent=distressed,
        outcome="approve",
        pd=0.03,
        grade="BB",
        status="decided",
        decided_at=earlier,
    )
    f.decided(
        session, rm=rm, ent=distressed, outcome="decline", pd=0.21, grade="CC", status="decided"
    )
    chain = []
    for i, (name, sector, district) in enumerate(
        [
            ("青浦智能眼镜结构件有限公司", "smart_glasses", "qingpu"),
            ("松江AR光学组件有限公司", "smart_glasses", "songjiang"),
            ("浦东端侧芯片设计有限公司", "edge_ai_chip", "pudong"),
        ]
    ):
        firm = f.enterprise(
            session,
            name=name,
            sector=sector,
            district=district,
            exposure=Decimal(25_000_000 + 10_000_000 * i),
        )
        f.decided(
            session,
            rm=rm,
            ent=firm,
            outcome="approve",
            pd=0.012,
            grade="BBB-",
            status="decided",
            decided_at=earlier,
        )
        f.decided(
            session,
            rm=rm,
            ent=firm,
            outcome="refer",
            pd=0.035 + 0.01 * i,
            grade="BB-",
            status="decided",
        )
        chain.append(firm)
    f.link(
        session, enterprise_id=chain[0].id, counterparty=distressed, role="supplier", share="0.45"
    )
    f.link(session, enterprise_id=chain[1].id, counterparty=chain[0], role="supplier", share="0.3")
    f.link(session, enterprise_id=chain[2].id, counterparty=chain[1], role="buyer", share="0.25")

    # Suppliers of the core enterprises (concentration), across districts and sectors.
    grades = [("A-", 0.003), ("BBB", 0.006), ("BB+", 0.014), ("BB", 0.02), ("B+", 0.05)]
    for i, (name, sector, district, core) in enumerate(
        [
            ("浦东AI主板制造有限公司", "ai_pc", "pudong", pc_core),
            ("松江散热模组有限公司", "ai_pc", "songjiang", pc_core),
            ("青浦工业平板终端有限公司", "industrial_terminal", "qingpu", pc_core),
            ("临港伺服电机有限公司", "robot", "lingang", robot_core),
            ("临港银发助行设备有限公司", "silver_economy", "lingang", robot_core),
            ("浦东卫星通信终端有限公司", "satellite_terminal", "pudong", pc_core),
        ]
    ):
        grade, pd = grades[i % len(grades)]
        firm = f.enterprise(
            session,
            name=name,
            sector=sector,
            district=district,
            exposure=Decimal(15_000_000 * (i + 1)),
        )
        f.decided(session, rm=rm, ent=firm, outcome="approve", pd=pd, grade=grade, status="decided")
        f.link(
            session,
            enterprise_id=firm.id,
            counterparty=core,
            role="buyer",
            share=str(0.3 + 0.08 * i),
        )

    # The queue.
    override = f.referred_case(
        session,
        rm=rm,
        name="临港灵巧手机器人科技有限公司",
        sector="robot",
        district="lingang",
        amount=Decimal(8_000_000),
        pd=0.024,
        grade="BB",
    )
    f.link(
        session,
        enterprise_id=override.enterprise.id,
        counterparty=robot_core,
        role="buyer",
        share="0.4",
    )
    f.link(
        session,
        enterprise_id=override.enterprise.id,
        counterparty=distressed,
        role="supplier",
        share="0.2",
    )
    f.link(
        session,
        enterprise_id=override.enterprise.id,
        role="supplier",
        name="苏州精密减速器有限公司",
        share="0.15",
    )
    large = f.referred_case(
        session,
        rm=rm,
        name="松江智算服务器有限公司",
        sector="compute_terminal",
        district="songjiang",
        amount=Decimal(80_000_000),
        pd=0.008,
        grade="BBB",
        revenue=600_000_000,
    )
    f.link(
        session, enterprise_id=large.enterprise.id, counterparty=pc_core, role="buyer", share="0.55"
    )
    stale = f.referred_case(
        session,
        rm=rm,
        name="青浦AI手机组装有限公司",
        sector="ai_phone",
        district="qingpu",
        amount=Decimal(12_000_000),
        pd=0.03,
        grade="BB-",
        enqueued_at=now - timedelta(hours=100),
    )
    f.referred_case(
        session,
        rm=rm,
        name="浦东端侧大模型软件有限公司",
        sector="edge_model",
        district="pudong",
        amount=Decimal(3_000_000),
        outcome="approve",
        source="qc_sample",
        pd=0.006,
        grade="BBB",
        enqueued_at=now - timedelta(hours=60),
    )

    batch_case = f.batch_flag_case(session, ent=chain[2])
    evidence = _evidence_case(session, rm)
    _breadth(session, rm)
    return Seeded(override.case.id, large.case.id, stale.case.id, batch_case.id, evidence)


def _evidence_case(session: Session, rm: User) -> int:
    """A referral decided under the shipped ruleset: a start-up declared as growth, one buyer
    taking 72% of sales, a loss (ROA -23%), so the page can show each reason with its evidence."""
    version = load_ruleset_version(session=session, path_or_text=DEFAULT_RULESET).version
    hits = [
        ("STG-STARTUP", "derive_stage=startup", "000 §(五)2"),
        ("REF-STAGE-DISAGREEMENT", "refer=stage_disagreement", "000 §(五)2"),
        ("REF-BUYER-CONCENTRATION", "refer=buyer_concentration", "000 §(四)2"),
    ]
    reasons = [
        ("roa", -0.2304915, 0.44, "总资产收益率为23%", "Return on assets at 23%"),
        ("top_buyer_share", 0.72, 0.31, "第一大客户占比为72%", "Largest buyer's share at 72%"),
        ("firm_age_years", 2.0, -0.12, "成立年限2.0年", "Firm age 2.0 years"),
        ("revenue", 3_000_000.0, 0.05, "最近年度营业收入300.0万元", "Latest revenue CNY 3.00M"),
    ]
    rows = f.referred_case(
        session,
        rm=rm,
        name="临港初创智能眼镜科技有限公司",
        sector="smart_glasses",
        district="lingang",
        amount=Decimal(8_000_000),
        pd=0.035,
        grade="BB-",
        ruleset_version=version,
        doc_changes={
            "stage": "growth",
            "stage_declared": "growth",
            "rule_hits": [
                {"rule_id": r, "effect": e, "seed_ref": ref, "ruleset_version": version}
                for r, e, ref in hits
            ],
            "flags": ["stage_disagreement", "buyer_concentration"],
            "reasons": [
                {"feature": k, "value": v, "contribution": c, "zh": zh, "en": en}
                for k, v, c, zh, en in reasons
            ],
            "limit": {"amount": 8_000_000.0, "binding": "requested"},
            "tenor": {"months": 24, "binding": "core_product_tech_life"},
        },
    )
    return rows.case.id


def _breadth(session: Session, rm: User) -> None:
    """One decided firm in every sector not yet in the portfolio, so the panorama is as wide as
    the demo's (eleven sector columns and 'other') and its layout is tested at full width."""
    used = set(session.scalars(select(Enterprise.sector)).all())
    for i, sector in enumerate(s for s in SECTORS if s not in used):
        firm = f.enterprise(
            session,
            name=f"青浦{code_label('zh', 'sector', sector)}样本企业",
            sector=sector,
            district="qingpu",
            exposure=Decimal(50_000_000),
        )
        f.decided(
            session,
            rm=rm,
            ent=firm,
            outcome="approve",
            pd=0.002 + 0.03 * i,
            grade="BBB",
            status="decided",
        )
