"""One parser and one validation for an override's terms, shared by the REST API and the page.

The page shows every amount in 万元, so the officer types the limit in 万元 ("5000", "5,000万",
"0.5亿"); the API takes yuan as a JSON number. Both end in ``checked``, which refuses what it
cannot use with a message naming the field: an amount that cannot be read is never dropped to
"keep the engine's value", which is how an override was once recorded on other terms than the
officer's.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from industry_credit.errors import UnprocessableError
from industry_credit.review.service import OverrideTerms
from industry_credit.vocabulary import PRODUCT_CODES

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
MAX_LIMIT_YUAN = Decimal("1e16")  # the reviews' MONEY columns hold 18 digits, 2 of them cents
MAX_TENOR_MONTHS = 360
OUTCOMES = ("approve", "decline")

# "5000", "5,000.5", "5000万", "5000 万元", "0.5亿", "0.5亿元"; a bare number is 万元.
_AMOUNT = re.compile(r"^(?P<num>\d+(?:\.\d+)?)(?P<unit>万元?|亿元?)?$")
_GROUPS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?")


def _refuse(field: str, problem: str, message: str) -> UnprocessableError:
    return UnprocessableError(message, fields=[{"path": f"$.{field}", "problem": problem}])


def parse_limit_wan(text: str) -> Decimal | None:
    """The limit typed on the page, in yuan; None when the field was left blank."""
    # NFKC turns full-width digits and commas (common with Chinese input methods) into ASCII.
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not cleaned:
        return None
    if "," in cleaned:
        if not _GROUPS.match(cleaned):
            raise _refuse("limit_amount", "not an amount", f"cannot read the limit {text!r}")
        cleaned = cleaned.replace(",", "")
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise _refuse(
            "limit_amount",
            "not an amount",
            f"cannot read the limit {text!r}: type a number of 万元, e.g. 5000 or 5000万 or 0.5亿",
        )
    unit = YI if (match.group("unit") or "").startswith("亿") else WAN
    try:
        return (Decimal(match.group("num")) * unit).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise _refuse("limit_amount", "not an amount", f"cannot read the limit {text!r}") from None


def parse_tenor(text: str) -> int | None:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        return None
    if not cleaned.isdigit():
        raise _refuse(
            "tenor_months",
            "not a whole number",
            f"the tenor {text!r} is not a whole number of months",
        )
    return int(cleaned)


def checked(
    *,
    outcome: str,
    limit_amount: Decimal | None,
    tenor_months: int | None,
    products: list[str] | tuple[str, ...] | None,
) -> OverrideTerms:
    """The one validation of an override's terms, whichever way they arrived."""
    if outcome not in OUTCOMES:
        raise _refuse("outcome", "unknown", f"the outcome must be one of {', '.join(OUTCOMES)}")
    if limit_amount is not None and not (0 < limit_amount < MAX_LIMIT_YUAN):
        raise _refuse("limit_amount", "out of range", "the limit must be positive")
    if tenor_months is not None and not (1 <= tenor_months <= MAX_TENOR_MONTHS):
        raise _refuse(
            "tenor_months", "out of range", f"the tenor must be 1 to {MAX_TENOR_MONTHS} months"
        )
    if products is not None:
        unknown = [p for p in products if p not in PRODUCT_CODES]
        if unknown:
            raise _refuse("products", "unknown", f"unknown products: {', '.join(unknown)}")
        if not products:
            raise _refuse("products", "empty", "choose at least one product")
    return OverrideTerms(
        outcome=outcome,
        limit_amount=limit_amount,
        tenor_months=tenor_months,
        products=tuple(products) if products is not None else None,
    )


def from_form(
    *, outcome: str, limit_wan: str, tenor_months: str, products: list[str]
) -> OverrideTerms:
    """The page's fields: the limit in 万元 as typed, no products chosen = keep the engine's."""
    return checked(
        outcome=outcome,
        limit_amount=parse_limit_wan(limit_wan),
        tenor_months=parse_tenor(tenor_months),
        products=products or None,
    )


TERM_FIELDS = ("limit_amount", "tenor_months", "products", "rate")


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each term as before → after, for the history and the overrides report (all four terms,
    so that what stayed the same is as visible as what changed)."""
    if not after:
        return []
    old = before or {}
    return [
        {
            "field": key,
            "before": old.get(key),
            "after": after.get(key),
            "changed": old.get(key) != after.get(key),
        }
        for key in TERM_FIELDS
    ]


def terms_of(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """The terms a review state carries: its pending proposal's, else a closed case's final."""
    if not state:
        return None
    proposal = state.get("proposal") or {}
    if proposal.get("terms"):
        return {k: proposal["terms"].get(k) for k in TERM_FIELDS}
    if state.get("status") == "closed" and state.get("final_terms"):
        return {k: state["final_terms"].get(k) for k in TERM_FIELDS}
    return None


def decision_terms(decision: Any) -> dict[str, Any] | None:
    """The engine's terms of a decision row, in the shape proposals use (``service.engine_terms``)."""
    if decision is None:
        return None
    ranked = sorted(decision.products, key=lambda p: int(str(p.get("rank", 0))))
    return {
        "limit_amount": float(decision.limit_amount),
        "tenor_months": int(decision.tenor_months),
        "products": [str(p["code"]) for p in ranked],
        "rate": float(decision.rate),
    }


def review_terms(
    before: dict[str, Any], after: dict[str, Any], engine: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A review row's terms as before → after. Before a first proposal, the terms on the table
    are the engine's; a row that leaves no terms (a question, an answer) has none."""
    after_terms = terms_of(after)
    if after_terms is None:
        return None, None
    return terms_of(before) or engine, after_terms
