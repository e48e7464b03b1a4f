"""The circuit breaker acts on existing facilities: the nightly run holds undrawn amounts, a
second breaker night keeps the one hold, and only a risk officer lifts it, with a reason."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from industry_credit.db.models import AuditEntry, User
from industry_credit.errors import ConflictError
from industry_credit.holds.service import lift_hold, list_holds
from tests.integration import test_batch_support as support
from tests.integration.test_batch_signals import _circuit_breaker
from tests.integration.test_batch_support import AS_OF, BatchEnv, run, sql

batch_env = support.batch_env  # the session fixture, shared by the batch test modules


def test_a_breaker_night_holds_undrawn_amounts_until_a_risk_officer_lifts_it(
    batch_env: BatchEnv,
) -> None:
    """智能合约设置熔断机制，当设备停机率、订单取消率等关键指标异常波动时自动暂停放款 [004 §3.3]."""
    url = batch_env.database()
    (firm,) = sql(url, "SELECT min(id) FROM enterprises WHERE in_portfolio")[0]
    _circuit_breaker(url, firm)
    outcome = run(url)
    holds = sql(url, "SELECT enterprise_id, run_id, as_of, flags, lifted_at FROM drawdown_holds")
    held = {h[0]: h for h in holds}
    assert firm in held
    _, run_id, as_of, flags, lifted_at = held[firm]
    assert str(run_id) == outcome.run_id
    assert as_of == AS_OF
    assert set(flags) <= {"circuit_breaker_downtime", "circuit_breaker_cancellation"}
    assert flags
    assert lifted_at is None
    breakers = {
        r[0]
        for r in sql(
            url,
            "SELECT enterprise_id FROM rescore_results WHERE flags && ARRAY["
            "'circuit_breaker_downtime','circuit_breaker_cancellation']::varchar[]",
        )
    }
    assert set(held) == breakers  # exactly the breaker firms, nobody else
    (report,) = sql(url, "SELECT report FROM batch_runs WHERE id = :r", r=outcome.run_id)[0]
    assert report["counts"]["drawdown_holds_placed"] == len(holds)
    # The nightly report steers the book: shares by sector and district against the limits.
    portfolio = report["portfolio"]
    assert sum(portfolio["by_sector"].values()) == pytest.approx(1.0, abs=1e-4)
    assert sum(portfolio["by_district"].values()) == pytest.approx(1.0, abs=1e-4)
    limit = portfolio["limits"]["sector_book_share_max"]
    assert limit == 0.25
    assert {b["code"] for b in portfolio["breaches"] if b["kind"] == "sector"} == {
        code for code, share in portfolio["by_sector"].items() if share > limit
    }

    # The next night's breaker keeps the one active hold.
    second = run(url, as_of=date(2026, 11, 30))
    (report2,) = sql(url, "SELECT report FROM batch_runs WHERE id = :r", r=second.run_id)[0]
    placed_second = sql(
        url, "SELECT enterprise_id FROM drawdown_holds WHERE run_id = :r", r=second.run_id
    )
    assert report2["counts"]["drawdown_holds_placed"] == len(placed_second)
    assert not {r[0] for r in placed_second} & set(held)  # held firms keep their first hold
    assert len(sql(url, "SELECT 1 FROM drawdown_holds WHERE enterprise_id = :e", e=firm)) == 1

    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            officer = User(
                username="ro_hold", display_name="风险经理", role="risk_officer", active=True
            )
            rm = User(username="rm_hold", display_name="客户经理", role="rm", active=True)
            session.add_all([officer, rm])
            session.flush()
            assert list_holds(session=session, user=rm, active_only=True) == []  # owns none
            [mine] = [
                h
                for h in list_holds(session=session, user=officer, active_only=True)
                if h["enterprise_uscc"]
                == sql(url, "SELECT uscc FROM enterprises WHERE id = :e", e=firm)[0][0]
            ]
            lifted = lift_hold(
                session=session, officer=officer, hold_id=mine["id"], reason="停机已修复，订单恢复"
            )
            assert lifted["active"] is False
            assert lifted["lifted_by"] == "ro_hold"
            with pytest.raises(ConflictError):
                lift_hold(session=session, officer=officer, hold_id=mine["id"], reason="again")
            audit = session.execute(
                select(AuditEntry.action, AuditEntry.payload).where(
                    AuditEntry.action == "drawdown_hold.lift"
                )
            ).all()
            assert [(a, p["hold_id"]) for a, p in audit] == [("drawdown_hold.lift", mine["id"])]
    finally:
        engine.dispose()


def test_the_book_for_portfolio_limits_is_the_outstanding_exposure(batch_env: BatchEnv) -> None:
    """设定行业信贷增长目标 [000 §(一)]: the decision reads the book by sector and district."""
    from industry_credit.decisions.repository import book_exposure

    url = batch_env.database()
    [(total, pudong_ai_pc, pudong)] = sql(
        url,
        "SELECT sum(exposure)::float8,"
        " sum(exposure) FILTER (WHERE sector = 'ai_pc')::float8,"
        " sum(exposure) FILTER (WHERE district = 'pudong')::float8 FROM enterprises",
    )
    assert total > 0
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            book = dict(book_exposure(session=session, sector="ai_pc", district="pudong"))
    finally:
        engine.dispose()
    assert book == pytest.approx({"total": total, "sector": pudong_ai_pc, "district": pudong})
