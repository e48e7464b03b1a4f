"""Prometheus metrics, one registry per app so that several apps can live in one process (tests)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.request_latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route, method and status class",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "decisions_total",
            "Decisions made, by outcome and grade",
            ["outcome", "grade"],
            registry=self.registry,
        )
        self.scorer_latency = Histogram(
            "scorer_duration_seconds",
            "Features + score + rules for one micro-batch",
            ["batch_size"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        # With several uvicorn workers each keeps its own registry; the pid tells a scraper
        # which worker answered, so that it can combine one snapshot of each.
        Gauge("worker_pid", "Process id of the worker that answered", registry=self.registry).set(
            os.getpid()
        )
        self.request_stages = Histogram(
            "request_stage_duration_seconds",
            "Time spent in each stage of a request (auth, database work, deciding, commit)",
            ["route", "stage"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def stage_clock(self, route: str) -> StageClock:
        histogram = self.request_stages

        def observe(stage: str, seconds: float) -> None:
            histogram.labels(route, stage).observe(seconds)

        return StageClock(observe)

    def observe_batch(self, size: int, seconds: float) -> None:
        label = "1" if size == 1 else "2-8" if size <= 8 else "9-32" if size <= 32 else "33+"
        self.scorer_latency.labels(label).observe(seconds)


class StageClock:
    """Consecutive laps of one request: each ``lap(stage)`` charges the time since the previous
    lap to ``stage``, so the stages of a handler add up to its whole run without gaps."""

    def __init__(self, observe: Callable[[str, float], None] | None = None) -> None:
        self._observe = observe
        self._last = time.perf_counter()

    def restart(self) -> None:
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self._observe is not None:
            self._observe(stage, now - self._last)
        self._last = now
