"""Unified social credit code (统一社会信用代码) per GB 32100-2015.

The code has 18 characters over a 31-symbol alphabet (digits and capitals without
I, O, Z, S, V). The last character is a check digit over the first 17 with weights
3**i mod 31. The database enforces the same rule in SQL (see the migration that
creates ``uscc_is_valid``), so a row cannot bypass Python.
"""

from __future__ import annotations

import re
from typing import Final

ALPHABET: Final[str] = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS: Final[tuple[int, ...]] = tuple(pow(3, i, 31) for i in range(17))
_VALUE: Final[dict[str, int]] = {ch: i for i, ch in enumerate(ALPHABET)}
USCC_PATTERN: Final[str] = "^[0-9A-HJ-NP-RTUWXY]{18}$"
_PATTERN: Final[re.Pattern[str]] = re.compile(USCC_PATTERN)


def check_digit(body: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(body) != 17 or not _PATTERN.match(body + "0"):
        raise ValueError("a USCC body is 17 characters of the GB 32100 alphabet")
    total = sum(_VALUE[ch] * w for ch, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC, or None when it is."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    if not _PATTERN.match(code):
        return "may only contain digits and capitals other than I, O, Z, S, V"
    expected = check_digit(code[:17])
    if code[17] != expected:
        return f"check digit is {code[17]!r} but GB 32100-2015 requires {expected!r}"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_problem(code) is None
