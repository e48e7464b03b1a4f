"""The parameter sections of a ruleset: products, playbooks, stage sets, cut-offs, limit, pricing.

Each ``parse_*`` function validates one section and names it in the error; ``ruleset.py``
composes them. Everything numeric here is a named policy parameter, not a constant in code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from industry_credit.rules.errors import RulesetError
from industry_credit.vocabulary import DISTRICTS, PRODUCT_CODES, SECTORS, STAGES

_SEED_REF = re.compile(r"^00[0-4] §\S.*$")


@dataclass(frozen=True)
class ProductSpec:
    code: str
    max_amount: float
    max_tenor_months: int
    rationale_zh: str
    rationale_en: str
    seed_ref: str


@dataclass(frozen=True)
class Segment:
    sectors: frozenset[str] | None  # None: any
    stages: frozenset[str] | None
    districts: frozenset[str] | None
    approve_below: float
    decline_from: float

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.sectors, self.stages, self.districts))


@dataclass(frozen=True)
class RiskAppetite:
    approve_below: float
    decline_from: float
    segments: tuple[Segment, ...]  # where several match, the strictest cut-offs apply


@dataclass(frozen=True)
class LimitPolicy:
    revenue_share: float
    cash_flow_multiple: float
    core_receivables_advance: float
    ip_valuation_advance: float
    # Debt capacity is divided by (1 - min(coverage, cap)): the share of a loss that a
    # risk-sharing partner bears is not the bank's to carry. 0: partners do not raise limits.
    risk_sharing_cap: float = 0.0
    # Vouchers count in projected cash flow at (1 - haircut) [000 §(三)2]; None: not at all.
    voucher_haircut: float | None = None
    # IP tied to the core product loses value with its technology [000 §(四)1]: the IP source
    # counts in full from this many months of remaining technology life, pro rata below.
    # None: no haircut.
    ip_full_value_tech_life_months: float | None = None


@dataclass(frozen=True)
class PricingPolicy:
    base_rate: float
    band_upper: tuple[float, ...]  # PD band upper bounds (exclusive), ascending
    band_premium: tuple[float, ...]
    # The green discount scales with the carbon gap: full at this carbon-intensity ratio (or
    # lower), falling linearly to 0 at ratio 1. None: the rule's discount applies in full.
    green_full_discount_ratio: float | None = None
    # The grade premium (the expected loss) falls by coverage x this: a partner bearing part of
    # the loss lowers the bank's loss given default. 0: partners do not change pricing.
    risk_sharing_premium_relief: float = 0.0


def _mapping(raw: object, where: str) -> dict[str, object]:
    if not isinstance(raw, dict) or not raw:
        raise RulesetError(where, "must be a non-empty mapping")
    return raw


def _num(raw: Mapping[str, object], key: str, where: str, lo: float, hi: float) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesetError(where, f"'{key}' must be a number, got {value!r}")
    if not lo <= float(value) <= hi:
        raise RulesetError(where, f"'{key}' = {value} is outside [{lo}, {hi}]")
    return float(value)


def _text(raw: Mapping[str, object], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesetError(where, f"missing {key}")
    return value.strip()


def _seed_ref(raw: Mapping[str, object], where: str) -> str:
    value = raw.get("seed_ref")
    if not isinstance(value, str) or not _SEED_REF.match(value):
        raise RulesetError(where, f"missing or malformed seed_ref {value!r}")
    return value


def _codes(raw: object, allowed: tuple[str, ...], what: str, where: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    for item in items:
        if item not in allowed:
            raise RulesetError(where, f"unknown {what} code {item!r}")
    if len(set(items)) != len(items):
        raise RulesetError(where, f"repeated {what} codes in {items}")
    return tuple(items)


def parse_products(raw: object) -> dict[str, ProductSpec]:
    specs: dict[str, ProductSpec] = {}
    for code, body in _mapping(raw, "products").items():
        where = f"products.{code}"
        if code not in PRODUCT_CODES:
            raise RulesetError(where, f"unknown product code {code!r}")
        spec = _mapping(body, where)
        specs[code] = ProductSpec(
            code=code,
            max_amount=_num(spec, "max_amount", where, 0, 1e12),
            max_tenor_months=int(_num(spec, "max_tenor_months", where, 1, 360)),
            rationale_zh=_text(spec, "rationale_zh", where),
            rationale_en=_text(spec, "rationale_en", where),
            seed_ref=_seed_ref(spec, where),
        )
    return specs


def parse_playbooks(raw: object, generic_raw: object) -> dict[str, tuple[str, ...]]:
    """Sector -> ranked products: the sector's own products first, then the generic ones."""
    generic = _codes(generic_raw, PRODUCT_CODES, "product", "generic_products")
    books: dict[str, tuple[str, ...]] = {}
    for sector, body in _mapping(raw, "sector_playbooks").items():
        where = f"sector_playbooks.{sector}"
        if sector not in SECTORS:
            raise RulesetError(where, f"unknown sector code {sector!r}")
        spec = _mapping(body, where)
        own = _codes(spec.get("products", []), PRODUCT_CODES, "product", where)
        include_generic = spec.get("include_generic")
        if not isinstance(include_generic, bool):
            raise RulesetError(where, "'include_generic' must be true or false")
        _seed_ref(spec, where)
        ranked = list(own) + [g for g in generic if include_generic and g not in own]
        if not ranked:
            raise RulesetError(where, "a playbook must offer at least one product")
        books[sector] = tuple(ranked)
    missing = [s for s in SECTORS if s not in books]
    if missing:
        raise RulesetError("sector_playbooks", f"no playbook for sectors {missing}")
    return books


def parse_stage_products(raw: object) -> dict[str, frozenset[str]]:
    sets: dict[str, frozenset[str]] = {}
    for stage, body in _mapping(raw, "stage_products").items():
        where = f"stage_products.{stage}"
        if stage not in STAGES:
            raise RulesetError(where, f"unknown stage code {stage!r}")
        sets[stage] = frozenset(_codes(body, PRODUCT_CODES, "product", where))
    missing = [s for s in STAGES if s not in sets]
    if missing:
        raise RulesetError("stage_products", f"no product set for stages {missing}")
    return sets


def _cutoffs(raw: Mapping[str, object], where: str) -> tuple[float, float]:
    approve = _num(raw, "approve_below", where, 0.0, 1.0)
    decline = _num(raw, "decline_from", where, 0.0, 1.0)
    if not approve <= decline:
        raise RulesetError(where, f"approve_below {approve} must not exceed decline_from {decline}")
    return approve, decline


def parse_risk_appetite(raw: object) -> RiskAppetite:
    body = _mapping(raw, "risk_appetite")
    approve, decline = _cutoffs(
        _mapping(body.get("default"), "risk_appetite.default"), "risk_appetite.default"
    )
    segments: list[Segment] = []
    raw_segments = body.get("segments", [])
    if not isinstance(raw_segments, list):
        raise RulesetError("risk_appetite.segments", "must be a list")
    for i, seg_raw in enumerate(raw_segments):
        where = f"risk_appetite.segments[{i}]"
        seg = _mapping(seg_raw, where)
        unknown = set(seg) - {
            "sector",
            "stage",
            "district",
            "approve_below",
            "decline_from",
            "seed_ref",
            "note",
        }
        if unknown:
            raise RulesetError(where, f"unknown keys {sorted(unknown)}")
        _seed_ref(seg, where)
        keys = {
            name: frozenset(_codes(seg[name], codes, name, where)) if name in seg else None
            for name, codes in (("sector", SECTORS), ("stage", STAGES), ("district", DISTRICTS))
        }
        if all(v is None for v in keys.values()):
            raise RulesetError(where, "a segment must name a sector, stage or district")
        a, d = _cutoffs(seg, where)
        segments.append(Segment(keys["sector"], keys["stage"], keys["district"], a, d))
    return RiskAppetite(approve, decline, tuple(segments))


def parse_limit(raw: object) -> LimitPolicy:
    body = _mapping(raw, "limit")
    return LimitPolicy(
        revenue_share=_num(body, "revenue_share", "limit", 0, 5),
        cash_flow_multiple=_num(body, "cash_flow_multiple", "limit", 0, 20),
        core_receivables_advance=_num(body, "core_receivables_advance", "limit", 0, 1),
        ip_valuation_advance=_num(body, "ip_valuation_advance", "limit", 0, 1),
        risk_sharing_cap=(
            _num(body, "risk_sharing_cap", "limit", 0, 0.9) if "risk_sharing_cap" in body else 0.0
        ),
        voucher_haircut=(
            _num(body, "voucher_haircut", "limit", 0, 1) if "voucher_haircut" in body else None
        ),
        ip_full_value_tech_life_months=(
            _num(body, "ip_full_value_tech_life_months", "limit", 1, 600)
            if "ip_full_value_tech_life_months" in body
            else None
        ),
    )


def parse_pricing(raw: object) -> PricingPolicy:
    body = _mapping(raw, "pricing")
    base = _num(body, "base_rate", "pricing", 0, 0.2)
    bands = body.get("grade_premium_bands")
    if not isinstance(bands, list) or not bands:
        raise RulesetError("pricing.grade_premium_bands", "must be a non-empty list")
    upper: list[float] = []
    premium: list[float] = []
    for i, band_raw in enumerate(bands):
        where = f"pricing.grade_premium_bands[{i}]"
        band = _mapping(band_raw, where)
        upper.append(_num(band, "pd_below", where, 0, 2.0))
        premium.append(_num(band, "premium", where, 0, 0.2))
    if upper != sorted(upper) or len(set(upper)) != len(upper):
        raise RulesetError("pricing.grade_premium_bands", "pd_below must strictly increase")
    if upper[-1] <= 1.0:
        raise RulesetError(
            "pricing.grade_premium_bands", "the last band must cover PD = 1 (pd_below > 1)"
        )
    full = (
        _num(body, "green_full_discount_ratio", "pricing", 0, 0.99)
        if "green_full_discount_ratio" in body
        else None
    )
    relief = (
        _num(body, "risk_sharing_premium_relief", "pricing", 0, 1)
        if "risk_sharing_premium_relief" in body
        else 0.0
    )
    return PricingPolicy(base, tuple(upper), tuple(premium), full, relief)


def parse_conditions_catalogue(raw: object) -> dict[str, tuple[str, str]]:
    catalogue: dict[str, tuple[str, str]] = {}
    for code, body in _mapping(raw, "conditions").items():
        where = f"conditions.{code}"
        spec = _mapping(body, where)
        catalogue[str(code)] = (_text(spec, "zh", where), _text(spec, "en", where))
    return catalogue
