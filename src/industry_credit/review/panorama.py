"""The industry-chain panorama (产业链全景): the portfolio by district × sector × grade, its
concentration on core enterprises, and clusters of connected firms whose risk is rising.

Each firm's risk is its latest scoring, from a decision or a nightly rescore, whichever is newer;
the previous scoring gives the trend. Exposure is the firm's booked exposure, or, for a firm with
none booked yet, the limit of its latest approved decision (what the bank has committed to).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from industry_credit.review.codes import DISTRESS_PD, RISING_PD_MIN_STEP, RISING_PD_RATIO

_FIRMS = text(
    """
    WITH scored AS (
        SELECT enterprise_id, pd, grade, decided_at AS at FROM decisions
        UNION ALL
        -- a rescore is as of the end of its day, so it supersedes that day's decisions
        SELECT enterprise_id, pd, grade, (as_of + 1)::timestamptz - interval '1 second'
        FROM rescore_results
    ), ranked AS (
        SELECT enterprise_id, pd, grade,
               row_number() OVER (PARTITION BY enterprise_id ORDER BY at DESC) AS n
        FROM scored
    ), approved AS (
        SELECT DISTINCT ON (d.enterprise_id) d.enterprise_id,
               COALESCE((rc.final_terms ->> 'limit_amount')::numeric, d.limit_amount) AS amount
        FROM decisions d
        JOIN loan_applications la ON la.id = d.application_id
        LEFT JOIN review_cases rc ON rc.decision_id = d.id AND rc.final_outcome = 'approve'
        WHERE la.status = 'approved' OR (la.status = 'decided' AND d.outcome = 'approve')
        ORDER BY d.enterprise_id, d.decided_at DESC
    )
    SELECT e.id, e.uscc, e.name, e.district, e.sector, e.is_core_enterprise,
           cur.pd, cur.grade, prev.pd AS prev_pd,
           CASE WHEN e.exposure > 0 THEN e.exposure ELSE COALESCE(a.amount, 0) END AS exposure
    FROM enterprises e
    JOIN ranked cur ON cur.enterprise_id = e.id AND cur.n = 1
    LEFT JOIN ranked prev ON prev.enterprise_id = e.id AND prev.n = 2
    LEFT JOIN approved a ON a.enterprise_id = e.id
    """
)

# Links between two firms the bank scores, resolved by id or by the counterparty's USCC.
_LINKS = text(
    """
    SELECT DISTINCT s.enterprise_id, COALESCE(s.counterparty_id, c.id) AS other
    FROM supply_links s LEFT JOIN enterprises c ON c.uscc = s.counterparty_uscc
    WHERE COALESCE(s.counterparty_id, c.id) = ANY(:ids) AND s.enterprise_id = ANY(:ids)
    """
)

_CORE = text(
    """
    SELECT s.counterparty_uscc, max(s.counterparty_name) AS name, s.enterprise_id,
           avg(s.share) AS share
    FROM supply_links s
    LEFT JOIN enterprises c ON c.uscc = s.counterparty_uscc
    WHERE s.is_core_enterprise OR COALESCE(c.is_core_enterprise, false)
    GROUP BY s.counterparty_uscc, s.enterprise_id
    """
)


@dataclass(frozen=True)
class Firm:
    id: int
    uscc: str
    name: str
    district: str
    sector: str
    is_core: bool
    pd: float
    grade: str
    prev_pd: float | None
    exposure: float

    @property
    def distressed(self) -> bool:
        return self.pd >= DISTRESS_PD

    @property
    def rising(self) -> bool:
        if self.prev_pd is None:
            return False
        return (
            self.pd >= self.prev_pd * RISING_PD_RATIO
            and self.pd - self.prev_pd >= RISING_PD_MIN_STEP
        )


@dataclass
class Cell:
    firms: int = 0
    exposure: float = 0.0
    pd_sum: float = 0.0

    @property
    def avg_pd(self) -> float:
        return self.pd_sum / self.firms if self.firms else 0.0

    def add(self, firm: Firm) -> None:
        self.firms += 1
        self.exposure += firm.exposure
        self.pd_sum += firm.pd


@dataclass
class Cluster:
    members: list[Firm]
    links: list[tuple[int, int]]
    paths: list[list[Firm]] = field(default_factory=list)

    @property
    def exposure(self) -> float:
        return sum(m.exposure for m in self.members)

    @property
    def max_rise(self) -> float:
        return max((m.pd - m.prev_pd for m in self.members if m.prev_pd is not None), default=0.0)


@dataclass
class CoreConcentration:
    uscc: str
    name: str
    dependents: int
    exposure: float
    share_of_portfolio: float
    avg_link_share: float
    avg_pd: float


@dataclass
class Panorama:
    firms: list[Firm]
    total: Cell
    grid: dict[tuple[str, str], Cell]
    cube: dict[tuple[str, str, str], Cell]
    by_grade: dict[str, Cell]
    grades: list[str]
    core: list[CoreConcentration]
    clusters: list[Cluster]


def load_firms(session: Session) -> list[Firm]:
    return [
        Firm(
            id=int(r.id),
            uscc=r.uscc,
            name=r.name,
            district=r.district,
            sector=r.sector,
            is_core=bool(r.is_core_enterprise),
            pd=float(r.pd),
            grade=r.grade,
            prev_pd=None if r.prev_pd is None else float(r.prev_pd),
            exposure=float(r.exposure),
        )
        for r in session.execute(_FIRMS)
    ]


def _core(
    session: Session, by_id: dict[int, Firm], total_exposure: float
) -> list[CoreConcentration]:
    groups: dict[str, list[tuple[str, Firm, float]]] = defaultdict(list)
    for uscc, name, enterprise_id, share in session.execute(_CORE):
        firm = by_id.get(int(enterprise_id))
        if firm is not None:
            groups[uscc].append((name, firm, float(share)))
    rows = []
    for uscc, items in groups.items():
        exposure = sum(f.exposure for _, f, _ in items)
        rows.append(
            CoreConcentration(
                uscc=uscc,
                name=items[0][0],
                dependents=len(items),
                exposure=exposure,
                share_of_portfolio=exposure / total_exposure if total_exposure else 0.0,
                avg_link_share=sum(s for _, _, s in items) / len(items),
                avg_pd=sum(f.pd for _, f, _ in items) / len(items),
            )
        )
    return sorted(rows, key=lambda c: -c.exposure)[:10]


def _paths(members: dict[int, Firm], adjacent: dict[int, set[int]]) -> list[list[Firm]]:
    """Shortest paths from each distressed member to the rising members it reaches."""
    paths: list[list[Firm]] = []
    for source in (m for m in members.values() if m.distressed):
        previous: dict[int, int | None] = {source.id: None}
        queue = deque([source.id])
        while queue:
            node = queue.popleft()
            for nxt in adjacent[node]:
                if nxt in members and nxt not in previous:
                    previous[nxt] = node
                    queue.append(nxt)
        for target in members.values():
            if target.id == source.id or not target.rising or target.id not in previous:
                continue
            chain: list[Firm] = []
            step: int | None = target.id
            while step is not None:
                chain.append(members[step])
                step = previous[step]
            paths.append(list(reversed(chain)))
    return sorted(paths, key=len)[:5]


def _clusters(session: Session, firms: list[Firm]) -> list[Cluster]:
    risky = {f.id: f for f in firms if f.distressed or f.rising}
    if len(risky) < 2:
        return []
    adjacent: dict[int, set[int]] = defaultdict(set)
    ids = list(risky)
    for a, b in session.execute(_LINKS, {"ids": ids}):
        if a != b:
            adjacent[int(a)].add(int(b))
            adjacent[int(b)].add(int(a))
    seen: set[int] = set()
    clusters = []
    for start in ids:
        if start in seen or not adjacent[start]:
            continue
        component, queue = {start}, deque([start])
        while queue:
            for nxt in adjacent[queue.popleft()]:
                if nxt not in component:
                    component.add(nxt)
                    queue.append(nxt)
        seen |= component
        members = {i: risky[i] for i in component}
        links = sorted({tuple(sorted((a, b))) for a in component for b in adjacent[a]})
        cluster = Cluster(list(members.values()), [(x[0], x[1]) for x in links])
        cluster.paths = _paths(members, adjacent)
        clusters.append(cluster)
    return sorted(clusters, key=lambda c: (-c.max_rise * c.exposure, -len(c.members)))[:8]


def build(*, session: Session, grade: str | None = None) -> Panorama:
    """The panorama; ``grade`` narrows the district × sector grid to one grade."""
    firms = load_firms(session)
    total = Cell()
    grid: dict[tuple[str, str], Cell] = defaultdict(Cell)
    by_grade: dict[str, Cell] = defaultdict(Cell)
    cube: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    for firm in firms:
        total.add(firm)
        by_grade[firm.grade].add(firm)
        cube[(firm.district, firm.sector, firm.grade)].add(firm)
        if grade is None or firm.grade == grade:
            grid[(firm.district, firm.sector)].add(firm)
    grades = sorted(by_grade, key=lambda g: by_grade[g].avg_pd)
    by_id = {f.id: f for f in firms}
    return Panorama(
        firms=firms,
        total=total,
        grid=dict(grid),
        cube=dict(cube),
        by_grade={g: by_grade[g] for g in grades},
        grades=grades,
        core=_core(session, by_id, total.exposure),
        clusters=_clusters(session, firms),
    )


def _figures(cell: Cell) -> dict[str, Any]:
    return {
        "firms": cell.firms,
        "exposure": round(cell.exposure, 2),
        "avg_pd": round(cell.avg_pd, 6),
    }


def as_json(p: Panorama) -> dict[str, Any]:
    """The panorama's figures for the API, without the per-firm list."""
    return {
        "firms": p.total.firms,
        "exposure": round(p.total.exposure, 2),
        "avg_pd": round(p.total.avg_pd, 6),
        "cube": [
            {"district": d, "sector": s, "grade": g, **_figures(c)}
            for (d, s, g), c in sorted(p.cube.items())
        ],
        "by_grade": [{"grade": g, **_figures(c)} for g, c in p.by_grade.items()],
        "core_concentration": [c.__dict__ for c in p.core],
        "clusters": [
            {
                "members": [m.uscc for m in c.members],
                "exposure": round(c.exposure, 2),
                "max_pd_rise": round(c.max_rise, 6),
                "paths": [[m.uscc for m in path] for path in c.paths],
            }
            for c in p.clusters
        ],
    }
