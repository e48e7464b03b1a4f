"""The ruleset's review_queue section: LGD by product and collateral, and refusals that name the
field at fault."""

from __future__ import annotations

import pytest

from industry_credit.rules import default_ruleset
from industry_credit.rules.errors import RulesetError
from industry_credit.rules.loading import DEFAULT_RULESET_PATH
from industry_credit.rules.review_queue import QueuePolicy, parse_review_queue, queue_policy
from industry_credit.rules.ruleset import parse_ruleset_text


def test_default_ruleset_carries_the_section() -> None:
    policy = queue_policy(default_ruleset().content)
    assert policy.lgd_default == 0.45
    assert policy.must_review_flags == ("green_compliance_violation", "pd_above_cutoff")
    assert policy.lgd_by_collateral["real_estate_mortgage"] == 0.25


def test_lgd_is_the_lowest_of_product_and_pledges() -> None:
    policy = QueuePolicy(
        lgd_default=0.45,
        lgd_by_product={"supply_chain_finance": 0.35},
        lgd_by_collateral={"real_estate_mortgage": 0.25, "ip_pledge": 0.6},
    )
    assert policy.lgd(None, None) == 0.45
    assert policy.lgd("supply_chain_finance", []) == 0.35
    # A weak pledge never raises the loss above the product's.
    assert policy.lgd("supply_chain_finance", ["ip_pledge"]) == 0.35
    assert policy.lgd("working_capital_loan", ["ip_pledge", "real_estate_mortgage"]) == 0.25
    assert policy.lgd("working_capital_loan", ["none"]) == 0.45


def test_severity_is_the_largest_flag_weight() -> None:
    policy = QueuePolicy()
    assert policy.severity_of(["contagion", "early_warning", "pd_grey_zone"]) == 3
    assert policy.severity_of([]) == 0


@pytest.mark.parametrize(
    ("section", "where"),
    [
        ({"lgd_default": 1.5}, "review_queue.lgd_default"),
        ({"lgd_by_collateral": {"gold_bars": 0.1}}, "review_queue.lgd_by_collateral"),
        (
            {"lgd_by_product": {"working_capital_loan": "low"}},
            "review_queue.lgd_by_product.working_capital_loan",
        ),
        ({"nominal_exposure": 0}, "review_queue.nominal_exposure"),
        ({"worsened_el_ratio": 0.9}, "review_queue.worsened_el_ratio"),
        ({"must_review_flags": "pd_above_cutoff"}, "review_queue.must_review_flags"),
        ({"severity": {"contagion": -1}}, "review_queue.severity"),
        ({"capacity": 10}, "review_queue"),
    ],
)
def test_bad_values_are_refused_naming_the_field(section: dict[str, object], where: str) -> None:
    with pytest.raises(RulesetError) as err:
        parse_review_queue(section)
    assert err.value.where == where


def test_a_ruleset_with_a_bad_section_does_not_load() -> None:
    text = DEFAULT_RULESET_PATH.read_text(encoding="utf-8").replace(
        "  lgd_default: 0.45\n", "  lgd_default: 45\n"
    )
    with pytest.raises(RulesetError, match=r"review_queue\.lgd_default"):
        parse_ruleset_text(text)
