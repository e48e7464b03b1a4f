"""Enterprise profile and history, and the data feed between applications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from industry_credit.api.deps import DbSession, require_roles
from industry_credit.applications.queries import enterprise_visible
from industry_credit.applications.schemas import (
    AlternativeDataIn,
    FinancialsIn,
    SupplyLinkIn,
    unique_links,
)
from industry_credit.audit.service import Actor, record
from industry_credit.db.models import (
    AlternativeDataMonthly,
    Decision,
    FinancialStatement,
    SupplyLink,
    User,
)
from industry_credit.enterprises import ownership, repository
from industry_credit.errors import UnprocessableError
from industry_credit.uscc import USCC_PATTERN

router = APIRouter(prefix="/v1/enterprises", tags=["enterprises"])

UsccPath = Annotated[
    str,
    Path(min_length=18, max_length=18, pattern=USCC_PATTERN, description="the enterprise's USCC"),
]
AnyRole = Annotated[User, Depends(require_roles("rm", "risk_officer", "admin"))]
Feeder = Annotated[User, Depends(require_roles("rm", "admin"))]
Admin = Annotated[User, Depends(require_roles("admin"))]


class EnterpriseOut(BaseModel):
    uscc: str
    name: str
    sector: str
    district: str
    founded_on: str
    employees: int
    declared_stage: str | None
    tech_route: str
    core_product_tech_life_months: int
    specialized_sme: bool
    little_giant: bool
    financials: list[dict[str, Any]]
    supply_chain: list[dict[str, Any]]
    alternative_data: list[dict[str, Any]]
    decisions: list[dict[str, Any]]


class DataFeedIn(BaseModel):
    """Monthly alternative data, new statements and supply-chain links, upserted by natural key."""

    model_config = ConfigDict(extra="ignore")
    financials: list[FinancialsIn] = Field(default_factory=list, max_length=5)
    supply_chain: list[SupplyLinkIn] = Field(default_factory=list, max_length=2000)
    alternative_data: list[AlternativeDataIn] = Field(default_factory=list, max_length=36)

    @field_validator("supply_chain")
    @classmethod
    def _unique_links(cls, value: list[SupplyLinkIn]) -> list[SupplyLinkIn]:
        return unique_links(value)

    @model_validator(mode="after")
    def _not_empty(self) -> DataFeedIn:
        if not (self.financials or self.supply_chain or self.alternative_data):
            raise ValueError("send at least one of financials, supply_chain, alternative_data")
        return self


class OwnerIn(BaseModel):
    owner: str = Field(min_length=1, max_length=64, description="username of an active rm")


class OwnerOut(BaseModel):
    uscc: str
    owner: str
    previous: str | None


class DataFeedOut(BaseModel):
    uscc: str
    financials: int
    supply_chain: int
    alternative_data: int


def _plain(
    row: Any, skip: tuple[str, ...] = ("enterprise_id", "received_at", "id")
) -> dict[str, Any]:
    values = {}
    for column in row.__table__.columns:
        if column.name in skip:
            continue
        value = getattr(row, column.name)
        values[column.name] = value if isinstance(value, int | str | bool | None) else str(value)
    return values


@router.get("/{uscc}", response_model=EnterpriseOut)
def get_enterprise(uscc: UsccPath, session: DbSession, user: AnyRole) -> dict[str, Any]:
    """Profile, data and decision history. An RM sees only the enterprises they own."""
    ent = enterprise_visible(session=session, user=user, uscc=uscc)

    def rows(model: Any, order: Any) -> list[Any]:
        return repository.data_rows(session=session, model=model, enterprise_id=ent.id, order=order)

    return {
        **{k: v for k, v in _plain(ent).items() if k in EnterpriseOut.model_fields},
        "founded_on": ent.founded_on.isoformat(),
        "employees": ent.employees,
        "core_product_tech_life_months": ent.core_product_tech_life_months,
        "specialized_sme": ent.specialized_sme,
        "little_giant": ent.little_giant,
        "financials": [_plain(r) for r in rows(FinancialStatement, FinancialStatement.fiscal_year)],
        "supply_chain": [_plain(r) for r in rows(SupplyLink, SupplyLink.id)],
        "alternative_data": [
            _plain(r) for r in rows(AlternativeDataMonthly, AlternativeDataMonthly.month)
        ],
        "decisions": [
            {
                "decision_id": str(d.id),
                "outcome": d.outcome,
                "grade": d.grade,
                "pd": d.pd,
                "decided_at": d.decided_at.isoformat(),
            }
            for d in rows(Decision, Decision.decided_at)
        ],
    }


@router.post("/{uscc}/data", response_model=DataFeedOut)
def feed_data(uscc: UsccPath, feed: DataFeedIn, session: DbSession, user: Feeder) -> dict[str, Any]:
    """Upsert statements by fiscal year, links by counterparty and role, monthly data by month.
    All or nothing: one invalid item refuses the whole request."""
    ent = enterprise_visible(session=session, user=user, uscc=uscc)
    self_links = [
        {
            "path": f"$.supply_chain[{i}].counterparty_uscc",
            "problem": "links the enterprise to itself",
        }
        for i, link in enumerate(feed.supply_chain)
        if link.counterparty_uscc == uscc
    ]
    if self_links:
        raise UnprocessableError(
            "a supply-chain link points to the enterprise itself", fields=self_links
        )
    repository.upsert_feed(
        session=session,
        enterprise_id=ent.id,
        financials=feed.financials,
        links=feed.supply_chain,
        months=feed.alternative_data,
    )
    counts = {
        "financials": len(feed.financials),
        "supply_chain": len(feed.supply_chain),
        "alternative_data": len(feed.alternative_data),
    }
    record(
        session=session,
        actor=Actor(user.username, user.role),
        action="enterprise.data_feed",
        entity_type="enterprise",
        entity_id=uscc,
        payload=counts,
    )
    return {"uscc": uscc, **counts}


@router.put("/{uscc}/owner", response_model=OwnerOut)
def assign_owner(uscc: UsccPath, body: OwnerIn, session: DbSession, admin: Admin) -> dict[str, Any]:
    """Make an active RM the enterprise's owner (admins only; audited)."""
    previous = ownership.assign_owner(
        session=session, admin=admin, uscc=uscc, owner_username=body.owner
    )
    return {"uscc": uscc, "owner": body.owner, "previous": previous}
