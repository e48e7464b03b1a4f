"""Wire models of the review API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from industry_credit.review.codes import REASON_CODES
from industry_credit.vocabulary import PRODUCT_CODES


def _known(values: tuple[str, ...], what: str) -> Any:
    def check(value: str) -> str:
        if value not in values:
            raise ValueError(f"unknown {what} {value!r}")
        return value

    return AfterValidator(check)


ReasonCode = Annotated[
    str, _known(REASON_CODES, "reason code"), Field(json_schema_extra={"enum": list(REASON_CODES)})
]
ProductCode = Annotated[
    str, _known(PRODUCT_CODES, "product"), Field(json_schema_extra={"enum": list(PRODUCT_CODES)})
]
WrittenText = Annotated[str, Field(min_length=10, max_length=4000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DecisionActionIn(_In):
    reason: WrittenText = Field(description="Why, in writing (at least 10 characters).")
    reason_codes: list[ReasonCode] = Field(default_factory=list, max_length=8)


class OverrideIn(DecisionActionIn):
    """Other terms than the engine's; omitted fields keep the engine's value."""

    outcome: Literal["approve", "decline"]
    limit_amount: Decimal | None = Field(default=None, gt=0, max_digits=18, decimal_places=2)
    tenor_months: int | None = Field(default=None, ge=1, le=360)
    products: list[ProductCode] | None = Field(default=None, min_length=1, max_length=10)
    reason_codes: list[ReasonCode] = Field(min_length=1, max_length=8)


class AssignIn(_In):
    officer: str | None = Field(
        min_length=1,
        max_length=64,
        # No control characters (PostgreSQL refuses a NUL in text, which would be a 500).
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="The risk officer's username; null frees the case.",
    )


class QuestionIn(_In):
    question: WrittenText


class AnswerIn(_In):
    answer: WrittenText


class EnterpriseRef(BaseModel):
    uscc: str
    name: str
    district: str
    sector: str


class ProposalOut(BaseModel):
    outcome: str
    terms: dict[str, Any]
    override: bool
    direction: str | None
    agreed_by: list[str]


class CurrentRisk(BaseModel):
    pd: float
    grade: str
    as_of: date
    source: Literal["decision", "batch"]


class CaseSummaryOut(BaseModel):
    case_id: int
    source: str
    status: str
    flags: list[str]
    enqueued_at: datetime
    age_hours: float
    over_sla: bool
    enterprise: EnterpriseRef
    application_id: str | None
    decision_id: str | None
    amount: float
    pd: float | None
    grade: str | None
    stage: str | None
    engine_outcome: str | None
    needs_two_officers: bool
    proposal: ProposalOut | None
    current: CurrentRisk | None = Field(
        default=None,
        description="The firm's current risk: the newer of its latest decision and nightly run.",
    )
    holder: str | None = Field(
        default=None,
        description="The officer who holds the case (claimed or assigned); null when free.",
    )
    expected_loss: float | None = Field(
        default=None, description="PD × amount × LGD (the ruleset's review_queue section), CNY."
    )
    severity: int | None = Field(
        default=None, description="The largest severity weight of the batch case's flags."
    )
    signal_state: str | None = Field(
        default=None,
        description="What the latest nightly run did to a batch case: new, unchanged, worsened"
        " (with the changes) or cleared (for an officer to close).",
    )
    priority: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Why the item sits where it does, in the queue's sort order: sla_breached,"
        " worsened, cleared, expected_loss, severity.",
    )


class QueuePage(BaseModel):
    items: list[CaseSummaryOut]
    total: int
    limit: int
    offset: int


class ReviewOut(BaseModel):
    id: int
    actor: str
    actor_role: str
    action: str
    reason: str
    reason_codes: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    created_at: datetime
    terms_before: dict[str, Any] | None = Field(
        default=None, description="Terms on the table before this action (the engine's at first)."
    )
    terms_after: dict[str, Any] | None = Field(
        default=None, description="Terms this action proposed or closed the case on."
    )


class SignalOut(BaseModel):
    """One nightly run's signal on a batch case."""

    as_of: date
    run_id: str
    state: str
    flags: list[str]
    pd: float | None
    grade: str | None
    exposure: float | None
    lgd: float | None
    expected_loss: float | None
    severity: int
    changes: list[str]


class CaseOut(CaseSummaryOut):
    final_outcome: str | None
    final_terms: dict[str, Any] | None
    closed_at: datetime | None
    submitted_by: str | None
    question: str | None
    decision: dict[str, Any] | None
    reviews: list[ReviewOut]
    nightly: dict[str, Any] | None = Field(
        default=None,
        description="A nightly flag's rescore: as_of, pd, grade, previous_grade, notches, "
        "flags, contagion_score, the TreeSHAP reasons the run computed for the firm and the "
        "rules that fired with the values they read (flag_evidence).",
    )
    signals: list[SignalOut] = Field(
        default_factory=list, description="A batch case's nightly signals, oldest first."
    )


class OfficerOverrides(BaseModel):
    officer: str
    actions: int
    overrides: int
    override_rate: float
    by_direction: dict[str, int]


class CountShare(BaseModel):
    key: str
    count: int
    share: float


class OverrideItem(BaseModel):
    review_id: int
    case_id: int
    officer: str
    created_at: datetime
    outcome: str | None
    direction: str
    reason_codes: list[str]
    terms_before: dict[str, Any] | None
    terms_after: dict[str, Any] | None


class OverrideReport(BaseModel):
    month: str
    decision_actions: int = Field(description="approve, decline and override actions")
    overrides: int
    override_rate: float
    cases_closed: int
    cases_closed_with_override: int
    closed_override_rate: float
    by_officer: list[OfficerOverrides]
    by_direction: list[CountShare]
    by_reason: list[CountShare]
    items: list[OverrideItem] = Field(
        default_factory=list, description="Each override with its terms as before → after."
    )
