from __future__ import annotations

import pytest

from industry_credit.uscc import check_digit, is_valid_uscc, uscc_problem

# Codes whose check digits are correct under GB 32100-2015 (the first is a widely published example).
VALID = ["91350100M000100Y43", "91310115MA1K4BCD5J", "9131000063020346XP"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code: str) -> None:
    assert uscc_problem(code) is None
    assert is_valid_uscc(code)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "check digit"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100YI3", "capitals other than I, O, Z, S, V"),
        ("91350100m000100Y43", "capitals"),
        ("", "18 characters"),
    ],
)
def test_invalid_codes_say_why(code: str, fragment: str) -> None:
    problem = uscc_problem(code)
    assert problem is not None
    assert fragment in problem


def test_check_digit_changes_with_every_body_position() -> None:
    body = "91310115MA1K4BCD5"
    digit = check_digit(body)
    for i in range(17):
        replacement = "1" if body[i] != "1" else "2"
        altered = body[:i] + replacement + body[i + 1 :]
        assert not is_valid_uscc(altered + digit), f"position {i} not covered by the check digit"
