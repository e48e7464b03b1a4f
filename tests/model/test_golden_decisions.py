"""The engine reproduces the golden decision corpus exactly: every field, PDs to the last bit.

The corpus (``tests/golden/``) was recorded with its own copies of the model artifact and the
ruleset, from the engine before the decision kernel was rebuilt. It is decided here in one call
(the batch's shape), one document at a time (the RM's) and in shuffled groups of mixed sizes
(the API's micro-batches): all three must give exactly the recorded fields.
"""

from __future__ import annotations

import gzip
import json
import random
from functools import cache
from typing import Any

import pytest
from tests.golden.record_decisions import CORPUS, engine

from industry_credit.decisions.types import DecisionInput


def _canonical(value: Any) -> str:
    # repr of a float is its shortest round-trip text: equal text means equal bits (and -0.0
    # differs from 0.0, which == would not notice).
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@cache
def _corpus() -> list[dict[str, Any]]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _inputs(rows: list[dict[str, Any]]) -> list[DecisionInput]:
    return [DecisionInput.from_snapshot(row["input"]) for row in rows]


def _assert_reproduced(rows: list[dict[str, Any]], results: list[Any]) -> None:
    assert len(results) == len(rows)
    mismatched = [
        row["case"]
        for row, got in zip(rows, results, strict=True)
        if _canonical(got.decision) != _canonical(row["decision"])
        or _canonical(got.features) != _canonical(row["features"])
    ]
    assert not mismatched, f"{len(mismatched)} cases differ, first: {mismatched[:5]}"


def test_corpus_is_large_and_varied() -> None:
    rows = _corpus()
    assert len(rows) >= 1000
    outcomes = {row["decision"]["outcome"] for row in rows}
    assert outcomes == {"approve", "refer", "decline"}
    fired = {hit["rule_id"] for row in rows for hit in row["decision"]["rule_hits"]}
    assert len(fired) >= 40


def test_one_call_reproduces_every_decision() -> None:
    rows = _corpus()
    _assert_reproduced(rows, engine().decide(_inputs(rows)))


@pytest.mark.parametrize("seed", [1, 2])
def test_micro_batches_reproduce_every_decision(seed: int) -> None:
    rows = list(_corpus())
    random.Random(seed).shuffle(rows)
    decider = engine()
    start = 0
    sizes = random.Random(seed + 10)
    while start < len(rows):
        group = rows[start : start + sizes.choice([2, 3, 7, 16, 64])]
        _assert_reproduced(group, decider.decide(_inputs(group)))
        start += len(group)


def test_single_documents_reproduce_their_decisions() -> None:
    rows = _corpus()
    sample = rows[::6]
    decider = engine()
    for row in sample:
        _assert_reproduced([row], decider.decide(_inputs([row])))
