"""List columns of the engine's result (products, conditions, flags, rule hits).

The engine decides with one boolean mask per rule, flag, condition and product, and a row's list
is fully determined by which of those masks are set at that row. A ``ListColumn`` keeps exactly
that: the masks and the item each stands for. Python lists are built only where they are read:
``row(i)`` for one decision document, ``rows()`` for a report, and ``codes``/``lists`` for the
batch, which works per distinct pattern of masks (an explicit key, numbered on first use).
Building lists for every row of a million-row evaluation nobody reads would cost far more than
the evaluation itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from industry_credit.vocabulary import PRODUCT_CODES

if TYPE_CHECKING:
    from industry_credit.rules.compiled import CompiledRule
    from industry_credit.rules.ruleset import Ruleset

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Builder = Callable[[int, list[int]], list[Any]]


class ListColumn:
    """Row i lists ``build(i, [j for every mask j set at row i])``.

    Rows with the same masks set (and the same ``extra`` keys, for lists whose order depends
    on them) have equal lists: ``codes`` numbers those patterns and ``lists`` holds one list per
    pattern."""

    def __init__(self, masks: Sequence[Mask], n: int, build: Builder, extra: Sequence[Ints] = ()):
        self._masks = list(masks)
        self._n = n
        self._build = build
        self._extra = list(extra)
        self._patterns: tuple[Ints, list[list[Any]]] | None = None

    def __len__(self) -> int:
        return self._n

    def members(self, i: int) -> list[int]:
        """Indices of the masks set at row ``i``, ascending."""
        return [j for j, mask in enumerate(self._masks) if mask[i]]

    def row(self, i: int) -> list[Any]:
        return self._build(i, self.members(i))

    def _pattern_table(self) -> tuple[Ints, list[list[Any]]]:
        if self._patterns is None:
            codes, first = pattern_codes(self._masks, self._n, self._extra)
            lists = [self._build(int(r), self.members(int(r))) for r in first]
            self._patterns = (codes, lists)
        return self._patterns

    @property
    def codes(self) -> Ints:
        """Per row, the number of its pattern (an index into ``lists``)."""
        return self._pattern_table()[0]

    @property
    def lists(self) -> list[list[Any]]:
        return self._pattern_table()[1]

    def rows(self) -> npt.NDArray[np.object_]:
        """Each row's list (rows of one pattern share the object: copy before changing one)."""
        codes, lists = self._pattern_table()
        per_pattern = np.empty(len(lists), dtype=object)
        per_pattern[:] = lists
        out: npt.NDArray[np.object_] = per_pattern[codes]
        return out

    def take(self, rows: npt.NDArray[np.intp]) -> ListColumn:
        return ListColumn(
            [m[rows] for m in self._masks],
            len(rows),
            _reindexed(self._build, rows),
            [e[rows] for e in self._extra],
        )


def _reindexed(build: Builder, rows: npt.NDArray[np.intp]) -> Builder:
    return lambda i, members: build(int(rows[i]), members)


def pattern_codes(masks: Sequence[Mask], n: int, extra: Sequence[Ints] = ()) -> tuple[Ints, Ints]:
    """Per-row pattern numbers over ``masks`` (and extra integer keys), and a row per pattern.

    The masks are packed 63 to a word; the words and the extra keys are then numbered one after
    the other by hashing (``pandas.factorize``: no sort)."""
    if n <= 1:  # one row is one pattern
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    keys: list[Ints] = [np.asarray(e, dtype=np.int64) for e in extra]
    for start in range(0, len(masks), 63):
        word = np.zeros(n, dtype=np.int64)
        for bit, mask in enumerate(masks[start : start + 63]):
            word |= mask.astype(np.int64) << bit
        keys.append(word)
    codes = np.zeros(n, dtype=np.int64)
    for key in keys:
        key_codes, uniques = pd.factorize(key, sort=False)
        codes, _ = pd.factorize(codes * len(uniques) + key_codes, sort=False)
    # factorize numbers values in order of first appearance, so a pattern's first row is where
    # its code first appears.
    first = np.flatnonzero(np.r_[True, codes[1:] > np.maximum.accumulate(codes)[:-1]])
    return codes.astype(np.int64), first.astype(np.int64)


def list_column(masks: Sequence[Mask], items: Sequence[Any], n: int) -> ListColumn:
    """Row i lists ``items[j]`` for every mask j set at row i, in mask order."""
    chosen = list(items)
    return ListColumn(masks, n, lambda _row, members: [chosen[j] for j in members])


def products_column(
    ruleset: Ruleset,
    eligible: npt.NDArray[np.bool_],  # (products x rows)
    position: npt.NDArray[np.int16],  # (products x rows)
    order_keys: Sequence[Ints],
    n: int,
) -> ListColumn:
    """Ranked products with their rationale; rows share a list when they share the eligible
    set and every key the ranking depends on (``order_keys``)."""

    def build(row: int, idx: list[int]) -> list[dict[str, Any]]:
        ordered = sorted(idx, key=lambda j: int(position[j, row]))
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

    return ListColumn(list(eligible), n, build, extra=order_keys)


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
