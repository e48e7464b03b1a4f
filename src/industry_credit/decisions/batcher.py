"""Adaptive micro-batching of decisions across concurrent requests.

Building a one-row DataFrame and calling LightGBM on it costs milliseconds of fixed overhead;
the same work for 32 rows costs barely more. Request threads hand their input to one worker
thread, which takes whatever has arrived and decides the lot in one vectorized call. It waits
for more (at most ``max_wait_s`` once the first item is in) only while requests overlap, that is
when its previous batch held more than one: a lone request waits for nobody.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from industry_credit.decisions.types import DecisionEngine, DecisionInput, EngineResult


@dataclass
class _Item:
    engine: DecisionEngine
    input: DecisionInput
    future: Future[EngineResult]


class MicroBatcher:
    def __init__(
        self,
        *,
        max_batch: int = 64,
        max_wait_s: float = 0.002,
        on_batch: Callable[[int, float], None] | None = None,
    ) -> None:
        self.on_batch = on_batch
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.batch_sizes: list[int] = []
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="decision-batcher", daemon=True)
        self._thread.start()

    def decide(
        self, engine: DecisionEngine, item: DecisionInput, timeout: float = 30.0
    ) -> EngineResult:
        future: Future[EngineResult] = Future()
        self._queue.put(_Item(engine, item, future))
        return future.result(timeout=timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _collect(self, first: _Item) -> list[_Item]:
        items = [first]
        overlapping = bool(self.batch_sizes) and self.batch_sizes[-1] > 1
        deadline = time.perf_counter() + (self.max_wait_s if overlapping else 0.0)
        while len(items) < self.max_batch:
            remaining = deadline - time.perf_counter()
            try:
                nxt = (
                    self._queue.get_nowait()
                    if remaining <= 0
                    else self._queue.get(timeout=remaining)
                )
            except queue.Empty:
                break
            if nxt is None:
                self._queue.put(None)
                break
            items.append(nxt)
        return items

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            items = self._collect(first)
            self.batch_sizes.append(len(items))
            del self.batch_sizes[:-1000]
            by_engine: dict[int, list[_Item]] = {}
            for it in items:
                by_engine.setdefault(id(it.engine), []).append(it)
            for group in by_engine.values():
                started = time.perf_counter()
                try:
                    results = group[0].engine.decide([it.input for it in group])
                    if self.on_batch is not None:
                        self.on_batch(len(group), time.perf_counter() - started)
                except BaseException as exc:  # hand the failure to every waiting request
                    for it in group:
                        it.future.set_exception(exc)
                    continue
                for it, result in zip(group, results, strict=True):
                    it.future.set_result(result)
