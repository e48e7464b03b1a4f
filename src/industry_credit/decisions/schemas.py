"""The decision document of DOMAIN.md, as the API's response model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from industry_credit.applications.schemas import Outcome


class ProductOut(BaseModel):
    code: str
    rank: int
    rationale_zh: str
    rationale_en: str


class LimitOut(BaseModel):
    amount: float
    binding: str


class TenorOut(BaseModel):
    months: int
    binding: str


class PricingOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    base_rate: float
    grade_premium: float
    green_discount: float
    interest_subsidy: float
    rate: float


class ReasonOut(BaseModel):
    feature: str
    contribution: float
    zh: str
    en: str


class RuleHitOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    rule_id: str
    effect: str
    seed_ref: str


class RiskSharingPartnerOut(BaseModel):
    partner_kind: str
    partner_name: str
    coverage_share: float


class RiskSharingOut(BaseModel):
    """The partners that bear part of the loss, as the application named them; the coverage
    is what the limit, the price and the cut-offs counted (DOMAIN.md "Risk-sharing partners")."""

    coverage: float = 0.0
    partners: list[RiskSharingPartnerOut] = Field(default_factory=list)


class DecisionOut(BaseModel):
    decision_id: str
    application_id: str
    enterprise_uscc: str
    pd: float = Field(ge=0, le=1)
    grade: str
    outcome: Outcome
    stage: str
    stage_declared: str | None
    products: list[ProductOut]
    limit: LimitOut
    tenor: TenorOut
    pricing: PricingOut
    conditions: list[str]
    reasons: list[ReasonOut] = Field(max_length=4)
    rule_hits: list[RuleHitOut]
    flags: list[str]
    risk_sharing: RiskSharingOut = Field(default_factory=RiskSharingOut)
    model_version: str
    ruleset_version: str
    reasons_version: int = Field(
        default=1,
        description="Renderer of the reason sentences: 1 printed a share's magnitude (decisions "
        "recorded before version 2), 2 keeps every level's sign.",
    )
    input_sha256: str
    decided_at: str


class WhatIfOut(BaseModel):
    """A decision computed without storing anything (no ids)."""

    model_config = ConfigDict(extra="allow")
    pd: float
    grade: str
    outcome: Outcome
    products: list[ProductOut]
    limit: LimitOut
    tenor: TenorOut
    pricing: PricingOut
    reasons: list[ReasonOut]
    model_version: str
    ruleset_version: str


class ExplanationOut(BaseModel):
    decision_id: str
    features: dict[str, Any]
    contributions: dict[str, float]
    base_value: float
    rule_evaluations: list[dict[str, Any]]


class ReplayOut(BaseModel):
    decision_id: str
    identical: bool
    differences: list[dict[str, Any]]
    model_version: str
    ruleset_version: str
