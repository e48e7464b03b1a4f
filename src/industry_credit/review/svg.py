"""Geometry for the workbench's small inline-SVG charts. Templates only draw what this computes.

Everything is plain numbers in the SVG's own coordinate system (``viewBox``), so the charts scale
with the page width without any script.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Line:
    name: str
    css: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    lines: list[Line]
    zero_y: float | None
    x_labels: list[tuple[float, str, str]]
    low: float
    high: float


def trend_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    width: int = 240,
    height: int = 96,
    label_every: int = 1,
) -> TrendChart:
    """Lines over shared x positions; ``series`` is (name, css class, values)."""
    pad_x, pad_top, pad_bottom = 6.0, 8.0, 18.0
    values = [v for _, _, vs in series for v in vs if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if low > 0 and high > 0 and low > 0.5 * high:
        low = low * 0.9  # keep a flat but positive series off the bottom edge
    if low == high:
        low, high = low - 1, high + 1
    span_x = max(1, len(labels) - 1)
    plot_h = height - pad_top - pad_bottom

    def x_of(i: int) -> float:
        return pad_x + (width - 2 * pad_x) * (i / span_x if len(labels) > 1 else 0.5)

    def y_of(v: float) -> float:
        return pad_top + plot_h * (high - v) / (high - low)

    lines = [
        Line(
            name=name,
            css=css,
            points=[
                Point(x_of(i), y_of(v), v, labels[i]) for i, v in enumerate(vs) if v is not None
            ],
        )
        for name, css, vs in series
    ]
    zero_y = y_of(0.0) if low < 0 < high else None
    last = len(labels) - 1
    # The outermost labels hang inwards so that they are never cut at the chart's edge.
    x_labels = [
        (x_of(i), lab, "start" if i == 0 and last else "end" if i == last and last else "middle")
        for i, lab in enumerate(labels)
        if i % label_every == 0 or i == last
    ]
    return TrendChart(width, height, lines, zero_y, x_labels, low, high)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    width: float
    y: float
    css: str
    note: str = ""
    height: float = 0.0


@dataclass(frozen=True)
class Waterfall:
    width: int
    height: int
    label_width: int
    row_height: int
    bars: list[Bar]
    axis_x: float


def waterfall(
    steps: Sequence[tuple[str, float]],
    *,
    base: float | None,
    base_label: str,
    final_label: str,
    width: int = 560,
    label_width: int = 200,
    row_height: int = 24,
) -> Waterfall:
    """Horizontal waterfall: an optional base bar, one bar per contribution starting where the
    previous ended (red raises risk, green lowers it), and the final total."""
    start = base or 0.0
    running = start
    spans: list[tuple[str, float, float, float, str]] = []
    if base is not None:
        spans.append((base_label, 0.0, base, base, "wf-base"))
    for label, value in steps:
        spans.append((label, running, running + value, value, "wf-up" if value > 0 else "wf-down"))
        running += value
    spans.append((final_label, 0.0, running, running, "wf-final"))
    ends = [v for _, a, b, _, _ in spans for v in (a, b)] + [0.0]
    low, high = min(ends), max(ends)
    if low == high:
        high = low + 1
    plot = width - label_width - 60

    def x_of(v: float) -> float:
        return label_width + plot * (v - low) / (high - low)

    bars = []
    for i, (label, a, b, value, css) in enumerate(spans):
        left, right = sorted((x_of(a), x_of(b)))
        bars.append(
            Bar(
                label=label,
                value=value,
                x=left,
                width=max(1.5, right - left),
                y=i * row_height + 4,
                css=css,
                height=row_height - 8,
                note=f"{value:+.3f}" if css in ("wf-up", "wf-down") else f"{value:.3f}",
            )
        )
    return Waterfall(width, row_height * len(spans) + 8, label_width, row_height, bars, x_of(0.0))


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    x: float
    y: float
    css: str
    title: str
    pd: float | None = None


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str
    weight: float = 1.0


@dataclass
class Graph:
    width: int
    height: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def short(text: str, limit: int = 8) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def star_graph(
    center: tuple[str, str, str],
    left: Sequence[tuple[str, str, str, str, float | None, float]],
    right: Sequence[tuple[str, str, str, str, float | None, float]],
    *,
    width: int = 560,
    height: int = 300,
) -> Graph:
    """The firm in the middle, suppliers on a left arc and buyers on a right arc.

    ``center`` is (key, label, css); each neighbour is (key, label, css, title, pd, weight).
    """
    cx, cy = width / 2, height / 2
    graph = Graph(width, height)
    radius_x, radius_y = width / 2 - 70, height / 2 - 30
    for side, items in ((-1, left), (1, right)):
        count = len(items)
        for i, (key, label, css, title, pd, weight) in enumerate(items):
            angle = math.pi * ((i + 1) / (count + 1) - 0.5)  # -90°..90° spread over the arc
            x = cx + side * radius_x * math.cos(angle)
            y = cy + radius_y * math.sin(angle)
            graph.edges.append(Edge(cx, cy, x, y, "edge-" + css, 1 + 5 * weight))
            graph.nodes.append(Node(key, short(label), x, y, css, title, pd))
    graph.nodes.append(Node(center[0], short(center[1], 10), cx, cy, center[2], center[1]))
    return graph


def circle_graph(
    nodes: Sequence[tuple[str, str, str, str, float | None]],
    links: Sequence[tuple[str, str]],
    *,
    size: int = 320,
) -> Graph:
    """Nodes on a circle, for a cluster of connected firms: (key, label, css, title, pd)."""
    graph = Graph(size, size)
    centre, radius = size / 2, size / 2 - 46
    where: dict[str, tuple[float, float]] = {}
    for i, (key, label, css, title, pd) in enumerate(nodes):
        angle = 2 * math.pi * i / max(1, len(nodes)) - math.pi / 2
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        where[key] = (x, y)
        graph.nodes.append(Node(key, short(label), x, y, css, title, pd))
    for a, b in links:
        if a in where and b in where:
            (x1, y1), (x2, y2) = where[a], where[b]
            graph.edges.append(Edge(x1, y1, x2, y2, "edge-plain"))
    return graph


@dataclass(frozen=True)
class Histogram:
    width: int
    height: int
    bars: list[Bar]
    marker_x: float | None
    ticks: list[tuple[float, str, str]]


def pd_histogram(
    values: Sequence[float], marker: float | None, *, width: int = 300, height: int = 110
) -> Histogram:
    """PDs on a log scale from 0.01% to 100%, four bins per decade, and where this case sits."""
    lo, hi, per_decade = -4.0, 0.0, 4
    bins = int((hi - lo) * per_decade)
    counts = [0] * bins
    for v in values:
        idx = int((math.log10(max(v, 1e-4)) - lo) * per_decade)
        counts[min(bins - 1, max(0, idx))] += 1
    tallest = max(counts) or 1
    plot_w, plot_h, bottom = width - 16, height - 26, height - 18
    bar_w = plot_w / bins
    bars = [
        Bar(
            label=f"{10 ** (lo + i / per_decade):.2%}",
            value=c,
            x=8 + i * bar_w,
            width=bar_w - 1,
            y=bottom - plot_h * c / tallest,
            css="hist",
            height=plot_h * c / tallest,
        )
        for i, c in enumerate(counts)
    ]

    def x_of(v: float) -> float:
        return 8 + plot_w * (math.log10(max(v, 1e-4)) - lo) / (hi - lo)

    decades = range(int(lo), int(hi) + 1)
    ticks = [
        (
            x_of(10**d),
            f"{10**d:.2%}".replace(".00%", "%"),
            "start" if d == lo else "end" if d == hi else "middle",
        )
        for d in decades
    ]
    return Histogram(width, height, bars, x_of(marker) if marker is not None else None, ticks)
