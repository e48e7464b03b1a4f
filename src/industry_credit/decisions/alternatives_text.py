"""What a deal-structuring variant changed in the request, in a line of Chinese and of English."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.vocabulary import PRODUCTS

COLLATERAL_NAMES: dict[str, tuple[str, str]] = {
    "ip_pledge": ("知识产权质押", "an IP pledge"),
    "software_copyright_pledge": ("软件著作权质押", "a software-copyright pledge"),
    "receivables_pledge": (
        "核心企业应收账款质押(回款进入监管账户)",
        "a pledge of receivables from the core enterprise (collections into a controlled account)",
    ),
    "guarantee_fund": ("政府性融资担保基金担保", "a guarantee from the guarantee fund"),
    "third_party_guarantee": ("第三方保证", "a third-party guarantee"),
    "equipment_mortgage": ("设备抵押", "an equipment mortgage"),
    "real_estate_mortgage": ("不动产抵押", "a real-estate mortgage"),
    "equity_pledge": ("股权质押", "an equity pledge"),
}


class Change(TypedDict):
    field: str
    before: Any
    after: Any
    zh: str
    en: str


def wan(amount: Decimal) -> str:
    """CNY in 万元 (10,000), as Chinese credit documents write it: 350万元, 512.5万元."""
    text = f"{amount / 10_000:.2f}".rstrip("0").rstrip(".")
    return f"{text}万元"


def yuan(amount: Decimal) -> str:
    return f"CNY {amount:,.2f}".removesuffix(".00")


def _product(code: str | None) -> tuple[str, str]:
    if code is None:
        return "由系统推荐", "the engine's choice"
    return PRODUCTS[code], code


def changes_between(original: ApplicationDocument, variant: ApplicationDocument) -> list[Change]:
    """Amount, tenor, added security and requested product, in that order; only what differs."""
    before, after = original.request, variant.request
    out: list[Change] = []
    if after.amount != before.amount:
        out.append(
            Change(
                field="request.amount",
                before=float(before.amount),
                after=float(after.amount),
                zh=f"金额 {wan(before.amount)} → {wan(after.amount)}",
                en=f"amount {yuan(before.amount)} → {yuan(after.amount)}",
            )
        )
    if after.tenor_months != before.tenor_months:
        out.append(
            Change(
                field="request.tenor_months",
                before=before.tenor_months,
                after=after.tenor_months,
                zh=f"期限 {before.tenor_months}个月 → {after.tenor_months}个月",
                en=f"tenor {before.tenor_months} → {after.tenor_months} months",
            )
        )
    for code in after.collateral:
        if code not in before.collateral:
            zh, en = COLLATERAL_NAMES.get(code, (code, code))
            out.append(
                Change(
                    field="request.collateral",
                    before=None,
                    after=code,
                    zh=f"增加{zh}",
                    en=f"add {en}",
                )
            )
    if after.requested_product != before.requested_product:
        old_zh, old_en = _product(before.requested_product)
        new_zh, new_en = _product(after.requested_product)
        out.append(
            Change(
                field="request.requested_product",
                before=before.requested_product,
                after=after.requested_product,
                zh=f"申请产品 {old_zh} → {new_zh}",
                en=f"requested product {old_en} → {new_en}",
            )
        )
    return out
