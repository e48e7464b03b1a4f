"""Readable application documents for tests, with sensible defaults and keyword overrides."""

from __future__ import annotations

import copy
from typing import Any

from industry_credit.applications.examples import ROBOT_STARTUP


# One source for the example document: the API documents it, the tests build on it.
def application(**sections: dict[str, Any]) -> dict[str, Any]:
    """A copy of the robot start-up document with top-level sections partly overridden.

    ``application(enterprise={"sector": "ai_pc"}, request={"amount": 1e6})`` merges into those
    sections; list sections (financials, supply_chain, alternative_data) are replaced whole.
    """
    doc = copy.deepcopy(ROBOT_STARTUP)
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(doc.get(name), dict):
            doc[name].update(value)
        else:
            doc[name] = value
    return doc


def healthy_industrial_maker() -> dict[str, Any]:
    """A mature, profitable industrial-terminal maker with a core buyer: the engine approves."""
    years = []
    for i, year in enumerate((2025, 2024, 2023)):
        scale = 1.0 / (1.12**i)
        years.append(
            {
                "fiscal_year": year,
                "revenue": round(420_000_000 * scale, 2),
                "operating_cost": round(330_000_000 * scale, 2),
                "net_profit": round(38_000_000 * scale, 2),
                "total_assets": round(520_000_000 * scale, 2),
                "total_liabilities": round(190_000_000 * scale, 2),
                "current_assets": round(260_000_000 * scale, 2),
                "current_liabilities": round(110_000_000 * scale, 2),
                "operating_cash_flow": round(52_000_000 * scale, 2),
                "rd_expense": round(25_000_000 * scale, 2),
                "inventory": round(40_000_000 * scale, 2),
                "receivables": round(70_000_000 * scale, 2),
                "subsidies": {"other": round(500_000 * scale, 2)},
            }
        )
    months = [(2024 + (m - 1) // 12, (m - 1) % 12 + 1) for m in range(11, 35)]
    return application(
        enterprise={
            "uscc": "91310117MA1J3KQ24L",
            "name": "上海松江工业智能终端股份有限公司",
            "sector": "industrial_terminal",
            "district": "songjiang",
            "founded_on": "2009-05-12",
            "employees": 1200,
            "declared_stage": "mature",
            "tech_route": "x86",
            "core_product_tech_life_months": 60,
            "specialized_sme": True,
            "little_giant": True,
        },
        financials=years,
        alternative_data=[
            {
                "month": f"{y}-{m:02d}",
                "tax_invoice_amount": 35_000_000 + 200_000 * i,
                "electricity_kwh": 900_000 + 4_000 * i,
                "social_insurance_headcount": 1150 + i,
                "customs_export_amount": 3_000_000,
                "equipment_downtime_rate": 0.01,
                "order_cancellation_rate": 0.005,
            }
            for i, (y, m) in enumerate(months)
        ],
        policy_support={"guidance_fund_equity": False, "vc_backed": False},
        request={
            "amount": 30_000_000,
            "tenor_months": 36,
            "purpose": "working_capital",
            "collateral": ["receivables_pledge"],
            "requested_product": None,
        },
    )


def with_uscc(doc: dict[str, Any], uscc: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["enterprise"]["uscc"] = uscc
    return doc


def uscc_for(n: int, prefix: str = "9131011") -> str:
    """A valid, distinct USCC for test enterprise number ``n``."""
    from industry_credit.uscc import check_digit

    body = f"{prefix}{n:010d}"[:17]
    return body + check_digit(body)
