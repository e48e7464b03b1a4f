"""Readable application documents for tests, with sensible defaults and keyword overrides."""

from __future__ import annotations

import copy
from typing import Any

ROBOT_STARTUP: dict[str, Any] = {
    "enterprise": {
        "uscc": "91310115MA1K4BCD5J",
        "name": "上海示例智能科技有限公司",
        "sector": "robot",
        "district": "lingang",
        "founded_on": "2022-03-01",
        "employees": 85,
        "declared_stage": "startup",
        "tech_route": "arm",
        "core_product_tech_life_months": 36,
        "specialized_sme": True,
        "little_giant": False,
    },
    "financials": [
        {
            "fiscal_year": 2025,
            "revenue": 18_000_000,
            "operating_cost": 14_500_000,
            "net_profit": -1_200_000,
            "total_assets": 42_000_000,
            "total_liabilities": 17_000_000,
            "current_assets": 25_000_000,
            "current_liabilities": 9_000_000,
            "operating_cash_flow": -800_000,
            "rd_expense": 6_000_000,
            "inventory": 4_000_000,
            "receivables": 5_500_000,
            "subsidies": {"compute_voucher": 300_000, "special_fund": 500_000},
        },
        {
            "fiscal_year": 2024,
            "revenue": 9_000_000,
            "operating_cost": 8_000_000,
            "net_profit": -2_500_000,
            "total_assets": 30_000_000,
            "total_liabilities": 12_000_000,
            "current_assets": 18_000_000,
            "current_liabilities": 7_000_000,
            "operating_cash_flow": -1_500_000,
            "rd_expense": 4_500_000,
            "inventory": 3_000_000,
            "receivables": 3_000_000,
        },
    ],
    "supply_chain": [
        {
            "counterparty_uscc": "91350100M000100Y43",
            "counterparty_name": "上海示例终端制造有限公司",
            "role": "buyer",
            "is_core_enterprise": True,
            "share": 0.35,
            "on_time_delivery_rate": 0.992,
            "avg_payment_days": 45,
            "imported_component_share": 0.0,
        }
    ],
    "alternative_data": [
        {
            "month": f"2025-{m:02d}",
            "tax_invoice_amount": 1_500_000,
            "electricity_kwh": 42_000,
            "social_insurance_headcount": 80,
            "customs_export_amount": 0,
            "equipment_downtime_rate": 0.02,
            "order_cancellation_rate": 0.01,
        }
        for m in range(1, 11)
    ],
    "ip": {"patents": 12, "software_copyrights": 5, "ip_valuation": 8_000_000},
    "policy_support": {
        "guidance_fund_equity": True,
        "vc_backed": True,
        "special_fund_grant": 0,
        "trade_in_subsidy_eligible": False,
    },
    "green": {"compliance_violation": False, "carbon_intensity_vs_sector": 0.65},
    "request": {
        "amount": 5_000_000,
        "tenor_months": 24,
        "purpose": "rd",
        "collateral": ["ip_pledge"],
        "requested_product": None,
    },
}


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
