"""The decision's reasons in words, with their evidence: each rule hit with the ruleset's own
description, the values that fired it against their thresholds, and the seed document it cites;
the flags in words; the engine-derived stage and the rule that derived it.

Descriptions and conditions come from the ruleset version that made the decision (content
addressed, so a version read once never changes). When that version cannot be read, the page
still shows what the decision document itself holds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from industry_credit.ml.reasons import CATALOGUE, describe, format_value
from industry_credit.rules.conditions import AllOf, AnyOf, Clause, ColumnRef, Condition
from industry_credit.rules.ruleset import Rule, Ruleset
from industry_credit.rules.versions import get_ruleset_version

log = logging.getLogger(__name__)

_RULESETS: dict[str, Ruleset | None] = {}
_SEED = re.compile(r"^(\d{3})\s*(.*)$")
_OPS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠"}
_PLAIN_LABELS = {"pd": ("违约概率", "PD")}


@dataclass
class HitView:
    rule_id: str
    description: str
    effects: list[str]
    citation: str
    evidence: list[str] = field(default_factory=list)


@dataclass
class FlagView:
    code: str
    rule_id: str | None
    description: str


@dataclass
class StageView:
    declared: str | None
    applied: str | None
    derived: str | None
    rule: HitView | None  # the STG-* rule that derived it; None: the ruleset's default stage
    disagree: bool


@dataclass
class Evidence:
    hits: list[HitView]
    flags: list[FlagView]
    stage: StageView
    reasons: list[tuple[str, float]]  # the principal reasons, in words, with their contribution


def ruleset_for(session: Session, version: str) -> Ruleset | None:
    if version not in _RULESETS:
        try:
            _RULESETS[version] = get_ruleset_version(session=session, version=version)
        except Exception as exc:  # an old or foreign version: degrade to the document
            log.warning("ruleset %s unavailable for the case page: %s", version, exc)
            _RULESETS[version] = None
    return _RULESETS[version]


def citation(seed_ref: str, t: Callable[..., str]) -> str:
    """ "000 §(五)2" -> the seed document's name with the section."""
    match = _SEED.match(seed_ref.strip())
    if match is None:
        return seed_ref
    name = t(f"seed.{match.group(1)}")
    return f"{name} {match.group(2)}".strip() if name != f"seed.{match.group(1)}" else seed_ref


def _label(feature: str, pick: int) -> str:
    renderer = CATALOGUE.get(feature)
    if renderer is not None:
        return (renderer.zh, renderer.en)[pick]
    return _PLAIN_LABELS.get(feature, (feature, feature))[pick]


def _holds(op: str, value: Any, threshold: Any) -> bool:
    try:
        x, y = float(value), float(threshold)
    except (TypeError, ValueError):
        return bool(value == threshold) == (op == "eq")
    comparisons = {"lt": x < y, "le": x <= y, "gt": x > y, "ge": x >= y, "eq": x == y}
    return comparisons.get(op, x != y)


def _clause(clause: Clause, features: Mapping[str, Any], pick: int) -> tuple[bool | None, str]:
    """Whether the clause held on the firm's values (None: unknown here), and in words."""
    value = features.get(clause.feature)
    label = _label(clause.feature, pick)
    if clause.op in ("is_null", "not_null"):
        held = (value is None) == (clause.op == "is_null")
        return held, f"{label}: {format_value(clause.feature, value)[pick]}"
    if value is None:
        return None, ""
    if clause.op in ("is_true", "is_false"):
        return bool(value) == (clause.op == "is_true"), describe(clause.feature, value)[pick]
    threshold = clause.value
    if isinstance(threshold, ColumnRef):
        threshold = features.get(threshold.name)
    if clause.op not in _OPS or threshold is None:
        return None, ""
    shown = format_value(clause.feature, value)[pick]
    limit = format_value(clause.feature, threshold)[pick]
    return _holds(clause.op, value, threshold), f"{label} {shown} {_OPS[clause.op]} {limit}"


def _explain(
    cond: Condition, features: Mapping[str, Any], pick: int
) -> tuple[bool | None, list[str]]:
    """The words for the part of a condition that held: every clause of an ``all``, the first
    branch of an ``any`` that held. A negation says nothing useful in words and stays silent."""
    if isinstance(cond, Clause):
        held, text = _clause(cond, features, pick)
        return held, [text] if held and text else []
    if isinstance(cond, AllOf):
        parts = [_explain(item, features, pick) for item in cond.items]
        if any(held is False for held, _ in parts):
            return False, []
        state = True if all(held for held, _ in parts) else None
        return state, [line for _, lines in parts for line in lines]
    if isinstance(cond, AnyOf):
        parts = [_explain(item, features, pick) for item in cond.items]
        for held, lines in sorted(parts, key=lambda p: (p[0] is not True, not p[1])):
            if held:
                return True, lines
        return (None if any(held is None for held, _ in parts) else False), []
    return None, []


def _evidence(rule: Rule, features: Mapping[str, Any], pick: int) -> list[str]:
    """ "第一大客户占比 62% > 60%" for the clauses of the rule that held on the firm's values."""
    _, lines = _explain(rule.condition, features, pick)
    return list(dict.fromkeys(lines))


def _effects(
    effect_text: str, ruleset: Ruleset | None, t: Callable[..., str], pick: int
) -> list[str]:
    """ "refer=stage_disagreement; exclude_products=a,b" in words."""
    words = []
    for part in filter(None, (p.strip() for p in effect_text.split(";"))):
        kind, _, arg = part.partition("=")
        items = [a for a in arg.split(",") if a]
        if kind == "exclude_products":
            shown = "、".join(t(f"product.{a}") for a in items)
        elif kind in ("refer", "decline", "flag"):
            shown = "、".join(t(f"flag.{a}") for a in items)
        elif kind == "derive_stage":
            shown = "、".join(t(f"stage.{a}") for a in items)
        elif kind == "add_condition" and ruleset is not None:
            shown = "、".join(ruleset.conditions.get(a, (a, a))[pick] for a in items)
        elif kind in ("relax_cutoff", "green_discount", "interest_subsidy"):
            shown = _rate_text(arg)
        else:
            shown = arg
        words.append(f"{t('effect.' + kind)}: {shown}" if shown else t("effect." + kind))
    return words


def _rate_text(arg: str) -> str:
    try:
        return f"{float(arg):.2%}"
    except ValueError:
        return arg


def _hit(
    raw: Mapping[str, Any],
    rules: Mapping[str, Rule],
    ruleset: Ruleset | None,
    features: Mapping[str, Any],
    t: Callable[..., str],
    pick: int,
) -> HitView:
    rule_id = str(raw.get("rule_id"))
    rule = rules.get(rule_id)
    if rule is not None:
        description = (rule.description_zh, rule.description_en)[pick]
    else:
        description = str(raw.get(("description_zh", "description_en")[pick]) or "")
    return HitView(
        rule_id=rule_id,
        description=description,
        effects=_effects(str(raw.get("effect") or ""), ruleset, t, pick),
        citation=citation(str(raw.get("seed_ref") or (rule.seed_ref if rule else "")), t),
        evidence=_evidence(rule, features, pick) if rule is not None else [],
    )


def _flag_rule(code: str, hits: list[Mapping[str, Any]]) -> str | None:
    for raw in hits:
        for part in str(raw.get("effect") or "").split(";"):
            kind, _, arg = part.strip().partition("=")
            if kind in ("refer", "decline", "flag") and code in arg.split(","):
                return str(raw.get("rule_id"))
    return None


def build(
    *,
    session: Session,
    document: Mapping[str, Any] | None,
    ruleset_version: str | None,
    features: Mapping[str, Any],
    flags: list[str],
    lang: str,
    t: Callable[..., str],
) -> Evidence:
    pick = 0 if lang == "zh" else 1
    doc = document or {}
    ruleset = ruleset_for(session, ruleset_version) if ruleset_version else None
    rules = {r.id: r for r in ruleset.rules} if ruleset is not None else {}
    raw_hits = [h for h in doc.get("rule_hits") or [] if isinstance(h, Mapping)]
    # The reasons' own values count as features where the engine's full row is unavailable.
    values = {str(r["feature"]): r.get("value") for r in doc.get("reasons") or [] if "value" in r}
    values.update(features)
    if doc.get("pd") is not None:
        values.setdefault("pd", doc["pd"])
    hits = [_hit(h, rules, ruleset, values, t, pick) for h in raw_hits]
    by_id = {h.rule_id: h for h in hits}
    flag_views = []
    for code in flags:
        rule_id = _flag_rule(code, raw_hits)
        hit = by_id.get(rule_id) if rule_id else None
        flag_views.append(FlagView(code, rule_id, hit.description if hit else ""))
    stage_hit = next(
        (
            h
            for h, raw in zip(hits, raw_hits, strict=True)
            if "derive_stage=" in str(raw.get("effect"))
        ),
        None,
    )
    derived = None
    if stage_hit is not None:
        raw = raw_hits[hits.index(stage_hit)]
        derived = str(raw.get("effect")).split("derive_stage=")[1].split(";")[0].strip()
    elif ruleset is not None:
        derived = ruleset.default_stage
    declared = doc.get("stage_declared")
    stage = StageView(
        declared=declared,
        applied=doc.get("stage"),
        derived=derived,
        rule=stage_hit,
        disagree="stage_disagreement" in (doc.get("flags") or [])
        or (declared is not None and derived is not None and declared != derived),
    )
    reasons = [
        (
            describe(str(r["feature"]), r["value"])[pick]
            if "value" in r
            else str(r.get(("zh", "en")[pick], r["feature"])),
            float(r.get("contribution") or 0.0),
        )
        for r in doc.get("reasons") or []
    ]
    return Evidence(hits=hits, flags=flag_views, stage=stage, reasons=reasons)
