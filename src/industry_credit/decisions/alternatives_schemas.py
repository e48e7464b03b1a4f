"""Wire models of ``POST /v1/score/alternatives``: the document with its bounds, and the answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from industry_credit.applications.schemas import ApplicationDocument, _Doc
from industry_credit.decisions.alternatives import MAX_GRID, Bounds
from industry_credit.decisions.schemas import WhatIfOut


class AlternativeBounds(_Doc):
    """How far the search may move from the request. Unknown keys are refused (a misspelt
    bound must not silently fall back to its default)."""

    model_config = ConfigDict(extra="forbid")

    amount_floor: float = Field(
        0.30, gt=0, le=1, description="smallest amount tried, as a share of the requested one"
    )
    amount_steps: int = Field(
        8, ge=1, le=50, description="evenly spaced amounts from the request down to the floor"
    )
    tenor_min: int | None = Field(
        None,
        ge=1,
        le=360,
        description="shortest tenor tried (default 6, or the request or tech life if shorter)",
    )
    tenor_max: int | None = Field(
        None, ge=1, le=360, description="longest tenor tried (default the requested tenor)"
    )
    max_variants: int = Field(5, ge=1, le=20, description="approvable variants returned")
    max_grid: int = Field(
        10_000,
        ge=1,
        le=MAX_GRID,
        description="the most variants to decide; a larger grid is refused with 422",
    )
    vary_products: bool = Field(True, description="also ask for each eligible product")

    def bounds(self) -> Bounds:
        return Bounds(**self.model_dump())


class AlternativesIn(ApplicationDocument):
    """The application document of ``POST /v1/score``, plus optional ``bounds``."""

    bounds: AlternativeBounds = Field(default_factory=AlternativeBounds)

    def document(self) -> ApplicationDocument:
        fields = {name: getattr(self, name) for name in ApplicationDocument.model_fields}
        return ApplicationDocument.model_construct(**fields)


class ChangeOut(BaseModel):
    field: str
    before: Any
    after: Any
    zh: str
    en: str


class AlternativeOut(BaseModel):
    rank: int
    document: dict[str, Any] = Field(
        description="the variant as an application document: submit it as it is"
    )
    decision: WhatIfOut
    changes: list[ChangeOut]
    added_collateral: list[str]


class BlockingRuleOut(BaseModel):
    rule_id: str
    effect: str
    seed_ref: str
    description_zh: str
    description_en: str


class GridOut(BaseModel):
    variants: int = Field(description="variants decided in the one kernel call")
    approvable: int = Field(description="variants approved in full (amount and tenor)")
    amounts: list[float]
    tenors: list[int]
    collateral_added: list[str]
    products: list[str | None]


class AlternativesOut(BaseModel):
    original: WhatIfOut
    alternatives: list[AlternativeOut]
    blocking_rules: list[BlockingRuleOut] = Field(
        description="when no variant is approvable: the decline and refer rules that fired on"
        " every one of them"
    )
    grid: GridOut
    model_version: str
    ruleset_version: str
    reasons_version: int
