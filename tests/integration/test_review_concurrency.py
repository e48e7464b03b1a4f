"""Two officers acting on the same large case at the same moment: the case row lock serialises
them, so the second sees the first's proposal and completes it instead of starting another."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from industry_credit.db.models import Review, ReviewCase
from industry_credit.errors import DomainError
from industry_credit.review import service
from industry_credit.review.service import ReviewPolicy
from tests.factories import review as f

POLICY = ReviewPolicy(four_eyes_threshold=Decimal(50_000_000), sla_hours=72)


def _race(url: str, case_id: int, officers: list[str]) -> list[str]:
    """Each officer approves in their own transaction; all start together."""
    engine = create_engine(url)
    barrier = threading.Barrier(len(officers))
    outcomes: list[str] = []

    def act(name: str) -> Callable[[], None]:
        def run() -> None:
            with Session(engine) as session:
                user = f.user(session, name, "risk_officer")
                session.commit()
                barrier.wait()
                try:
                    service.approve(
                        session=session,
                        user=user,
                        case_id=case_id,
                        reason="并发审批测试：订单与现金流充足。",
                        policy=POLICY,
                    )
                    session.commit()
                    outcomes.append("ok")
                except DomainError as exc:
                    session.rollback()
                    outcomes.append(exc.code)

        return run

    threads = [threading.Thread(target=act(name)) for name in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    engine.dispose()
    return outcomes


def test_two_officers_at_once_close_the_case_together(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        rm = f.user(s, "race_rm", "rm")
        case_id = f.referred_case(s, rm=rm, amount=Decimal(90_000_000)).case.id
    assert _race(url, case_id, ["race_a", "race_b"]) == ["ok", "ok"]
    with Session(engine) as s:
        case = s.get(ReviewCase, case_id)
        assert case is not None
        assert case.status == "closed"
        assert case.final_terms is not None
        agreed = case.final_terms["agreed_by"]
        assert isinstance(agreed, list)
        assert sorted(agreed) == ["race_a", "race_b"]
        statuses = [
            r.after["status"]
            for r in s.execute(
                select(Review).where(Review.case_id == case_id).order_by(Review.id)
            ).scalars()
        ]
        assert statuses == ["awaiting_second", "closed"]
    engine.dispose()
