"""The shared vocabulary: codes used on the wire, in the database and in rules.

One place so that the API schemas, the database CHECK constraints, the synthetic
generator, the model's categories and the ruleset validator cannot drift apart.
"""

from __future__ import annotations

from typing import Final

SECTORS: Final[tuple[str, ...]] = (
    "ai_pc",
    "ai_phone",
    "compute_terminal",
    "robot",
    "smart_glasses",
    "satellite_terminal",
    "silver_economy",
    "industrial_terminal",
    "future_terminal",
    "edge_ai_chip",
    "edge_model",
    # Modules and boards (模组、板卡): key links the special funds support [000 §(三)2].
    "module_board",
    "other",
)

DISTRICTS: Final[tuple[str, ...]] = (
    "pudong",
    "songjiang",
    "qingpu",
    "lingang",
    "other_shanghai",
    "outside_shanghai",
)

# The plan's four key districts [000 §(三)3].
KEY_DISTRICTS: Final[tuple[str, ...]] = ("pudong", "songjiang", "qingpu", "lingang")

STAGES: Final[tuple[str, ...]] = ("startup", "growth", "mature", "transition")

TECH_ROUTES: Final[tuple[str, ...]] = ("x86", "arm", "risc_v", "other", "none")

OUTCOMES: Final[tuple[str, ...]] = ("approve", "refer", "decline")

ROLES: Final[tuple[str, ...]] = ("rm", "risk_officer", "admin")

PURPOSES: Final[tuple[str, ...]] = (
    "working_capital",
    "capex",
    "rd",
    "project",
    "m_and_a",
    "refinance",
)

COLLATERAL: Final[tuple[str, ...]] = (
    "ip_pledge",
    "software_copyright_pledge",
    "receivables_pledge",
    "equipment_mortgage",
    "real_estate_mortgage",
    "equity_pledge",
    "guarantee_fund",
    "third_party_guarantee",
    "none",
)

SUPPLY_ROLES: Final[tuple[str, ...]] = ("buyer", "supplier")

# Risk-sharing partners of a loan (request.risk_sharing[].partner_kind) [000 §(二)3(1), §(五)2;
# 002; 003; 004 §2]: policy banks (政策性银行), a syndicate's other lenders (银团), government
# guarantee funds (担保基金), financing-guarantee companies (融资担保/融担贷), credit insurance
# (科保贷), district or city risk-compensation pools (风险补偿资金池) and a special fund that
# shares losses with the bank (专项资金风险补偿; a grant paid to the firm is not one).
RISK_SHARING_KINDS: Final[tuple[str, ...]] = (
    "policy_bank",
    "syndicate",
    "guarantee_fund",
    "financing_guarantee",
    "insurance",
    "risk_compensation_pool",
    "special_fund_loss_sharing",
)
# The government's own risk sharing, which the start-up relief asks for (投贷联动+政府风险分担
# [000 §(五)2]).
GOVERNMENT_RISK_SHARING: Final[tuple[str, ...]] = (
    "policy_bank",
    "guarantee_fund",
    "risk_compensation_pool",
    "special_fund_loss_sharing",
)

# Product code -> Chinese name, as in DOMAIN.md's shared vocabulary.
PRODUCTS: Final[dict[str, str]] = {
    "investment_loan_linkage": "投贷联动",
    "warrant_loan": "认股权贷款",
    "option_loan": "选择权贷款",
    "guidance_fund_follow_loan": "跟贷",
    "supply_chain_finance": "供应链金融",
    "ip_pledge_loan": "知识产权质押贷款",
    "tech_commercialization_loan": "技术成果转化贷款",
    "software_copyright_pledge_loan": "软件著作权质押贷款",
    "future_receivables_pledge_loan": "未来收益权质押贷款",
    "revolving_credit": "循环授信",
    "capacity_upgrade_loan": "产能升级贷款",
    "plant_setup_loan": "设厂融资",
    "project_finance": "项目融资",
    "equipment_leasing": "设备租赁",
    "social_benefit_loan": "社会效益贷款(贴息)",
    "working_capital_loan": "流动资金贷款",
    "syndicated_loan": "银团贷款",
    "bond_issuance": "债券发行",
    "m_and_a_finance": "并购金融",
    "abs": "资产证券化",
    "trade_in_installment": "以旧换新分期",
    "green_transformation_loan": "绿色转型贷款",
    "restructuring": "重组",
}
PRODUCT_CODES: Final[tuple[str, ...]] = tuple(PRODUCTS)

SUBSIDY_KINDS: Final[tuple[str, ...]] = (
    "compute_voucher",
    "model_voucher",
    "corpus_voucher",
    "special_fund",
    "other",
)


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A SQL ``column IN (...)`` fragment for a CHECK constraint over a code list."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
