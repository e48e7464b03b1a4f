"""The database itself refuses bad rows: raw SQL, no Python validation in the way."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

GOOD_USCC = "91350100M000100Y43"
OTHER_USCC = "91310115MA1K4BCD5J"

ENTERPRISE_SQL = text(
    "INSERT INTO enterprises (uscc, name, sector, district, founded_on, employees, tech_route,"
    " core_product_tech_life_months) VALUES (:uscc, 'Example Co', :sector, :district,"
    " '2020-01-01', 10, 'arm', 36) RETURNING id"
)


def _insert_enterprise(session: Session, **overrides: str) -> int:
    params = {"uscc": GOOD_USCC, "sector": "robot", "district": "lingang", **overrides}
    return int(session.execute(ENTERPRISE_SQL, params).scalar_one())


def _refused(session: Session, sql: str, params: dict[str, object], constraint: str) -> None:
    with pytest.raises(IntegrityError) as info, session.begin_nested():
        session.execute(text(sql), params)
    assert constraint in str(info.value)


def test_valid_enterprise_is_stored(db_session: Session) -> None:
    assert _insert_enterprise(db_session) > 0


@pytest.mark.parametrize(
    ("overrides", "constraint"),
    [
        ({"uscc": "91350100M000100Y44"}, "ck_enterprises_uscc_check_digit"),
        ({"sector": "spaceships"}, "ck_enterprises_sector"),
        ({"district": "minhang_typo"}, "ck_enterprises_district"),
    ],
)
def test_enterprise_codes_are_checked_by_the_database(
    db_session: Session, overrides: dict[str, str], constraint: str
) -> None:
    with pytest.raises(IntegrityError) as info, db_session.begin_nested():
        _insert_enterprise(db_session, **overrides)
    assert constraint in str(info.value)


def test_uscc_is_unique(db_session: Session) -> None:
    _insert_enterprise(db_session)
    with pytest.raises(IntegrityError) as info, db_session.begin_nested():
        _insert_enterprise(db_session)
    assert "uq_enterprises_uscc" in str(info.value)


def test_negative_amount_refused(db_session: Session) -> None:
    eid = _insert_enterprise(db_session)
    _refused(
        db_session,
        "INSERT INTO financial_statements (enterprise_id, fiscal_year, revenue) VALUES (:e, 2025, -1)",
        {"e": eid},
        "ck_financial_statements_amounts_nonneg",
    )


def test_statement_unique_per_enterprise_and_year(db_session: Session) -> None:
    eid = _insert_enterprise(db_session)
    sql = "INSERT INTO financial_statements (enterprise_id, fiscal_year) VALUES (:e, 2025)"
    db_session.execute(text(sql), {"e": eid})
    _refused(db_session, sql, {"e": eid}, "uq_financial_statements_enterprise_id")


def test_share_above_one_refused(db_session: Session) -> None:
    eid = _insert_enterprise(db_session)
    _refused(
        db_session,
        "INSERT INTO supply_links (enterprise_id, counterparty_uscc, counterparty_name, role, share,"
        " on_time_delivery_rate, avg_payment_days, imported_component_share)"
        " VALUES (:e, :c, 'Core Co', 'buyer', 1.2, 0.99, 45, 0)",
        {"e": eid, "c": OTHER_USCC},
        "ck_supply_links_share_fraction",
    )


def test_link_role_and_counterparty_code_checked(db_session: Session) -> None:
    eid = _insert_enterprise(db_session)
    sql = (
        "INSERT INTO supply_links (enterprise_id, counterparty_uscc, counterparty_name, role, share,"
        " on_time_delivery_rate, avg_payment_days, imported_component_share)"
        " VALUES (:e, :c, 'Core Co', :r, 0.3, 0.99, 45, 0)"
    )
    _refused(db_session, sql, {"e": eid, "c": OTHER_USCC, "r": "friend"}, "ck_supply_links_role")
    _refused(
        db_session,
        sql,
        {"e": eid, "c": "91350100M000100Y44", "r": "buyer"},
        "ck_supply_links_counterparty_uscc_check_digit",
    )


def test_link_to_missing_enterprise_refused(db_session: Session) -> None:
    eid = _insert_enterprise(db_session)
    _refused(
        db_session,
        "INSERT INTO supply_links (enterprise_id, counterparty_uscc, counterparty_name,"
        " counterparty_id, role, share, on_time_delivery_rate, avg_payment_days,"
        " imported_component_share) VALUES (:e, :c, 'Ghost', 999999999, 'buyer', 0.3, 0.9, 30, 0)",
        {"e": eid, "c": OTHER_USCC},
        "fk_supply_links_counterparty_id_enterprises",
    )


def test_alternative_data_month_must_be_first_day(db_session: Session) -> None:
    eid = _insert_enterprise(db_session)
    _refused(
        db_session,
        "INSERT INTO alternative_data_monthly (enterprise_id, month, electricity_kwh,"
        " social_insurance_headcount, equipment_downtime_rate, order_cancellation_rate)"
        " VALUES (:e, '2025-10-15', 100, 5, 0.01, 0.01)",
        {"e": eid},
        "ck_alternative_data_monthly_month_first_day",
    )


def test_decline_cannot_carry_products(db_session: Session) -> None:
    """The decision table itself refuses a decline with products (guards the rules engine)."""
    sql = (
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conname = 'ck_decisions_decline_no_products'"
    )
    definition = db_session.execute(text(sql)).scalar_one()
    assert "jsonb_array_length(products) = 0" in definition


def test_audit_log_refuses_update_and_delete(db_session: Session) -> None:
    h = "0" * 64
    db_session.execute(
        text(
            "INSERT INTO audit_log (occurred_at, actor, actor_role, action, entity_type, entity_id,"
            " payload, prev_hash, row_hash) VALUES (now(), 'system', 'admin', 'test', 'none', '1',"
            " '{}', :h, :r)"
        ),
        {"h": h, "r": "1" * 64},
    )
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError) as info, db_session.begin_nested():
            db_session.execute(text(statement))
        assert "append-only" in str(info.value)


def test_user_role_checked(db_session: Session) -> None:
    _refused(
        db_session,
        "INSERT INTO users (username, display_name, role) VALUES ('x', 'X', 'superhero')",
        {},
        "ck_users_role",
    )
