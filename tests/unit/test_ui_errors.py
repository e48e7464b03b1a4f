"""Refusals on the case page speak the page's language: no English reason on a Chinese page,
and no raw message key for a field the page cannot name."""

from __future__ import annotations

from industry_credit.errors import UnprocessableError
from industry_credit.review.claims import ClaimedError
from industry_credit.review.policy import CaseStateError, FourEyesError
from industry_credit.review.ui_errors import error_view


def test_known_reasons_are_worded_in_chinese() -> None:
    exc = FourEyesError("you already agreed to this proposal; a second officer must decide")
    assert error_view(exc, "zh") == {
        "code": "four_eyes_violation",
        "field": "",
        "message": "您已同意该提议，须由另一位风险经理决定",
    }
    assert error_view(exc, "en")["message"] == exc.message
    state = CaseStateError("case 12 is closed; expected open or awaiting_second")
    assert error_view(state, "zh")["message"] == "案件状态已变化，请刷新后再试"


def test_an_unknown_reason_is_left_out_of_a_chinese_page() -> None:
    exc = CaseStateError("something the catalogue does not know")
    assert error_view(exc, "zh")["message"] == ""
    assert error_view(exc, "en")["message"] == "something the catalogue does not know"


def test_only_fields_the_page_can_name() -> None:
    same = UnprocessableError(
        "nothing changed: the engine's own terms; use approve or decline instead",
        fields=[{"path": "$", "problem": "the override keeps the engine's terms"}],
    )
    view = error_view(same, "zh")
    assert view["field"] == ""  # "$" names no form field: no raw "error.field.$" on the page
    assert view["message"] == "条款与引擎相同：请直接批准或拒绝"
    limit = UnprocessableError("bad limit", fields=[{"path": "$.limit_amount", "problem": "x"}])
    assert error_view(limit, "zh")["field"] == "limit_amount"


def test_a_claimed_case_is_explained_by_the_holder_card() -> None:
    view = error_view(ClaimedError("case 3 is held by officer_li; ..."), "zh")
    assert view == {"code": "case_claimed", "field": "", "message": ""}
