"""The one parser of override terms: amounts in 万元 as typed on the page, refusals by field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from industry_credit.errors import UnprocessableError
from industry_credit.review import override_terms as ot


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("5000", "50000000.00"),
        ("5000万", "50000000.00"),
        ("5,000 万元", "50000000.00"),
        ("５０００万", "50000000.00"),  # full-width digits from a Chinese input method
        ("0.5亿", "50000000.00"),
        ("1.25亿元", "125000000.00"),
        ("7606.12", "76061200.00"),
        ("  ", None),
        ("", None),
    ],
)
def test_limits_typed_in_wan_are_read_exactly(typed: str, yuan: str | None) -> None:
    got = ot.parse_limit_wan(typed)
    assert got == (Decimal(yuan) if yuan else None)


@pytest.mark.parametrize("typed", ["5000元", "abc", "5千万", "50,00", "-5000", "5e3", "5000万万"])
def test_unreadable_limits_are_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(UnprocessableError) as caught:
        ot.parse_limit_wan(typed)
    assert caught.value.fields == [{"path": "$.limit_amount", "problem": "not an amount"}]


def test_tenor_and_products_are_checked_by_the_same_validation() -> None:
    with pytest.raises(UnprocessableError) as caught:
        ot.from_form(outcome="approve", limit_wan="", tenor_months="12个月", products=[])
    assert caught.value.fields[0]["path"] == "$.tenor_months"
    with pytest.raises(UnprocessableError) as caught:
        ot.checked(outcome="approve", limit_amount=None, tenor_months=0, products=None)
    assert caught.value.fields[0]["path"] == "$.tenor_months"
    with pytest.raises(UnprocessableError) as caught:
        ot.checked(outcome="approve", limit_amount=None, tenor_months=None, products=["x"])
    assert caught.value.fields[0]["path"] == "$.products"
    with pytest.raises(UnprocessableError) as caught:
        ot.checked(outcome="maybe", limit_amount=None, tenor_months=None, products=None)
    assert caught.value.fields[0]["path"] == "$.outcome"
    terms = ot.from_form(
        outcome="approve", limit_wan="5000万", tenor_months="24", products=["ip_pledge_loan"]
    )
    assert terms.limit_amount == Decimal("50000000.00")
    assert terms.tenor_months == 24
    assert terms.products == ("ip_pledge_loan",)


def test_review_terms_before_a_first_proposal_are_the_engines() -> None:
    engine = {"limit_amount": 7.6e7, "tenor_months": 36, "products": ["a"], "rate": 0.04}
    proposed = {**engine, "limit_amount": 5e7}
    after = {"status": "awaiting_second", "proposal": {"terms": proposed}}
    assert ot.review_terms({"status": "open", "proposal": None}, after, engine) == (
        engine,
        proposed,
    )
    assert ot.review_terms({"status": "open"}, {"status": "info_requested"}, engine) == (
        None,
        None,
    )
    changed = [c["field"] for c in ot.changes(engine, proposed) if c["changed"]]
    assert changed == ["limit_amount"]
