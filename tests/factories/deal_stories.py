"""Seed-story application documents for deal structuring (DOMAIN.md; [002], [000 §(四)]).

Each starts from the Lingang robot start-up of ``applications/examples.py`` (a humanoid-robot
maker founded in 2022 with 12 patents: the CNY 5M IP-backed loan of [002 §立足上海主场]) and
changes what its story needs.
"""

from __future__ import annotations

from typing import Any

from tests.factories.documents import application, uscc_for, with_uscc


def unsecured_startup(n: int) -> dict[str, Any]:
    """The start-up after losses that left it with negative equity, asking for CNY 5M with no
    security at all, and no core-enterprise buyer whose receivables it could pledge: declined
    by KO-NEGATIVE-EQUITY for want of a second source of repayment [002 §金融引擎轰鸣]."""
    doc = with_uscc(application(), uscc_for(n))
    for statement in doc["financials"]:
        statement["total_liabilities"] = statement["total_assets"] + 6_000_000
    # Its buyers are no core enterprises; its traced supplier stays (the supply-chain evidence
    # the bank requires of a terminal maker [000 §(四)2]).
    doc["supply_chain"] = [{**link, "is_core_enterprise": False} for link in doc["supply_chain"]]
    doc["request"] = {**doc["request"], "collateral": [], "amount": 5_000_000}
    return doc


def tenor_beyond_tech_life(n: int) -> dict[str, Any]:
    """Five years asked for a core product with three years of technology life left: the tenor
    must not outlive the technology [000 §(四)1]."""
    doc = with_uscc(application(), uscc_for(n))
    doc["request"] = {**doc["request"], "tenor_months": 60}
    return doc


def compliance_violation(n: int) -> dict[str, Any]:
    """An unresolved green-compliance violation [000 §(四)4]: no structure lends to it."""
    doc = with_uscc(application(), uscc_for(n))
    doc["green"] = {**doc["green"], "compliance_violation": True}
    return doc
