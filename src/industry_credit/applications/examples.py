"""The example application document: a two-year-old Lingang robot start-up with patents,
guidance-fund equity and one core buyer. It is the OpenAPI example and the tests' base case."""

from __future__ import annotations

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
        },
        {
            "counterparty_uscc": "91310115MA1K4XW20L",
            "counterparty_name": "上海示例精密减速器有限公司",
            "role": "supplier",
            "is_core_enterprise": False,
            "share": 0.4,
            "on_time_delivery_rate": 0.98,
            "avg_payment_days": 60,
            "imported_component_share": 0.2,
        },
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
    # The break-even plan the bank's own market-feasibility analysis starts from [000 §(四)3].
    "market": {
        "break_even_units": 1_500,
        "annual_capacity_units": 4_000,
        "planned_sales_units": 2_500,
    },
    "request": {
        "amount": 5_000_000,
        "tenor_months": 24,
        "purpose": "rd",
        "collateral": ["ip_pledge"],
        "requested_product": None,
    },
}
