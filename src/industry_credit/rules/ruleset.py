"""Rulesets as data: parse the YAML, validate every part, and fix the version hash.

The version of a ruleset is the SHA-256 of its canonical content (the parsed YAML dumped as
JSON with sorted keys), so comments and layout do not change it but any edit to a rule or a
parameter does. Validation happens here, once, at load: the engine trusts a ``Ruleset``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import yaml

from industry_credit.canonical import canonical_json as project_canonical_json
from industry_credit.canonical import sha256_hex
from industry_credit.rules.columns import Phase
from industry_credit.rules.conditions import Condition, parse_condition
from industry_credit.rules.errors import RulesetError
from industry_credit.rules.review_queue import SECTION as REVIEW_QUEUE_SECTION
from industry_credit.rules.review_queue import parse_review_queue
from industry_credit.rules.sections import (
    LimitPolicy,
    PricingPolicy,
    ProductSpec,
    RiskAppetite,
    parse_conditions_catalogue,
    parse_limit,
    parse_playbooks,
    parse_pricing,
    parse_products,
    parse_risk_appetite,
    parse_stage_products,
)
from industry_credit.vocabulary import PRODUCT_CODES, STAGES

if TYPE_CHECKING:
    from industry_credit.rules.compiled import CompiledRuleset

# Seed citations name one of the five source documents and a section in it.
SEED_REF = re.compile(r"^00[0-4] §\S.*$")
CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
RULE_ID = re.compile(r"^[A-Z][A-Z0-9-]{2,63}$")
MAX_GREEN_DISCOUNT = 0.005  # [004 §2.3]: "up to 50 bp"; a ruleset may not promise more.

EFFECT_KEYS = frozenset(
    {
        "derive_stage",
        "decline",
        "refer",
        "flag",
        "exclude_products",
        "add_condition",
        "relax_cutoff",
        "green_discount",
        "interest_subsidy",
    }
)
_SOLO_EFFECTS = {"derive_stage": Phase.STAGE, "relax_cutoff": Phase.RELIEF}
_OFFER_EFFECTS = frozenset({"green_discount", "interest_subsidy"})
_PRE_OFFER_ONLY = frozenset({"decline", "exclude_products"})


@dataclass(frozen=True)
class Rule:
    id: str
    description_zh: str
    description_en: str
    seed_ref: str
    condition: Condition
    effects: Mapping[str, Any]
    phase: Phase
    effect_text: str  # e.g. "add_condition=pause_new_disbursement; refer=circuit_breaker_downtime"
    reads: frozenset[str]  # the columns the condition looks at


@dataclass(frozen=True)
class Ruleset:
    version: str
    name: str
    content: Mapping[str, Any]
    parameters: Mapping[str, float]
    rules: tuple[Rule, ...]
    products: Mapping[str, ProductSpec]
    playbooks: Mapping[str, tuple[str, ...]]  # sector -> ranked products it may be offered
    stage_products: Mapping[str, frozenset[str]]
    default_stage: str
    risk_appetite: RiskAppetite
    limit: LimitPolicy
    pricing: PricingPolicy
    conditions: Mapping[str, tuple[str, str]]  # code -> (zh, en)

    def rules_in(self, phase: Phase) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.phase == phase)

    @cached_property
    def compiled(self) -> CompiledRuleset:
        """The ruleset as operations over column arrays; built by ``build_ruleset`` at load."""
        from industry_credit.rules.compiled import CompiledRuleset

        return CompiledRuleset(
            self.rules, self.risk_appetite, self.playbooks, self.stage_products, self.products
        )


def canonical_json(content: Mapping[str, Any]) -> str:
    """The serialisation the version hash is taken over: the project's canonical JSON, but
    refusing anything that is not plain JSON data (a YAML date would otherwise become a string
    and come back from the database as something else)."""
    json.dumps(content)  # raises TypeError on dates, sets and other non-JSON values
    return project_canonical_json(content)


def content_version(content: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_json(content))


def parse_ruleset_text(text: str) -> Ruleset:
    """Parse YAML source text into a validated ruleset."""
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesetError("ruleset", f"not valid YAML: {exc}") from None
    return build_ruleset(content)


def build_ruleset(content: object) -> Ruleset:
    """Validate parsed content (from YAML or from the database) into a ``Ruleset``."""
    if not isinstance(content, dict):
        raise RulesetError("ruleset", "the top level must be a mapping")
    try:
        canonical_json(content)
    except (TypeError, ValueError) as exc:
        raise RulesetError("ruleset", f"content must be plain JSON data: {exc}") from None
    name = content.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RulesetError("ruleset", "missing 'name'")
    for lang in ("description_zh", "description_en"):
        if not isinstance(content.get(lang), str) or not content[lang].strip():
            raise RulesetError("ruleset", f"missing '{lang}'")
    params = _parse_parameters(content.get("parameters"))
    products = parse_products(content.get("products"))
    playbooks = parse_playbooks(content.get("sector_playbooks"), content.get("generic_products"))
    stage_products = parse_stage_products(content.get("stage_products"))
    for where, codes in [*playbooks.items(), *stage_products.items()]:
        missing = [c for c in codes if c not in products]
        if missing:
            raise RulesetError(where, f"products {missing} have no entry in 'products'")
    default_stage = content.get("default_stage")
    if default_stage not in STAGES:
        raise RulesetError("default_stage", f"unknown stage code {default_stage!r}")
    conditions = parse_conditions_catalogue(content.get("conditions"))
    raw_rules = content.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesetError("rules", "a ruleset needs a non-empty list 'rules'")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rules):
        rule = _parse_rule(raw, i, params=params, conditions=conditions)
        if rule.id in seen:
            raise RulesetError(rule.id, "duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    ruleset = Ruleset(
        version=content_version(content),
        name=name,
        content=content,
        parameters=params,
        rules=tuple(rules),
        products=products,
        playbooks=playbooks,
        stage_products=stage_products,
        default_stage=default_stage,
        risk_appetite=parse_risk_appetite(content.get("risk_appetite")),
        limit=parse_limit(content.get("limit")),
        pricing=parse_pricing(content.get("pricing")),
        conditions=conditions,
    )
    _ = ruleset.compiled  # compiled once, here, not on the first evaluation
    parse_review_queue(content.get(REVIEW_QUEUE_SECTION))  # refused at load, not at night
    return ruleset


def _parse_parameters(raw: object) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise RulesetError("parameters", "must be a mapping of name -> number")
    params: dict[str, float] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not CODE.match(key):
            raise RulesetError("parameters", f"bad parameter name {key!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RulesetError("parameters", f"parameter {key!r} must be a number, got {value!r}")
        params[key] = float(value)
    return params


def _parse_rule(
    raw: object, index: int, *, params: Mapping[str, float], conditions: Mapping[str, object]
) -> Rule:
    if not isinstance(raw, dict):
        raise RulesetError(f"rules[{index}]", "a rule must be a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        raise RulesetError(f"rules[{index}]", f"bad or missing rule id {rule_id!r}")
    unknown = set(raw) - {"id", "description_zh", "description_en", "seed_ref", "when", "then"}
    if unknown:
        raise RulesetError(rule_id, f"unknown keys {sorted(map(str, unknown))}")
    for key in ("description_zh", "description_en"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RulesetError(rule_id, f"missing {key}")
    seed_ref = raw.get("seed_ref")
    if not isinstance(seed_ref, str) or not SEED_REF.match(seed_ref):
        raise RulesetError(
            rule_id, f"missing or malformed seed_ref {seed_ref!r} (e.g. '000 §(四)1')"
        )
    effects = raw.get("then")
    if not isinstance(effects, dict) or not effects:
        raise RulesetError(rule_id, "missing effect 'then'")
    bad = set(effects) - EFFECT_KEYS
    if bad:
        raise RulesetError(
            rule_id, f"unknown effect {sorted(map(str, bad))} (allowed: {sorted(EFFECT_KEYS)})"
        )
    phase = Phase.OFFER if set(effects) & _OFFER_EFFECTS else Phase.DECISION
    for solo, solo_phase in _SOLO_EFFECTS.items():
        if solo in effects:
            if len(effects) != 1:
                raise RulesetError(rule_id, f"effect '{solo}' must stand alone")
            phase = solo_phase
    if "when" not in raw:
        raise RulesetError(rule_id, "missing condition 'when'")
    reading_phase = phase if phase != Phase.DECISION else Phase.OFFER
    condition, columns = parse_condition(
        raw["when"], params=params, where=rule_id, phase=reading_phase
    )
    if phase == Phase.DECISION and any(_reads_offer(c) for c in columns):
        if set(effects) & _PRE_OFFER_ONLY:
            raise RulesetError(
                rule_id, "a rule that reads the offer cannot decline or exclude products"
            )
        phase = Phase.OFFER
    resolved = {
        k: _check_effect(rule_id, k, v, params=params, conditions=conditions)
        for k, v in effects.items()
    }
    text = "; ".join(f"{k}={_effect_str(resolved[k])}" for k in sorted(resolved))
    return Rule(
        id=rule_id,
        description_zh=raw["description_zh"].strip(),
        description_en=raw["description_en"].strip(),
        seed_ref=seed_ref,
        condition=condition,
        effects=resolved,
        phase=phase,
        effect_text=text,
        reads=frozenset(columns),
    )


def _reads_offer(column: str) -> bool:
    from industry_credit.rules.columns import column_phase

    return column_phase(column) == Phase.OFFER


def _effect_str(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def _number(rule_id: str, key: str, value: object, params: Mapping[str, float]) -> float:
    if isinstance(value, dict) and set(value) == {"param"}:
        if value["param"] not in params:
            raise RulesetError(rule_id, f"effect '{key}': unknown parameter {value['param']!r}")
        return params[value["param"]]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesetError(
            rule_id, f"effect '{key}' needs a number or {{param: NAME}}, got {value!r}"
        )
    return float(value)


def _check_effect(
    rule_id: str,
    key: str,
    value: object,
    *,
    params: Mapping[str, float],
    conditions: Mapping[str, object],
) -> object:
    if key == "derive_stage":
        if value not in STAGES:
            raise RulesetError(rule_id, f"unknown stage code {value!r}")
        return value
    if key in ("decline", "refer", "flag"):
        if not isinstance(value, str) or not CODE.match(value):
            raise RulesetError(
                rule_id, f"effect '{key}' needs a snake_case reason code, got {value!r}"
            )
        return value
    if key == "exclude_products":
        codes = value if isinstance(value, list) else [value]
        for code in codes:
            if code not in PRODUCT_CODES:
                raise RulesetError(rule_id, f"effect on unknown product code {code!r}")
        return tuple(codes)
    if key == "add_condition":
        if value not in conditions:
            raise RulesetError(rule_id, f"unknown condition code {value!r} (see 'conditions')")
        return value
    number = _number(rule_id, key, value, params)
    if key == "green_discount" and not 0 < number <= MAX_GREEN_DISCOUNT:
        raise RulesetError(
            rule_id, f"green_discount must be in (0, {MAX_GREEN_DISCOUNT}], got {number}"
        )
    if key == "interest_subsidy" and not 0 < number < 0.05:
        raise RulesetError(rule_id, f"interest_subsidy must be in (0, 0.05), got {number}")
    if key == "relax_cutoff" and not 0 < number < 0.2:
        raise RulesetError(rule_id, f"relax_cutoff must be in (0, 0.2), got {number}")
    return number
