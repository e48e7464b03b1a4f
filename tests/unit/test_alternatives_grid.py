"""The deal-structuring grid: its levels, its loan table and the repeated frames it is decided on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.decisions import alternatives as alt
from industry_credit.ml.columns import CodeCounts, Coded
from industry_credit.ml.frames import INPUT_TABLES, EnterpriseFrames, FramesError
from industry_credit.rules.loading import default_ruleset
from tests.factories.deal_stories import unsecured_startup
from tests.factories.documents import application, healthy_industrial_maker


def _doc(raw: dict[str, Any]) -> ApplicationDocument:
    return ApplicationDocument.model_validate(raw)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Coded):
        return bool(np.array_equal(a.codes, b.codes)) and a.categories == b.categories
    if isinstance(a, CodeCounts):
        return bool(np.array_equal(a.counts, b.counts)) and a.vocabulary == b.vocabulary
    if hasattr(a, "to_pylist"):
        return bool(a.to_pylist() == b.to_pylist())
    a, b = np.asarray(a), np.asarray(b)
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


@pytest.mark.parametrize(
    "raw",
    [application(), unsecured_startup(1), healthy_industrial_maker()],
    ids=["robot", "unsecured", "industrial"],
)
def test_repeated_frames_equal_the_frames_of_the_variant_documents(raw: dict[str, Any]) -> None:
    doc = _doc(raw)
    ruleset = default_ruleset()
    grid = alt.build_grid(doc, ruleset, alt.Bounds(), stage="growth", debt_capacity=4e6)
    assert len(grid) > 50
    repeated = EnterpriseFrames.from_documents([doc]).repeated(alt.loan_table(doc, grid))
    documents = [alt.variant_document(doc, grid, row) for row in range(len(grid))]
    flattened = EnterpriseFrames.from_documents(documents)
    for name in INPUT_TABLES:
        ours, theirs = repeated.table(name), flattened.table(name)
        assert ours.n == theirs.n, name
        assert set(ours) == set(theirs), name
        for column in ours:
            assert _same(ours[column], theirs[column]), (name, column)


def test_repeated_needs_one_enterprise() -> None:
    doc = _doc(application())
    frames = EnterpriseFrames.from_documents([doc, doc])
    with pytest.raises(FramesError):
        frames.repeated(frames.loan_requests)


def test_amount_levels_step_to_the_floor_and_include_the_engine_bounds() -> None:
    levels = alt.amount_levels(Decimal(10_000_000), alt.Bounds(amount_steps=8), [5_432_100.7, 2e6])
    assert levels[0] == Decimal(10_000_000)
    assert levels[-1] == Decimal(3_000_000)  # the floor, 30% by default
    assert Decimal(5_432_100) in levels  # the debt capacity, floored to the yuan
    assert Decimal(2_000_000) not in levels  # below the floor
    assert len(levels) == 9
    assert list(levels) == sorted(set(levels), reverse=True)


def test_tenor_levels_stay_inside_the_window() -> None:
    assert alt.tenor_levels(6, 36, 60) == (36, 24, 18, 12, 9, 6)
    assert alt.tenor_levels(6, 30, 30) == (30, 24, 18, 12, 9, 6)
    assert alt.tenor_levels(12, 6, 24) == ()


def test_enhancements_are_what_the_firm_can_offer() -> None:
    robot = _doc(application(request={"collateral": ["ip_pledge"]}))
    # Patents already pledged; a core buyer's receivables and a guarantee can be added.
    assert alt.plausible_enhancements(robot) == ("receivables_pledge", "guarantee_fund")
    no_ip = _doc(
        application(
            ip={"patents": 0, "software_copyrights": 0, "ip_valuation": 0},
            request={"collateral": ["third_party_guarantee"]},
        )
    )
    assert alt.plausible_enhancements(no_ip) == ("receivables_pledge",)
    copyrights_only = _doc(application(ip={"patents": 0, "ip_valuation": 0}))
    assert "software_copyright_pledge" in alt.plausible_enhancements(copyrights_only)


def test_a_grid_over_max_grid_names_the_bound() -> None:
    doc = _doc(application())
    with pytest.raises(alt.BoundsError) as caught:
        alt.build_grid(
            doc, default_ruleset(), alt.Bounds(max_grid=10), stage="startup", debt_capacity=0
        )
    assert caught.value.field == "max_grid"


def test_the_variant_document_changes_only_the_request() -> None:
    doc = _doc(application(request={"collateral": ["none"]}))
    grid = alt.build_grid(doc, default_ruleset(), alt.Bounds(), stage="startup", debt_capacity=0)
    row = int(np.flatnonzero(grid.added == 1)[0])
    variant = alt.variant_document(doc, grid, row)
    assert variant.request.collateral == [grid.enhancements[0]]  # "none" gives way
    assert variant.model_dump(exclude={"request"}) == doc.model_dump(exclude={"request"})
