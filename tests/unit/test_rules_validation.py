"""A ruleset is refused at load with an error that names the rule and the problem."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from industry_credit.rules import RulesetError, build_ruleset, load_ruleset
from industry_credit.rules.loading import DEFAULT_RULESET_PATH
from industry_credit.rules.ruleset import canonical_json, content_version

Content = dict[str, Any]


def default_content() -> Content:
    loaded: Content = yaml.safe_load(DEFAULT_RULESET_PATH.read_text(encoding="utf-8"))
    return loaded


def rule(content: Content, rule_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in content["rules"] if r["id"] == rule_id)
    return found


def set_when(rule_id: str, when: object) -> Callable[[Content], None]:
    return lambda c: rule(c, rule_id).__setitem__("when", when)


def set_then(rule_id: str, then: object) -> Callable[[Content], None]:
    return lambda c: rule(c, rule_id).__setitem__("then", then)


def drop(rule_id: str, key: str) -> Callable[[Content], None]:
    return lambda c: rule(c, rule_id).pop(key)


def duplicate(rule_id: str) -> Callable[[Content], None]:
    return lambda c: c["rules"].append(copy.deepcopy(rule(c, rule_id)))


CASES: list[tuple[str, Callable[[Content], None], str, str]] = [
    (
        "unknown feature",
        set_when("REF-IMPORT-DEPENDENCY", {"feature": "imported_share", "op": "gt", "value": 0.5}),
        "REF-IMPORT-DEPENDENCY",
        "unknown feature 'imported_share'",
    ),
    (
        "bad operator",
        set_when(
            "REF-IMPORT-DEPENDENCY",
            {"feature": "imported_component_share", "op": "bigger", "value": 0.5},
        ),
        "REF-IMPORT-DEPENDENCY",
        "unknown operator 'bigger'",
    ),
    (
        "operator on the wrong kind of feature",
        set_when("KO-GREEN-COMPLIANCE", {"feature": "sector", "op": "gt", "value": "robot"}),
        "KO-GREEN-COMPLIANCE",
        "does not apply to categorical feature 'sector'",
    ),
    (
        "effect on an unknown product",
        set_then("ELIG-M-AND-A-PURPOSE", {"exclude_products": ["trade_in_loan"]}),
        "ELIG-M-AND-A-PURPOSE",
        "unknown product code 'trade_in_loan'",
    ),
    (
        "unknown sector code in a condition",
        set_when("KO-FUTURE-NO-FUND", {"feature": "sector", "op": "eq", "value": "quantum"}),
        "KO-FUTURE-NO-FUND",
        "unknown sector code 'quantum'",
    ),
    (
        "unknown stage code in an effect",
        set_then("STG-MATURE", {"derive_stage": "adult"}),
        "STG-MATURE",
        "unknown stage code 'adult'",
    ),
    (
        "unknown stage code in a condition",
        set_when(
            "REF-STAGE-DISAGREEMENT", {"feature": "declared_stage", "op": "in", "value": ["seed"]}
        ),
        "REF-STAGE-DISAGREEMENT",
        "unknown declared_stage code 'seed'",
    ),
    (
        "missing Chinese description",
        drop("KO-PD-CUTOFF", "description_zh"),
        "KO-PD-CUTOFF",
        "missing description_zh",
    ),
    (
        "missing English description",
        drop("KO-PD-CUTOFF", "description_en"),
        "KO-PD-CUTOFF",
        "missing description_en",
    ),
    ("missing seed_ref", drop("KO-PD-CUTOFF", "seed_ref"), "KO-PD-CUTOFF", "seed_ref"),
    (
        "malformed seed_ref",
        lambda c: rule(c, "KO-PD-CUTOFF").__setitem__("seed_ref", "the plan"),
        "KO-PD-CUTOFF",
        "malformed seed_ref",
    ),
    ("duplicate id", duplicate("REF-CONTAGION"), "REF-CONTAGION", "duplicate rule id"),
    (
        "unknown parameter",
        set_when(
            "REF-CONTAGION",
            {"feature": "core_buyer_distress", "op": "gt", "value": {"param": "nope"}},
        ),
        "REF-CONTAGION",
        "unknown parameter 'nope'",
    ),
    (
        "green discount above 50 bp",
        set_then("PRC-GREEN-DISCOUNT", {"green_discount": 0.006}),
        "PRC-GREEN-DISCOUNT",
        "green_discount must be in",
    ),
    (
        "decline that reads the offer",
        set_when("KO-GREEN-COMPLIANCE", {"feature": "top_product", "op": "eq", "value": "abs"}),
        "KO-GREEN-COMPLIANCE",
        "cannot decline or exclude products",
    ),
    (
        "stage rule reading a later column",
        set_when("STG-MATURE", {"feature": "cutoff_decline", "op": "gt", "value": 0.1}),
        "STG-MATURE",
        "only known from phase decision",
    ),
    (
        "unknown effect",
        set_then("KO-PD-CUTOFF", {"explode": True}),
        "KO-PD-CUTOFF",
        "unknown effect",
    ),
    (
        "unknown condition code",
        set_then("OFR-IP-VALUATION", {"add_condition": "pray"}),
        "OFR-IP-VALUATION",
        "unknown condition code 'pray'",
    ),
    (
        "unknown sector in a playbook",
        lambda c: c["sector_playbooks"].__setitem__("toasters", c["sector_playbooks"]["other"]),
        "sector_playbooks.toasters",
        "unknown sector code 'toasters'",
    ),
    (
        "unknown product in a stage set",
        lambda c: c["stage_products"]["growth"].append("crypto_loan"),
        "stage_products.growth",
        "unknown product code 'crypto_loan'",
    ),
    (
        "unknown district in a segment",
        lambda c: c["risk_appetite"]["segments"].append(
            {
                "district": "xuhui",
                "approve_below": 0.03,
                "decline_from": 0.1,
                "seed_ref": "000 §(三)3",
            }
        ),
        "risk_appetite.segments[4]",
        "unknown district code 'xuhui'",
    ),
    (
        "missing sector playbook",
        lambda c: c["sector_playbooks"].pop("robot"),
        "sector_playbooks",
        "no playbook for sectors ['robot']",
    ),
]


@pytest.mark.parametrize(("label", "mutate", "where", "problem"), CASES, ids=[c[0] for c in CASES])
def test_invalid_ruleset_is_refused(
    label: str, mutate: Callable[[Content], None], where: str, problem: str
) -> None:
    content = default_content()
    mutate(content)
    with pytest.raises(RulesetError) as info:
        build_ruleset(content)
    assert info.value.where == where, label
    assert problem in info.value.problem
    assert str(info.value).startswith(f"{where}: ")


def test_default_ruleset_loads_and_cites_seeds() -> None:
    rs = load_ruleset(DEFAULT_RULESET_PATH)
    assert len(rs.rules) >= 40
    assert all(r.seed_ref[:3] in {"000", "001", "002", "003", "004"} for r in rs.rules)
    assert rs.playbooks["future_terminal"] == ("guidance_fund_follow_loan",)
    assert "social_benefit_loan" not in rs.playbooks["other"]


def test_version_is_the_hash_of_canonical_content() -> None:
    text = DEFAULT_RULESET_PATH.read_text(encoding="utf-8")
    rs = load_ruleset(text)
    assert rs.version == content_version(default_content())
    # Comments and layout do not change the version; any edit does.
    assert load_ruleset("# a comment\n" + text).version == rs.version
    edited = default_content()
    edited["parameters"]["import_dependency_max"] = 0.4
    assert build_ruleset(edited).version != rs.version
    assert canonical_json(edited).startswith('{"conditions":')


def test_not_yaml_is_refused() -> None:
    with pytest.raises(RulesetError, match="not valid YAML"):
        load_ruleset("rules: [\n  - {id: X")


def test_non_json_values_are_refused() -> None:
    text = DEFAULT_RULESET_PATH.read_text(encoding="utf-8").replace(
        "name: smart-terminal-default", "name: smart-terminal-default\nreviewed_on: 2026-11-21", 1
    )
    with pytest.raises(RulesetError, match="plain JSON data"):
        load_ruleset(text)
