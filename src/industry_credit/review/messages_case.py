"""Labels of the case page's evidence and override echo, in Chinese and English.

Kept apart from ``messages.py`` so each catalogue stays readable; ``messages`` merges them.
"""

from __future__ import annotations

from typing import Final

# key: (中文, English)
PAIRS: Final[dict[str, tuple[str, str]]] = {
    "skip.to_content": ("跳到主要内容", "Skip to main content"),
    "case.limit_wan": ("额度（万元）", "Limit (CNY 10k, 万元)"),
    "override.limit_hint": (
        "按万元输入，例如 5000、5000万 或 0.5亿；留空沿用引擎额度。",
        "In 万元 (CNY 10k), e.g. 5000, 5000万 or 0.5亿; blank keeps the engine's limit.",
    ),
    "override.echo_title": (
        "请核对将要记录的改判条款",
        "Check the override terms about to be recorded",
    ),
    "override.kept": ("（沿用引擎值）", "(engine's value kept)"),
    "override.confirm": ("确认并提交改判", "Confirm and submit the override"),
    "override.or_correct": (
        "或在下方修改后重新提交。",
        "or correct the fields below and submit again.",
    ),
    "overrides.items": ("改判明细（条款：改判前 → 改判后）", "Overrides (terms: before → after)"),
    "overrides.terms": ("条款", "Terms"),
    "error.field.limit_amount": (
        "额度无法识别，请按万元输入数字，如 5000、5000万 或 0.5亿",
        "the limit could not be read: type a number of 万元, e.g. 5000, 5000万 or 0.5亿",
    ),
    "error.field.tenor_months": (
        "期限须为 1 至 360 的整月数",
        "the tenor must be a whole number of months from 1 to 360",
    ),
    "error.field.products": ("请选择有效的产品", "choose valid products"),
    "error.field.outcome": ("结论无效", "the outcome is invalid"),
    "error.field.reason": ("书面理由至少 10 个字符", "a written reason of at least 10 characters"),
    "error.field.reason_codes": ("改判须至少选择一个原因代码", "an override needs a reason code"),
    "case.derived_by": ("判定依据", "Derived by"),
    "case.derived_default": (
        "没有阶段规则命中，采用默认阶段",
        "No stage rule fired: the default stage",
    ),
    "case.applied_stage": ("定价与产品所用阶段", "Stage used for products"),
    "case.reasons_words": ("主要原因", "Principal reasons"),
    "case.raises_risk": ("提高风险", "raises risk"),
    "case.lowers_risk": ("降低风险", "lowers risk"),
    "case.fired_on": ("触发值", "Fired on"),
    "case.threshold": ("阈值", "threshold"),
    "case.flag_rule": ("由规则", "by rule"),
    "binding.requested": ("申请金额/期限", "the amount or tenor requested"),
    "binding.product_max": ("产品上限", "the product's maximum"),
    "binding.revenue": ("按营业收入测算的偿债能力", "debt capacity from revenue"),
    "binding.cash_flow": ("按经营现金流测算的偿债能力", "debt capacity from operating cash flow"),
    "binding.core_receivables": (
        "链主企业应收账款可融资额",
        "financeable receivables from core enterprises",
    ),
    "binding.ip_valuation": ("知识产权评估价值可质押额", "pledgeable IP valuation"),
    "binding.core_product_tech_life": (
        "核心产品技术生命周期（期限不得超过）",
        "the core product's technology life (the tenor may not exceed it)",
    ),
    "binding.none": ("无约束", "nothing"),
    "binding.declined": ("已拒绝", "declined"),
    "seed.000": (
        "《上海市智能终端产业高质量发展行动方案（2026–2027年）》政策解读",
        "Shanghai Smart Terminal Action Plan 2026–2027: a banker's reading",
    ),
    "seed.001": (
        "《上海市促进智能终端产业高质量发展行动方案（2022–2025年）》编制说明",
        "Drafting note on the Shanghai smart-terminal action plan 2022–2025",
    ),
    "seed.002": ("《金融机构迭代科技金融服务》", "Financial institutions iterate tech finance"),
    "seed.003": ("东莞“人工智能+制造”金融服务报道", "Dongguan: finance for AI + manufacturing"),
    "seed.004": (
        "《中国产业金融服务行业发展运行现状及投资策略研究报告》",
        "China industrial-finance services: state and strategy report",
    ),
    "flag.core_product_obsolete": ("核心产品技术已淘汰", "Core product technology obsolete"),
    "flag.future_terminal_without_guidance_fund": (
        "未来终端无政府引导基金跟投",
        "Future terminal without guidance-fund backing",
    ),
    "flag.green_compliance_violation": ("绿色合规违规", "Green-compliance violation"),
    "flag.negative_equity_unsecured": ("净资产为负且无担保", "Negative equity, unsecured"),
    "flag.pd_above_cutoff": ("违约概率超过拒绝线", "PD above the decline cut-off"),
    "flag.tenor_exceeds_tech_life": ("期限超过技术生命周期", "Tenor exceeds technology life"),
    "flag.break_even_not_covered": ("销量不足以盈亏平衡", "Sales do not cover break-even"),
    "flag.buyer_concentration": ("客户集中度过高", "Buyer concentration"),
    "flag.circuit_breaker_cancellation": ("熔断：订单取消激增", "Circuit breaker: cancellations"),
    "flag.circuit_breaker_downtime": ("熔断：设备停机激增", "Circuit breaker: downtime"),
    "flag.counterparty_contagion": ("交易对手风险传染", "Counterparty contagion"),
    "flag.import_dependency": ("核心零部件依赖进口", "Import dependency"),
    "flag.no_debt_capacity": ("无偿债能力空间", "No debt capacity"),
    "flag.no_eligible_product": ("无可用产品", "No eligible product"),
    "flag.pd_grey_zone": ("违约概率处于灰区", "PD in the grey zone"),
    "flag.policy_dependency": ("盈利依赖政策补贴", "Profit depends on subsidies"),
    "flag.stage_disagreement": ("申报阶段与判定不一致", "Declared and derived stage differ"),
    "flag.tech_route_review": ("技术路线需专家评审", "Technology route needs expert review"),
    "flag.downgrade_2_notches": ("评级下调两级以上", "Downgraded two notches or more"),
    "flag.early_warning": ("早期预警信号", "Early-warning signal"),
    "flag.contagion": ("供应链传染", "Supply-chain contagion"),
    "queue.search": ("企业名称或统一社会信用代码", "Name or USCC"),
    "queue.mine_second": ("待我第二签", "Awaiting my second signature"),
    "filter.band": ("评级档", "Grade band"),
    "band.investment": ("投资级（BBB- 及以上）", "Investment grade (BBB- and above)"),
    "band.speculative": ("投机级（BB+ 至 B-）", "Speculative (BB+ to B-)"),
    "band.distressed": ("高风险（CCC 及以下）", "Distressed (CCC and below)"),
    "col.flags": ("预警标记", "Flags"),
}
