"""The application document of DOMAIN.md as pydantic models: the wire contract.

Unknown fields are ignored (``extra="ignore"``): DOMAIN.md welcomes extra fields, and fields a
client must not set (score, outcome, owner, status) can therefore never reach stored data.
Wrong types and codes outside the vocabulary are refused with the field's JSON path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from industry_credit.uscc import USCC_PATTERN, uscc_problem
from industry_credit.vocabulary import (
    COLLATERAL,
    DISTRICTS,
    OUTCOMES,
    PRODUCT_CODES,
    PURPOSES,
    RISK_SHARING_KINDS,
    SECTORS,
    STAGES,
    SUPPLY_ROLES,
    TECH_ROUTES,
)


@dataclass(frozen=True)
class Code:
    """A value from one of the shared vocabularies (``industry_credit.vocabulary``), validated
    and documented in OpenAPI as an enum of exactly those codes: derived, never retyped."""

    codes: tuple[str, ...]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(list(self.codes))


Sector = Annotated[str, Code(SECTORS)]
District = Annotated[str, Code(DISTRICTS)]
Stage = Annotated[str, Code(STAGES)]
TechRoute = Annotated[str, Code(TECH_ROUTES)]
SupplyRole = Annotated[str, Code(SUPPLY_ROLES)]
Purpose = Annotated[str, Code(PURPOSES)]
Collateral = Annotated[str, Code(COLLATERAL)]
ProductCode = Annotated[str, Code(PRODUCT_CODES)]
RiskSharingKind = Annotated[str, Code(RISK_SHARING_KINDS)]


def _check_uscc(value: str) -> str:
    problem = uscc_problem(value)
    if problem is not None:
        raise ValueError(f"invalid unified social credit code: {problem}")
    return value


# The schema declares what JSON Schema can express (length, GB 32100 alphabet); the check digit
# is verified by the validator (and by the database).
USCC_JSON_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 18,
    "maxLength": 18,
    "pattern": USCC_PATTERN,
    "description": "Unified social credit code (GB 32100-2015), check digit verified",
    "examples": ["91310115MA1K4BCD5J"],
}
USCC = Annotated[str, AfterValidator(_check_uscc), WithJsonSchema(USCC_JSON_SCHEMA)]
# CNY in whole fen (multiples of 0.01) up to 10^13 (CNY 10 trillion); never negative unless the
# field says so. Bounds are expressed so that they appear in the OpenAPI schema as well.
MAX_CNY = Decimal(10) ** 13
CENT = Decimal("0.01")


def _json_number(value: object) -> object:
    # Amounts are JSON numbers on the wire (DOMAIN.md); a string or a boolean is a client error.
    if isinstance(value, str | bool):
        raise ValueError("must be a JSON number")
    return value


def _as_json_number(value: Decimal) -> int | float:
    # Whole yuan as integers, fen as floats: amounts stay JSON numbers in stored documents and
    # snapshots. Below 10^13 with two decimals a float round-trips the decimal text exactly.
    return int(value) if value == value.to_integral_value() else float(value)


AS_NUMBER = PlainSerializer(_as_json_number, return_type=int | float, when_used="json")


def _cny(minimum: float, exclusive: bool = False) -> object:
    bound = "exclusiveMinimum" if exclusive else "minimum"
    return WithJsonSchema(
        {"type": "number", bound: minimum, "maximum": float(MAX_CNY), "multipleOf": 0.01}
    )


Money = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, le=MAX_CNY, multiple_of=CENT),
    _cny(0),
    AS_NUMBER,
]
SignedMoney = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=-MAX_CNY, le=MAX_CNY, multiple_of=CENT),
    _cny(-float(MAX_CNY)),
    AS_NUMBER,
]
PositiveMoney = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(gt=0, le=MAX_CNY, multiple_of=CENT),
    _cny(0, exclusive=True),
    AS_NUMBER,
]
Fraction = Annotated[float, Field(ge=0, le=1)]


def _declared_kind(annotation: Any) -> str | None:
    """The JSON kind a field declares: boolean, integer, number or date (Optional unwrapped)."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    base = (
        args[0] if len(args) == 1 and get_origin(annotation) in (Union, UnionType) else annotation
    )
    if base is bool:
        return "boolean"
    if base is int:
        return "integer"
    if base in (float, Decimal):
        return "number"
    if base is date:
        return "date"
    return None


class _Doc(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _json_type_as_declared(cls, value: Any, info: ValidationInfo) -> Any:
        # Lax mode reads true/false as 1/0, 1 as true, "5" as 5 and a number as a date; a value
        # of another JSON type than the schema declares is a client's mistake to refuse, not a
        # figure to store. Only Python's own JSON types are checked: a feed's numpy values keep
        # lax conversion.
        field = cls.model_fields.get(info.field_name or "")
        if field is None or value is None:
            return value
        kind = _declared_kind(field.annotation)
        if kind == "boolean" and type(value) in (int, float, str):
            raise ValueError("must be true or false")
        if kind in ("integer", "number") and type(value) in (bool, str):
            raise ValueError(f"must be a JSON number, not {type(value).__name__}")
        if kind == "date" and type(value) in (bool, int, float):
            raise ValueError("must be a date string (YYYY-MM-DD)")
        return value
        if field.annotation is bool:
            # JSON's own numbers and strings only (a feed's numpy values go through lax mode).
            if type(value) in (int, float, str):
                raise ValueError("must be true or false")
        elif isinstance(value, bool):
            raise ValueError("must be a number, not a boolean")
        return value


class EnterpriseIn(_Doc):
    uscc: USCC
    name: str = Field(min_length=2, max_length=200)
    sector: Sector
    district: District
    founded_on: date
    employees: int = Field(ge=0, le=2_000_000)
    declared_stage: Stage | None = None
    tech_route: TechRoute
    core_product_tech_life_months: int = Field(ge=1, le=600)
    specialized_sme: bool = False
    little_giant: bool = False
    is_core_enterprise: bool = False

    @field_validator("founded_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("founding date is in the future")
        return value


class Subsidies(_Doc):
    compute_voucher: Money = Decimal(0)
    model_voucher: Money = Decimal(0)
    corpus_voucher: Money = Decimal(0)
    special_fund: Money = Decimal(0)
    other: Money = Decimal(0)


class FinancialsIn(_Doc):
    fiscal_year: int = Field(ge=1990, le=2100)
    revenue: Money
    operating_cost: Money
    net_profit: SignedMoney
    total_assets: Money
    total_liabilities: Money
    current_assets: Money
    current_liabilities: Money
    operating_cash_flow: SignedMoney
    rd_expense: Money = Decimal(0)
    inventory: Money = Decimal(0)
    receivables: Money = Decimal(0)
    subsidies: Subsidies = Field(default_factory=Subsidies)

    @field_validator("fiscal_year")
    @classmethod
    def _not_future_year(cls, value: int) -> int:
        if value > date.today().year:
            raise ValueError("fiscal year is in the future")
        return value

    @model_validator(mode="after")
    def _current_within_total(self) -> FinancialsIn:
        if self.current_assets > self.total_assets:
            raise ValueError("current_assets exceeds total_assets")
        return self


def unique_links(links: list[SupplyLinkIn]) -> list[SupplyLinkIn]:
    """A link's natural key is (counterparty_uscc, role): two with one key would store one."""
    seen: set[tuple[str, str]] = set()
    for i, link in enumerate(links):
        key = (link.counterparty_uscc, link.role)
        if key in seen:
            raise ValueError(
                f"supply_chain[{i}] repeats counterparty_uscc {link.counterparty_uscc} with role"
                f" {link.role}; each (counterparty_uscc, role) may appear once"
            )
        seen.add(key)
    return links


class SupplyLinkIn(_Doc):
    counterparty_uscc: USCC
    counterparty_name: str = Field(min_length=1, max_length=200)
    role: SupplyRole
    is_core_enterprise: bool = False
    share: Fraction
    on_time_delivery_rate: Fraction
    avg_payment_days: int = Field(ge=0, le=720)
    # None: not reported. Missing evidence is not clean evidence: a manufacturer whose supplier
    # links do not state it is asked to trace its component supply [000 §(四)2].
    imported_component_share: Fraction | None = None


class AlternativeDataIn(_Doc):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2025-10"])
    tax_invoice_amount: Money = Decimal(0)
    electricity_kwh: Money = Decimal(0)
    social_insurance_headcount: int = Field(default=0, ge=0, le=2_000_000)
    customs_export_amount: Money = Decimal(0)
    equipment_downtime_rate: Fraction = 0.0
    order_cancellation_rate: Fraction = 0.0

    @field_validator("month")
    @classmethod
    def _not_future_month(cls, value: str) -> str:
        today = date.today()
        if value > f"{today.year:04d}-{today.month:02d}":
            raise ValueError("month is in the future")
        return value


class IpIn(_Doc):
    patents: int = Field(default=0, ge=0, le=1_000_000)
    software_copyrights: int = Field(default=0, ge=0, le=1_000_000)
    ip_valuation: Money = Decimal(0)


class PolicySupportIn(_Doc):
    guidance_fund_equity: bool = False
    vc_backed: bool = False
    special_fund_grant: Money = Decimal(0)
    trade_in_subsidy_eligible: bool = False


class GreenIn(_Doc):
    # None: not reported; the decision then asks for the evidence [000 §(四)4] instead of
    # reading silence as compliance, and no green discount is given without a carbon figure.
    compliance_violation: bool | None = None
    carbon_intensity_vs_sector: float | None = Field(default=None, ge=0, le=10)


class MarketPlanIn(_Doc):
    """Optional: break-even volume against capacity and sales plan (consumer terminals)."""

    break_even_units: int = Field(ge=0, le=10**12)
    annual_capacity_units: int = Field(ge=0, le=10**12)
    planned_sales_units: int = Field(ge=0, le=10**12)


class RiskSharingIn(_Doc):
    """A partner that bears a share of the bank's loss on this loan."""

    partner_kind: RiskSharingKind
    partner_name: str = Field(min_length=2, max_length=200)
    coverage_share: Fraction = Field(gt=0)


class LoanRequestIn(_Doc):
    amount: PositiveMoney
    tenor_months: int = Field(ge=1, le=360)
    purpose: Purpose
    collateral: list[Collateral] = Field(default_factory=list, max_length=9)
    requested_product: ProductCode | None = None
    risk_sharing: list[RiskSharingIn] = Field(default_factory=list, max_length=10)

    @field_validator("risk_sharing")
    @classmethod
    def _coverage_at_most_whole(cls, value: list[RiskSharingIn]) -> list[RiskSharingIn]:
        total = sum(p.coverage_share for p in value)
        if total > 1:
            raise ValueError(f"coverage_share values sum to {total:g}; partners cover at most 1")
        return value


class ApplicationDocument(_Doc):
    enterprise: EnterpriseIn
    financials: list[FinancialsIn] = Field(min_length=1, max_length=5)
    supply_chain: list[SupplyLinkIn] = Field(default_factory=list, max_length=2000)
    alternative_data: list[AlternativeDataIn] = Field(default_factory=list, max_length=36)
    ip: IpIn = Field(default_factory=IpIn)
    policy_support: PolicySupportIn = Field(default_factory=PolicySupportIn)
    green: GreenIn = Field(default_factory=GreenIn)
    market: MarketPlanIn | None = None
    request: LoanRequestIn

    @field_validator("financials")
    @classmethod
    def _unique_years(cls, value: list[FinancialsIn]) -> list[FinancialsIn]:
        years = [f.fiscal_year for f in value]
        if len(set(years)) != len(years):
            raise ValueError("fiscal_year values must be unique")
        return value

    @field_validator("alternative_data")
    @classmethod
    def _unique_months(cls, value: list[AlternativeDataIn]) -> list[AlternativeDataIn]:
        months = [m.month for m in value]
        if len(set(months)) != len(months):
            raise ValueError("month values must be unique")
        return value

    @field_validator("supply_chain")
    @classmethod
    def _unique_links(cls, value: list[SupplyLinkIn]) -> list[SupplyLinkIn]:
        return unique_links(value)

    @model_validator(mode="after")
    def _no_self_link(self) -> ApplicationDocument:
        for i, link in enumerate(self.supply_chain):
            if link.counterparty_uscc == self.enterprise.uscc:
                raise ValueError(f"supply_chain[{i}] links the enterprise to itself")
        return self


Outcome = Annotated[str, Code(OUTCOMES)]
