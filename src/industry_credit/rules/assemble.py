"""List columns of the engine's result: one list per distinct pattern of masks, not per row.

The engine decides with one boolean mask per rule, flag, condition and product. Rows that share
the same pattern of masks share the same list, so the lists are built once per distinct pattern
(few: thousands at most, whatever the number of rows). A ``ListColumn`` keeps those lists and,
per row, the number of its pattern: an explicit key the batch groups rows by.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from industry_credit.vocabulary import PRODUCT_CODES

if TYPE_CHECKING:
    from industry_credit.rules.compiled import CompiledRule
    from industry_credit.rules.ruleset import Ruleset

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ListColumn:
    """Row i's list is ``lists[codes[i]]``; rows with equal codes have equal lists."""

    codes: Ints
    lists: list[list[Any]]

    def __len__(self) -> int:
        return len(self.codes)

    def row(self, i: int) -> list[Any]:
        return self.lists[int(self.codes[i])]

    def rows(self) -> npt.NDArray[np.object_]:
        """Each row's list (shared objects: copy before changing one)."""
        per_pattern = np.empty(len(self.lists), dtype=object)
        per_pattern[:] = self.lists
        out: npt.NDArray[np.object_] = per_pattern[self.codes]
        return out

    def take(self, rows: npt.NDArray[np.intp]) -> ListColumn:
        return ListColumn(self.codes[rows], self.lists)


def _factorize(key: Ints) -> tuple[Ints, Ints]:
    """Dense codes of ``key`` and one row per code."""
    _, first, codes = np.unique(key, return_index=True, return_inverse=True)
    return codes.astype(np.int64).reshape(-1), first.astype(np.int64)


def pattern_codes(masks: Sequence[Mask], n: int, extra: Sequence[Ints] = ()) -> tuple[Ints, Ints]:
    """Per-row pattern numbers over ``masks`` (and extra integer keys), and a row per pattern.

    The masks are packed into bytes (8 masks a byte, a row's bytes read as one 64-bit word per
    eight bytes), then the words and the extra keys are numbered one after the other."""
    if n <= 1:  # one row is one pattern
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    keys: list[Ints] = [np.asarray(e, dtype=np.int64) for e in extra]
    if masks:
        packed = np.packbits(np.stack(masks, axis=1), axis=1)
        width = -(-packed.shape[1] // 8) * 8
        padded = np.zeros((n, width), dtype=np.uint8)
        padded[:, : packed.shape[1]] = packed
        words = padded.view(np.int64)
        keys.extend(words[:, j] for j in range(words.shape[1]))
    codes = np.zeros(n, dtype=np.int64)
    first = np.zeros(min(n, 1), dtype=np.int64)
    for key in keys:
        key_codes, _ = _factorize(key)
        codes, first = _factorize(codes * (int(key_codes.max(initial=0)) + 1) + key_codes)
    return codes, first


def _set_members(masks: Sequence[Mask], first_rows: Ints) -> list[list[int]]:
    """For each pattern (its first row), the indices of the masks set in it, ascending."""
    if not masks:
        return [[] for _ in first_rows]
    matrix = np.stack([m[first_rows] for m in masks], axis=1)
    return [np.flatnonzero(row).tolist() for row in matrix]


def list_column(masks: Sequence[Mask], items: Sequence[Any], n: int) -> ListColumn:
    """Row i lists ``items[j]`` for every mask j set at row i, in mask order."""
    codes, first = pattern_codes(masks, n)
    lists = [[items[j] for j in members] for members in _set_members(masks, first)]
    return ListColumn(codes, lists)


def built_list_column(
    masks: Sequence[Mask],
    n: int,
    build: Callable[[int, list[int]], list[Any]],
    extra: Sequence[Ints] = (),
) -> ListColumn:
    """Like ``list_column``, but ``build(row, indices)`` makes each pattern's list (for lists
    that also depend on the ``extra`` keys, such as products ranked by the row's sector)."""
    codes, first = pattern_codes(masks, n, extra)
    members = _set_members(masks, first)
    return ListColumn(codes, [build(int(r), idx) for r, idx in zip(first, members, strict=True)])


def products_column(
    ruleset: Ruleset,
    eligible: npt.NDArray[np.bool_],
    position: npt.NDArray[np.int16],
    order_keys: Sequence[Ints],
    n: int,
) -> ListColumn:
    """Ranked products with their rationale; rows share a list when they share the eligible
    set and every key the ranking depends on (``order_keys``)."""

    def build(row: int, idx: list[int]) -> list[dict[str, Any]]:
        ordered = sorted(idx, key=lambda j: int(position[row, j]))
        specs = [ruleset.products[PRODUCT_CODES[j]] for j in ordered]
        return [
            {
                "code": s.code,
                "rank": k,
                "rationale_zh": s.rationale_zh,
                "rationale_en": s.rationale_en,
            }
            for k, s in enumerate(specs, start=1)
        ]

    masks = [eligible[:, j] for j in range(eligible.shape[1])]
    return built_list_column(masks, n, build, extra=order_keys)


def hits_column(ruleset: Ruleset, hits: list[tuple[CompiledRule, Mask]], n: int) -> ListColumn:
    by_id = {rule.id: rule for rule in ruleset.rules}
    items = [
        {
            "rule_id": r.id,
            "effect": by_id[r.id].effect_text,
            "seed_ref": by_id[r.id].seed_ref,
            "ruleset_version": ruleset.version,
        }
        for r, _ in hits
    ]
    return list_column([m for _, m in hits], items, n)
