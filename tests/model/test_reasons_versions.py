"""Versioned reason sentences: the golden corpus replays with the renderer it was recorded with
(version 1, a share's magnitude), and the current renderer (version 2) changes nothing but the
sign of the levels it prints."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from tests.golden.record_decisions import CORPUS, CORPUS_REASONS_VERSION, engine

from industry_credit.decisions.types import DecisionInput
from industry_credit.ml.reasons import (
    CURRENT_REASONS_VERSION,
    describe,
    render,
    sentence,
)


def _rows_whose_text_changes() -> list[dict[str, Any]]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    return [
        row
        for row in rows
        if any(
            render(r["feature"], r["value"]) != describe(r["feature"], r["value"])
            for r in row["decision"]["reasons"]
        )
    ]


def test_the_corpus_is_pinned_to_the_first_renderer() -> None:
    assert CORPUS_REASONS_VERSION == 1
    assert engine().reasons_version == 1
    assert CURRENT_REASONS_VERSION == 2


def test_the_current_renderer_changes_only_the_sign_of_levels() -> None:
    rows = _rows_whose_text_changes()
    # Hundreds of loss-making firms in the corpus: "总资产收益率为23%" for a ROA of -23%.
    assert len(rows) > 100
    current = engine()
    current.reasons_version = CURRENT_REASONS_VERSION
    results = current.decide([DecisionInput.from_snapshot(row["input"]) for row in rows])
    signed = 0
    for row, got in zip(rows, results, strict=True):
        old, new = row["decision"], got.decision
        assert {k: v for k, v in new.items() if k != "reasons"} == {
            k: v for k, v in old.items() if k != "reasons"
        }
        assert [(r["feature"], r["contribution"], r["value"]) for r in new["reasons"]] == [
            (r["feature"], r["contribution"], r["value"]) for r in old["reasons"]
        ]
        for was, now in zip(old["reasons"], new["reasons"], strict=True):
            assert (now["zh"], now["en"]) == describe(now["feature"], now["value"])
            assert (was["zh"], was["en"]) == render(was["feature"], was["value"])
            if now["zh"] != was["zh"] and now["value"] < 0:
                assert "-" in now["zh"]
                assert "-" in now["en"]
                signed += 1
    assert signed > 100


def test_versions_render_as_named() -> None:
    assert sentence("roa", -0.23, 1) == ("总资产收益率为23%", "Return on assets at 23%")
    assert sentence("roa", -0.23, 2) == ("总资产收益率为-23%", "Return on assets at -23%")
    with pytest.raises(ValueError, match="unknown reasons renderer version 3"):
        sentence("roa", 0.1, 3)
