"""Bad documents are refused with the JSON path of each failing field and a readable problem."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.errors import validation_fields
from tests.factories.documents import application


def _problems(doc: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        ApplicationDocument.model_validate(doc)
    return {f["path"]: f["problem"] for f in validation_fields(info.value.errors())}


def test_the_example_document_is_valid() -> None:
    parsed = ApplicationDocument.model_validate(application())
    assert parsed.enterprise.sector == "robot"


def test_invalid_uscc_names_the_field() -> None:
    problems = _problems(application(enterprise={"uscc": "91350100M000100Y44"}))
    assert "check digit" in problems["$.enterprise.uscc"]


def test_unknown_sector_and_district_name_their_fields() -> None:
    problems = _problems(application(enterprise={"sector": "spaceships", "district": "mars"}))
    assert "$.enterprise.sector" in problems
    assert "$.enterprise.district" in problems


def test_negative_amount_names_the_field() -> None:
    doc = application()
    doc["financials"][0]["revenue"] = -5
    problems = _problems(doc)
    assert "greater than or equal to 0" in problems["$.financials[0].revenue"]


def test_share_above_one_names_the_field() -> None:
    doc = application()
    doc["supply_chain"][0]["share"] = 1.5
    assert "$.supply_chain[0].share" in _problems(doc)


def test_future_month_names_the_field() -> None:
    doc = application()
    doc["alternative_data"][0]["month"] = "2099-01"
    assert "future" in _problems(doc)["$.alternative_data[0].month"]


def test_unknown_fields_are_ignored_and_never_stored() -> None:
    doc = application()
    doc["score"] = 0.001
    doc["outcome"] = "approve"
    parsed = ApplicationDocument.model_validate(doc)
    assert "score" not in parsed.model_dump()
    assert "outcome" not in parsed.model_dump()
