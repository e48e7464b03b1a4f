"""The enterprise and everything known about it: statements, links, monthly data, IP, policy, green.

Every data row carries ``received_at`` so that the nightly batch can score "as known on a date".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from industry_credit.db.base import Base, created_at_column, updated_at_column
from industry_credit.db.models.types import fraction, money
from industry_credit.vocabulary import (
    DISTRICTS,
    SECTORS,
    STAGES,
    SUPPLY_ROLES,
    TECH_ROUTES,
    sql_in,
)


def _received_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def _enterprise_fk(primary_key: bool = False) -> Mapped[int]:
    return mapped_column(
        BigInteger,
        ForeignKey("enterprises.id", ondelete="CASCADE"),
        primary_key=primary_key,
        index=not primary_key,
    )


class Enterprise(Base):
    __tablename__ = "enterprises"
    __table_args__ = (
        CheckConstraint("uscc_is_valid(uscc)", name="uscc_check_digit"),
        CheckConstraint(sql_in("sector", SECTORS), name="sector"),
        CheckConstraint(sql_in("district", DISTRICTS), name="district"),
        CheckConstraint(
            f"declared_stage IS NULL OR {sql_in('declared_stage', STAGES)}", name="stage"
        ),
        CheckConstraint(sql_in("tech_route", TECH_ROUTES), name="tech_route"),
        CheckConstraint("employees >= 0", name="employees_nonneg"),
        CheckConstraint("core_product_tech_life_months > 0", name="tech_life_positive"),
        CheckConstraint("true_pd IS NULL OR (true_pd >= 0 AND true_pd <= 1)", name="true_pd_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str] = mapped_column(String(32), index=True)
    founded_on: Mapped[date] = mapped_column(Date)
    employees: Mapped[int] = mapped_column(Integer)
    declared_stage: Mapped[str | None] = mapped_column(String(16))
    tech_route: Mapped[str] = mapped_column(String(16))
    core_product_tech_life_months: Mapped[int] = mapped_column(SmallInteger)
    specialized_sme: Mapped[bool] = mapped_column(server_default=text("false"))
    little_giant: Mapped[bool] = mapped_column(server_default=text("false"))
    # A certified core enterprise (链主) of the chain: large AI-PC, phone or server makers.
    is_core_enterprise: Mapped[bool] = mapped_column(server_default=text("false"))
    # An explicit portfolio flag puts the firm in the nightly batch without an open application.
    in_portfolio: Mapped[bool] = mapped_column(server_default=text("false"))
    # Outstanding exposure; the nightly batch rescores every firm with exposure.
    exposure: Mapped[Decimal] = money()
    # Ground truth of the synthetic population only; never read by training or scoring.
    true_pd: Mapped[float | None] = mapped_column(Double)
    defaulted_12m: Mapped[bool | None] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class FinancialStatement(Base):
    __tablename__ = "financial_statements"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "fiscal_year"),
        CheckConstraint("fiscal_year BETWEEN 1990 AND 2100", name="fiscal_year_range"),
        CheckConstraint(
            "revenue >= 0 AND operating_cost >= 0 AND total_assets >= 0 AND total_liabilities >= 0"
            " AND current_assets >= 0 AND current_liabilities >= 0 AND rd_expense >= 0"
            " AND inventory >= 0 AND receivables >= 0",
            name="amounts_nonneg",
        ),
        CheckConstraint("current_assets <= total_assets", name="current_assets_within_total"),
        CheckConstraint(
            "subsidy_compute_voucher >= 0 AND subsidy_model_voucher >= 0"
            " AND subsidy_corpus_voucher >= 0 AND subsidy_special_fund >= 0 AND subsidy_other >= 0",
            name="subsidies_nonneg",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enterprise_id: Mapped[int] = _enterprise_fk()
    fiscal_year: Mapped[int] = mapped_column(SmallInteger)
    revenue: Mapped[Decimal] = money()
    operating_cost: Mapped[Decimal] = money()
    net_profit: Mapped[Decimal] = money()
    total_assets: Mapped[Decimal] = money()
    total_liabilities: Mapped[Decimal] = money()
    current_assets: Mapped[Decimal] = money()
    current_liabilities: Mapped[Decimal] = money()
    operating_cash_flow: Mapped[Decimal] = money()
    rd_expense: Mapped[Decimal] = money()
    inventory: Mapped[Decimal] = money()
    receivables: Mapped[Decimal] = money()
    subsidy_compute_voucher: Mapped[Decimal] = money()
    subsidy_model_voucher: Mapped[Decimal] = money()
    subsidy_corpus_voucher: Mapped[Decimal] = money()
    subsidy_special_fund: Mapped[Decimal] = money()
    subsidy_other: Mapped[Decimal] = money()
    received_at: Mapped[datetime] = _received_at()


class SupplyLink(Base):
    """A directed trade link: ``role`` is what the counterparty is to the enterprise."""

    __tablename__ = "supply_links"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "counterparty_uscc", "role"),
        CheckConstraint(sql_in("role", SUPPLY_ROLES), name="role"),
        CheckConstraint("uscc_is_valid(counterparty_uscc)", name="counterparty_uscc_check_digit"),
        CheckConstraint("share >= 0 AND share <= 1", name="share_fraction"),
        CheckConstraint(
            "on_time_delivery_rate >= 0 AND on_time_delivery_rate <= 1", name="delivery_fraction"
        ),
        CheckConstraint(
            "imported_component_share >= 0 AND imported_component_share <= 1",
            name="imported_fraction",
        ),
        CheckConstraint("avg_payment_days >= 0 AND avg_payment_days <= 720", name="payment_days"),
        CheckConstraint(
            "counterparty_id IS NULL OR counterparty_id <> enterprise_id", name="no_self"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enterprise_id: Mapped[int] = _enterprise_fk()
    # Indexed: the nightly contagion pass finds the links into each distressed core firm.
    counterparty_uscc: Mapped[str] = mapped_column(String(18), index=True)
    counterparty_name: Mapped[str] = mapped_column(String(200))
    # Resolved when the counterparty is itself known to the bank.
    counterparty_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(8))
    is_core_enterprise: Mapped[bool] = mapped_column(server_default=text("false"))
    share: Mapped[Decimal] = fraction()
    on_time_delivery_rate: Mapped[Decimal] = fraction()
    avg_payment_days: Mapped[int] = mapped_column(SmallInteger)
    imported_component_share: Mapped[Decimal | None] = fraction(nullable=True)  # NULL: unreported
    received_at: Mapped[datetime] = _received_at()


class AlternativeDataMonthly(Base):
    __tablename__ = "alternative_data_monthly"
    __table_args__ = (
        CheckConstraint("EXTRACT(DAY FROM month) = 1", name="month_first_day"),
        CheckConstraint(
            "tax_invoice_amount >= 0 AND electricity_kwh >= 0 AND social_insurance_headcount >= 0"
            " AND customs_export_amount >= 0",
            name="amounts_nonneg",
        ),
        CheckConstraint(
            "equipment_downtime_rate >= 0 AND equipment_downtime_rate <= 1",
            name="downtime_fraction",
        ),
        CheckConstraint(
            "order_cancellation_rate >= 0 AND order_cancellation_rate <= 1",
            name="cancellation_fraction",
        ),
    )

    enterprise_id: Mapped[int] = _enterprise_fk(primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    tax_invoice_amount: Mapped[Decimal] = money()
    electricity_kwh: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    social_insurance_headcount: Mapped[int] = mapped_column(Integer)
    customs_export_amount: Mapped[Decimal] = money()
    equipment_downtime_rate: Mapped[Decimal] = fraction()
    order_cancellation_rate: Mapped[Decimal] = fraction()
    received_at: Mapped[datetime] = _received_at()


class IntellectualProperty(Base):
    __tablename__ = "intellectual_property"
    __table_args__ = (
        CheckConstraint(
            "patents >= 0 AND software_copyrights >= 0 AND ip_valuation >= 0", name="nonneg"
        ),
    )

    enterprise_id: Mapped[int] = _enterprise_fk(primary_key=True)
    patents: Mapped[int] = mapped_column(Integer, server_default="0")
    software_copyrights: Mapped[int] = mapped_column(Integer, server_default="0")
    ip_valuation: Mapped[Decimal] = money()
    received_at: Mapped[datetime] = _received_at()


class PolicySupport(Base):
    __tablename__ = "policy_support"
    __table_args__ = (CheckConstraint("special_fund_grant >= 0", name="grant_nonneg"),)

    enterprise_id: Mapped[int] = _enterprise_fk(primary_key=True)
    guidance_fund_equity: Mapped[bool] = mapped_column(server_default=text("false"))
    vc_backed: Mapped[bool] = mapped_column(server_default=text("false"))
    special_fund_grant: Mapped[Decimal] = money()
    trade_in_subsidy_eligible: Mapped[bool] = mapped_column(server_default=text("false"))
    received_at: Mapped[datetime] = _received_at()


class GreenData(Base):
    __tablename__ = "green_data"
    __table_args__ = (
        CheckConstraint(
            "carbon_intensity_vs_sector >= 0 AND carbon_intensity_vs_sector <= 10",
            name="carbon_ratio_range",
        ),
    )

    enterprise_id: Mapped[int] = _enterprise_fk(primary_key=True)
    # NULL: not reported (missing evidence, not a clean record).
    compliance_violation: Mapped[bool | None] = mapped_column(nullable=True)
    carbon_intensity_vs_sector: Mapped[Decimal | None] = mapped_column(Numeric(8, 4), nullable=True)
    received_at: Mapped[datetime] = _received_at()


class MarketPlan(Base):
    """Break-even volume against capacity and sales plan, for new consumer terminals [000 §(四)3]."""

    __tablename__ = "market_plans"
    __table_args__ = (
        CheckConstraint(
            "break_even_units >= 0 AND annual_capacity_units >= 0 AND planned_sales_units >= 0",
            name="units_nonneg",
        ),
    )

    enterprise_id: Mapped[int] = _enterprise_fk(primary_key=True)
    break_even_units: Mapped[int] = mapped_column(BigInteger)
    annual_capacity_units: Mapped[int] = mapped_column(BigInteger)
    planned_sales_units: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = _received_at()
