"""Codes a risk officer chooses from: why they decided, and which way an override moved the terms.

Labels for every code live in ``messages.py``; this module holds only the codes, so that the API
schema, the service and the report agree on one list.
"""

from __future__ import annotations

from typing import Final

from industry_credit.ml.grades import DISTRESSED_PD, MASTER_SCALE

# Structured reasons for a review action. An override must carry at least one of them so that
# the monthly override report can group overrides by cause.
REASON_CODES: Final[tuple[str, ...]] = (
    "industry_chain_position",
    "core_enterprise_orders",
    "guidance_fund_support",
    "additional_collateral",
    "ip_value",
    "weak_financials",
    "subsidy_dependency",
    "tech_iteration_risk",
    "import_dependency",
    "counterparty_distress",
    "market_acceptance",
    "green_compliance",
    "data_quality",
    "concentration_limit",
    "policy_priority",
    "other",
)

# Which way an override moved against the engine: more lenient, stricter, both (e.g. a higher
# limit with a shorter tenor) or neither (only the product list changed).
DIRECTIONS: Final[tuple[str, ...]] = ("up", "down", "mixed", "neutral")

ACTIONS: Final[tuple[str, ...]] = ("approve", "decline", "override", "request_info", "answer_info")
OPEN_STATUSES: Final[tuple[str, ...]] = ("open", "awaiting_second")

# Thresholds of the portfolio views (case neighbourhood, panorama). "Distressed" is the one
# definition the contagion features, the rules and the nightly batch use too: grade CCC and
# worse on the master scale (``grades.DISTRESSED_PD``), so that a firm the panorama paints
# distressed is the firm a contagion rule counts.
DISTRESS_PD: Final[float] = DISTRESSED_PD
# Risk is "rising" when the latest PD is at least 25% above the previous one and by at least
# 20 bp, so that noise on very small PDs does not light up the map.
RISING_PD_RATIO: Final[float] = 1.25
RISING_PD_MIN_STEP: Final[float] = 0.002

# Grade bands of the queue's filter, on the master scale: investment grade down to BBB-, then
# speculative down to B-, then distressed (CCC to C).
_SCALE: Final[tuple[str, ...]] = tuple(name for name, _ in MASTER_SCALE)
GRADE_BANDS: Final[dict[str, tuple[str, ...]]] = {
    "investment": _SCALE[: _SCALE.index("BB+")],
    "speculative": _SCALE[_SCALE.index("BB+") : _SCALE.index("CCC")],
    "distressed": _SCALE[_SCALE.index("CCC") :],
}
