"""The reason-code catalogue: feature + actual value -> a specific sentence in Chinese and English.

Every model feature has an entry; the sentence always carries the firm's own value, never a
generic "risk is high". Columns of an external table (a bank's own book) have no catalogue entry
and are rendered as "column = value" in both languages, still with the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Final

Renderer = Callable[[object], tuple[str, str]]


class _Labelled:
    """A renderer that also knows the feature's plain label (for 'not available' reasons), the
    kind of its value, and the sentence a page shows (``shown``), which differs from the
    recorded one only where the recorded text drops a sign (see ``describe``)."""

    def __init__(
        self, fn: Renderer, zh: str, en: str, kind: str = "", shown: Renderer | None = None
    ):
        self.fn, self.zh, self.en = fn, zh.rstrip(":"), en.rstrip(":")
        self.kind = kind
        self.shown = shown or fn

    def __call__(self, value: object) -> tuple[str, str]:
        return self.fn(value)


def _pct(v: float) -> str:
    """Magnitude only: for changes the verb (增长/下降, up/down) carries the direction."""
    return f"{abs(v) * 100:.0f}%"


def _signed_pct(v: float) -> str:
    """A level with its sign: a return on assets of -23% is "-23%", not "23%". A small non-zero
    level keeps a decimal so that -0.4% does not print as "-0%" or "0%"."""
    digits = 1 if 0.0005 <= abs(v) < 0.01 else 0
    return f"{v * 100:.{digits}f}%"


def _change_raw(zh: str, en: str, zh_period: str = "近12个月", en_period: str = "over 12 months"):  # type: ignore[no-untyped-def]
    def render(v: object) -> tuple[str, str]:
        x = float(v)  # type: ignore[arg-type]
        up_zh, up_en = ("增长", "up") if x >= 0 else ("下降", "down")
        return f"{zh_period}{zh}{up_zh}{_pct(x)}", f"{en} {up_en} {_pct(x)} {en_period}"

    return render


def _share_raw(zh: str, en: str, pct: Callable[[float], str] = _pct) -> Renderer:
    return lambda v: (f"{zh}为{pct(float(v))}", f"{en} at {pct(float(v))}")  # type: ignore[arg-type]


def _times_raw(zh: str, en: str) -> Renderer:
    return lambda v: (f"{zh}为{float(v):.2f}倍", f"{en} of {float(v):.2f}x")  # type: ignore[arg-type]


def _money_raw(zh: str, en: str) -> Renderer:
    def render(v: object) -> tuple[str, str]:
        x = float(v)  # type: ignore[arg-type]
        return f"{zh}{x / 1e4:,.1f}万元", f"{en} CNY {x / 1e6:,.2f}M"

    return render


def _number_raw(
    zh: str, en: str, zh_unit: str = "", en_unit: str = "", digits: int = 0
) -> Renderer:
    def render(v: object) -> tuple[str, str]:
        x = float(v)  # type: ignore[arg-type]
        return f"{zh}{x:,.{digits}f}{zh_unit}", f"{en} {x:,.{digits}f}{en_unit}"

    return render


def _jump_raw(zh: str, en: str) -> Renderer:
    def render(v: object) -> tuple[str, str]:
        pp = float(v) * 100  # type: ignore[arg-type]
        zh_dir, en_dir = ("上升", "up") if pp >= 0 else ("下降", "down")
        return (
            f"近3个月{zh}较前9个月{zh_dir}{abs(pp):.1f}个百分点",
            f"{en} {en_dir} {abs(pp):.1f} pp in the last 3 months vs the prior 9",
        )

    return render


def _flag(zh_true: str, en_true: str, zh_false: str, en_false: str) -> _Labelled:
    fn: Renderer = lambda v: (zh_true, en_true) if bool(v) else (zh_false, en_false)  # noqa: E731
    return _Labelled(fn, zh_true, en_true, "flag")


def _category_raw(zh: str, en: str) -> Renderer:
    return lambda v: (f"{zh}: {v}", f"{en}: {v}")


def _change(zh: str, en: str, *args: Any) -> _Labelled:
    return _Labelled(_change_raw(zh, en, *args), zh, en, "change")


def _share(zh: str, en: str) -> _Labelled:
    # The recorded sentence (``render``) prints the magnitude of a share; the golden decision
    # corpus holds that text, so it changes only when the corpus is re-recorded. Pages show the
    # signed one.
    return _Labelled(_share_raw(zh, en), zh, en, "share", _share_raw(zh, en, _signed_pct))


def _times(zh: str, en: str, *args: Any) -> _Labelled:
    return _Labelled(_times_raw(zh, en, *args), zh, en, "times")


def _money(zh: str, en: str, *args: Any) -> _Labelled:
    return _Labelled(_money_raw(zh, en, *args), zh, en, "money")


def _number(zh: str, en: str, *args: Any) -> _Labelled:
    return _Labelled(_number_raw(zh, en, *args), zh, en, "number")


def _jump(zh: str, en: str, *args: Any) -> _Labelled:
    return _Labelled(_jump_raw(zh, en, *args), zh, en, "jump")


def _category(zh: str, en: str, *args: Any) -> _Labelled:
    return _Labelled(_category_raw(zh, en, *args), zh, en, "category")


CATALOGUE: Final[dict[str, _Labelled]] = {
    "sector": _category("所属行业", "Sector"),
    "district": _category("所在区域", "District"),
    "tech_route": _category("技术路线", "Technology route"),
    "declared_stage": _category("申报生命周期阶段", "Declared lifecycle stage"),
    "purpose": _category("贷款用途", "Loan purpose"),
    "specialized_sme": _flag(
        "为专精特新企业", "Specialised SME", "非专精特新企业", "Not a specialised SME"
    ),
    "little_giant": _flag("为小巨人企业", "Little giant", "非小巨人企业", "Not a little giant"),
    "is_core_enterprise": _flag(
        "为链主企业", "Core enterprise", "非链主企业", "Not a core enterprise"
    ),
    "guidance_fund_equity": _flag(
        "有政府引导基金持股",
        "Guidance fund holds equity",
        "无政府引导基金持股",
        "No guidance-fund equity",
    ),
    "vc_backed": _flag(
        "有风险投资支持", "VC-backed", "无风险投资支持", "No venture-capital backing"
    ),
    "trade_in_subsidy_eligible": _flag(
        "符合以旧换新补贴条件",
        "Eligible for trade-in subsidies",
        "不符合以旧换新补贴条件",
        "Not eligible for trade-in subsidies",
    ),
    "compliance_violation": _flag(
        "存在绿色合规违规记录",
        "Green-compliance violation on record",
        "无绿色合规违规记录",
        "No green-compliance violation",
    ),
    "compliance_reported": _flag(
        "已提供绿色合规记录",
        "Green-compliance record provided",
        "未提供绿色合规记录",
        "Green-compliance record not provided",
    ),
    "has_intangible_pledge": _flag(
        "提供股权或知识产权质押",
        "Equity or IP pledge offered",
        "无股权或知识产权质押",
        "No equity or IP pledge",
    ),
    "has_core_buyer": _flag(
        "有链主企业客户", "Sells to a core enterprise", "无链主企业客户", "No core-enterprise buyer"
    ),
    "has_guarantee": _flag("有担保", "Guarantee offered", "无担保", "No guarantee offered"),
    "has_hard_collateral": _flag(
        "有抵押或应收账款质押",
        "Hard collateral offered",
        "无抵押或应收账款质押",
        "No hard collateral offered",
    ),
    "firm_age_years": _number("成立年限", "Firm age", "年", " years", 1),
    "employees": _number("员工人数", "Employees:", "人"),
    "revenue": _money("最近年度营业收入", "Latest revenue"),
    "revenue_growth_yoy": _change("营业收入", "Revenue", "最近年度", "in the latest fiscal year"),
    "net_profit": _money("最近年度净利润", "Latest net profit"),
    "net_margin": _share("净利润率", "Net margin"),
    "roa": _share("总资产收益率", "Return on assets"),
    "subsidy_ratio": _share("补贴占收入比", "Subsidies as share of revenue"),
    "ocf_to_liabilities": _times("经营现金流/总负债", "Operating cash flow vs total liabilities"),
    "supplier_payment_days": _number(
        "对供应商平均付款账期", "Own payment term to suppliers", "天", " days"
    ),
    "electricity_yoy_6m": _change(
        "用电量", "Electricity use", "近6个月同比", "over 6 months year on year"
    ),
    "tax_invoice_yoy_6m": _change(
        "开票金额", "Tax-invoiced sales", "近6个月同比", "over 6 months year on year"
    ),
    "cancellation_6m": _share("近6个月订单取消率", "Order cancellations over 6 months"),
    "sales_plan_coverage": _times("计划销量/盈亏平衡销量", "Planned sales vs break-even"),
    "subsidy_total": _money("补贴合计", "Subsidies total"),
    "profit_net_of_subsidies": _money("扣除补贴后净利润", "Profit net of subsidies"),
    "margin_net_of_subsidies": _share("扣除补贴后净利润率", "Margin net of subsidies"),
    "operating_cash_flow": _money("经营性现金流", "Operating cash flow"),
    "ocf_net_of_subsidies": _money(
        "扣除补贴后经营性现金流", "Operating cash flow net of subsidies"
    ),
    "cash_flow_coverage": _times(
        "经营现金流/流动负债", "Cash-flow coverage of current liabilities"
    ),
    "total_assets": _money("总资产", "Total assets"),
    "total_liabilities": _money("总负债", "Total liabilities"),
    "equity": _money("净资产", "Equity"),
    "leverage": _share("资产负债率", "Leverage (liabilities/assets)"),
    "current_ratio": _times("流动比率", "Current ratio"),
    "rd_intensity": _share("研发投入占收入比", "R&D intensity"),
    "receivables": _money("应收账款", "Receivables"),
    "buyer_hhi": _number("客户集中度(HHI)", "Buyer concentration (HHI)", "", "", 2),
    "top_buyer_share": _share("第一大客户占比", "Largest buyer's share"),
    "core_buyer_share": _share("链主客户销售占比", "Sales share to core enterprises"),
    "core_buyer_receivables": _money("链主企业应收账款", "Receivables from core enterprises"),
    "on_time_delivery_rate": _share("准时交付率", "On-time delivery rate"),
    "buyer_payment_days": _number("客户平均账期", "Buyers' average payment term", "天", " days"),
    "imported_component_share": _share("进口零部件占比", "Imported component share"),
    "n_buyers": _number("客户数量", "Number of buyers:"),
    "n_suppliers": _number("供应商数量", "Number of suppliers:"),
    "counterparty_distress_share": _share(
        "高风险上下游企业占比", "Share of distressed counterparties"
    ),
    "core_buyer_distress": _share("链主客户违约概率", "Core buyer's default probability"),
    "distressed_core_buyer_share": _share(
        "高风险链主客户销售占比", "Sales share to distressed core buyers"
    ),
    "distressed_supplier_share": _share(
        "高风险供应商采购占比", "Supply share from distressed suppliers"
    ),
    "top_supplier_share": _share("第一大供应商占比", "Largest supplier's share"),
    "book_exposure": _money("本行授信余额", "The bank's outstanding exposure"),
    "sector_book_share": _share("本行该行业授信占比", "Book share of the firm's sector"),
    "district_book_share": _share("本行该区域授信占比", "Book share of the firm's district"),
    "risk_sharing_coverage": _share("风险分担比例", "Loss share borne by risk-sharing partners"),
    "government_risk_sharing_coverage": _share(
        "政府性风险分担比例", "Loss share borne by government risk sharing"
    ),
    "electricity_yoy": _change("用电量", "Electricity use"),
    "electricity_volatility": _share("近12个月用电量波动系数", "12-month electricity volatility"),
    "tax_invoice_yoy": _change("开票金额", "Tax-invoiced sales"),
    "tax_invoice_volatility": _share("近12个月开票金额波动系数", "12-month invoice volatility"),
    "headcount_yoy": _change("社保缴纳人数", "Social-insurance headcount"),
    "export_yoy": _change("海关出口额", "Customs exports"),
    "downtime_recent": _share("近3个月设备停机率", "Equipment downtime over 3 months"),
    "downtime_jump": _jump("设备停机率", "Equipment downtime"),
    "cancellation_recent": _share("近3个月订单取消率", "Order cancellations over 3 months"),
    "cancellation_jump": _jump("订单取消率", "Order cancellations"),
    "patents": _number("专利数量", "Patents:", "件"),
    "software_copyrights": _number("软件著作权数量", "Software copyrights:", "件"),
    "ip_valuation": _money("知识产权评估价值", "IP valuation"),
    "ip_per_employee": _money("人均知识产权价值", "IP value per employee"),
    "special_fund_grant": _money("高质量专项资金", "Special-fund grant"),
    "voucher_total": _money("算力券、模型券、语料券", "Compute, model and corpus vouchers"),
    "carbon_intensity_vs_sector": _times(
        "碳排放强度为行业平均的", "Carbon intensity vs sector average"
    ),
    "break_even_units": _number("盈亏平衡销量", "Break-even volume", "台", " units"),
    "annual_capacity_units": _number("年产能", "Annual capacity", "台", " units"),
    "planned_sales_units": _number("计划年销量", "Planned annual sales", "台", " units"),
    "break_even_coverage": _times("可实现销量/盈亏平衡销量", "Sellable volume vs break-even"),
    "amount": _money("申请金额", "Requested amount"),
    "tenor_months": _number("申请期限", "Requested tenor", "个月", " months"),
    "core_product_tech_life_months": _number(
        "核心产品技术生命周期", "Core product technology life", "个月", " months"
    ),
    "tenor_to_tech_life": _times("贷款期限/技术生命周期", "Tenor vs technology life"),
    "collateral_count": _number("担保品数量", "Collateral items:"),
    "loan_to_revenue": _times("申请金额/营业收入", "Loan-to-revenue"),
    "loan_to_equity": _times("申请金额/净资产", "Loan-to-equity"),
}

_MISSING: Final[tuple[str, str]] = ("数据缺失", "not available")


# A minus sign before a number that prints as zero ("-0", "-0.00x", "CNY -0.00M"): a rounding
# artefact, not a sign worth showing.
_NEGATIVE_ZERO = re.compile(r"-(?=0(?:\.0+)?(?![\d.]))")


def _unsigned_zero(pair: tuple[str, str]) -> tuple[str, str]:
    return _NEGATIVE_ZERO.sub("", pair[0]), _NEGATIVE_ZERO.sub("", pair[1])


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _sentence(feature: str, value: object, shown: bool) -> tuple[str, str]:
    missing = _missing(value)
    renderer = CATALOGUE.get(feature)
    if renderer is None:
        text = "∅" if missing else (f"{value:.4g}" if isinstance(value, float) else str(value))
        pair = f"{feature} = {text}", f"{feature} = {text}"
        return _unsigned_zero(pair) if shown else pair
    if missing:
        return f"{renderer.zh}{_MISSING[0]}", f"{renderer.en} {_MISSING[1]}"
    return _unsigned_zero(renderer.shown(value)) if shown else renderer(value)


def render(feature: str, value: object) -> tuple[str, str]:
    """The (Chinese, English) sentence recorded in decision documents for one feature and the
    firm's value. It prints a share's magnitude (the golden corpus holds that text): pages use
    ``describe``."""
    return _sentence(feature, value, shown=False)


def describe(feature: str, value: object) -> tuple[str, str]:
    """The sentence a page shows: as ``render``, with the sign of every level kept."""
    return _sentence(feature, value, shown=True)


# Versions of the sentence recorded in a decision's reasons; each decision document names its
# version (``reasons_version``; absent means 1), and replay renders with that version, so a
# stored decision's text is reproduced byte for byte whatever the newest version prints.
#   1: ``render``, a share's magnitude ("总资产收益率为23%" for -23%); decisions recorded before
#      version 2, and the golden corpus.
#   2: ``describe``, every level with its sign, the sentence the pages show.
REASONS_VERSIONS: Final[dict[int, Callable[[str, object], tuple[str, str]]]] = {
    1: render,
    2: describe,
}
CURRENT_REASONS_VERSION: Final[int] = 2


def sentence(feature: str, value: object, version: int) -> tuple[str, str]:
    """The recorded (Chinese, English) sentence in renderer ``version``."""
    try:
        renderer = REASONS_VERSIONS[version]
    except KeyError:
        raise ValueError(f"unknown reasons renderer version {version!r}") from None
    return renderer(feature, value)


def format_value(feature: str, value: object) -> tuple[str, str]:
    """The value alone, in the feature's unit (for "value that fired against its threshold")."""
    return _unsigned_zero(_value_text(feature, value))


def _value_text(feature: str, value: object) -> tuple[str, str]:
    renderer = CATALOGUE.get(feature)
    if _missing(value):
        return _MISSING
    kind = renderer.kind if renderer is not None else ""
    if kind == "flag":
        return ("是", "yes") if bool(value) else ("否", "no")
    if kind == "category" or not isinstance(value, int | float):
        return str(value), str(value)
    x = float(value)
    if feature == "pd":
        return f"{x:.2%}", f"{x:.2%}"
    if kind in ("share", "change", "jump"):
        return _signed_pct(x), _signed_pct(x)
    if kind == "times":
        return f"{x:.2f}倍", f"{x:.2f}x"
    if kind == "money":
        return f"{x / 1e4:,.1f}万元", f"CNY {x / 1e6:,.2f}M"
    plain = f"{x:,.2f}".rstrip("0").rstrip(".")
    return plain, plain
