"""The decision micro-batcher: overlapping requests share one engine call; a lone one waits for
nobody."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from industry_credit.decisions.batcher import MicroBatcher
from industry_credit.decisions.types import EngineResult


class _GatedEngine:
    """Decides only once the gate opens; records each call's size."""

    model_version = "m"
    ruleset_version = "r"

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls: list[int] = []

    def decide(self, inputs: list[Any]) -> list[EngineResult]:
        self.entered.set()
        self.gate.wait(10)
        self.calls.append(len(inputs))
        return [EngineResult(decision={"n": i}, features={}) for i in inputs]


def test_a_lone_request_does_not_wait_for_company() -> None:
    engine = _GatedEngine()
    engine.gate.set()
    # A minute's wait would time the call out: each lone request must be decided at once.
    batcher = MicroBatcher(max_batch=64, max_wait_s=60.0)
    try:
        for i in range(3):
            assert batcher.decide(engine, i, timeout=5).decision == {"n": i}  # type: ignore[arg-type]
    finally:
        batcher.close()
    assert engine.calls == [1, 1, 1]


def test_requests_arriving_during_a_decision_share_the_next_call() -> None:
    engine = _GatedEngine()
    batcher = MicroBatcher(max_batch=64, max_wait_s=0.0)
    try:
        with ThreadPoolExecutor(8) as pool:
            first = pool.submit(batcher.decide, engine, 0)
            assert engine.entered.wait(5)
            rest = [pool.submit(batcher.decide, engine, i) for i in range(1, 8)]
            while batcher._queue.qsize() < 7:  # all queued behind the running call
                threading.Event().wait(0.01)
            engine.gate.set()
            results = [first.result(5), *(f.result(5) for f in rest)]
    finally:
        batcher.close()
    assert [r.decision["n"] for r in results] == list(range(8))
    assert engine.calls == [1, 7]


def test_a_failing_engine_fails_every_waiting_request() -> None:
    class Broken(_GatedEngine):
        def decide(self, inputs: list[Any]) -> list[EngineResult]:
            raise RuntimeError("model file unreadable")

    batcher = MicroBatcher()
    try:
        with pytest.raises(RuntimeError, match="unreadable"):
            batcher.decide(Broken(), 0, timeout=5)  # type: ignore[arg-type]
    finally:
        batcher.close()
