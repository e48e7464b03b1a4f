"""Supply-chain contagion: from distressed core enterprises to the suppliers that depend on them.

A link ``(enterprise_id=S, counterparty=C, role='buyer', share=s)`` says that C buys a share
``s`` of S's sales. When core enterprise C is a contagion source with severity ``w_C`` in
[0, 1] (downgraded, declined, circuit breaker or CCC-level PD in the standalone pass), supplier
S receives ``contagion_score = min(1, Σ_C s·w_C)``. Everything is a merge and a groupby over
whole columns, and the clusters are connected components by ``scipy.sparse.csgraph``, so a
graph with millions of links takes seconds, not a loop per node.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from industry_credit.batch.csvframes import copy_frame
from industry_credit.batch.reader import BigintArray

# Links from suppliers in this run to this run's contagion sources, as known at the cut-off.
SOURCE_LINKS_SQL = """
SELECT l.enterprise_id AS supplier_id, src.enterprise_id AS core_id, l.share::float8 AS share
FROM rescore_results src
JOIN enterprises c ON c.id = src.enterprise_id
JOIN supply_links l ON l.counterparty_uscc = c.uscc AND l.role = 'buyer'
JOIN rescore_results sup ON sup.as_of = src.as_of AND sup.enterprise_id = l.enterprise_id
     AND sup.run_id = src.run_id
WHERE src.as_of = %(as_of)s AND src.run_id = %(run_id)s::uuid AND src.distress > 0
  AND l.received_at < %(cutoff)s
ORDER BY l.enterprise_id, src.enterprise_id, l.id
"""

SOURCES_SQL = """
SELECT enterprise_id, distress FROM rescore_results
WHERE as_of = %(as_of)s AND run_id = %(run_id)s::uuid AND distress > 0 ORDER BY enterprise_id
"""

# Trade links out of the firms flagged in this run, as pairs of enterprise ids: the link's
# resolved counterparty, or (a link written before its counterparty was known) the enterprise
# with that USCC. Links to firms that are not flagged are dropped by ``clusters``.
FLAGGED_LINKS_SQL = """
SELECT x.a, x.b FROM (
    SELECT l.enterprise_id AS a,
           COALESCE(l.counterparty_id,
                    (SELECT e.id FROM enterprises e WHERE e.uscc = l.counterparty_uscc)) AS b
    FROM supply_links l
    WHERE l.enterprise_id = ANY(%(ids)s) AND l.received_at < %(cutoff)s
) x
WHERE x.b IS NOT NULL AND x.b <> x.a
"""


def propagate(links: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Contagion score per supplier (``enterprise_id, contagion_score``), sorted by id.

    ``links``: supplier_id, core_id, share; ``sources``: enterprise_id, distress.
    """
    if len(links) == 0 or len(sources) == 0:
        return pd.DataFrame(
            {"enterprise_id": np.zeros(0, np.int64), "contagion_score": np.zeros(0)}
        )
    src = sources.rename(columns={"enterprise_id": "core_id"})
    joined = links.merge(src, on="core_id", how="inner", sort=False)
    joined = joined[joined["supplier_id"].to_numpy() != joined["core_id"].to_numpy()]
    weight = joined["share"].to_numpy(np.float64) * joined["distress"].to_numpy(np.float64)
    score = (
        pd.Series(weight, index=joined["supplier_id"].to_numpy(np.int64))
        .groupby(level=0, sort=True)
        .sum()
        .clip(upper=1.0)
    )
    score = score[score > 0]
    return pd.DataFrame(
        {"enterprise_id": score.index.to_numpy(np.int64), "contagion_score": score.to_numpy()}
    )


def contagion_scores(
    cur: psycopg.Cursor[Any], *, as_of: date, run_id: str, cutoff: datetime
) -> pd.DataFrame:
    """Propagate this run's standalone distress over the links (second-pass targets)."""
    params = {"as_of": as_of, "run_id": run_id, "cutoff": cutoff}
    links = copy_frame(cur, SOURCE_LINKS_SQL, params)
    sources = copy_frame(cur, SOURCES_SQL, params)
    return propagate(links, sources)


def clusters(nodes: np.ndarray, edges: pd.DataFrame, min_size: int = 2) -> list[list[int]]:
    """Connected components (size >= ``min_size``) of the undirected graph on ``nodes``.

    ``edges`` has columns ``a, b`` (enterprise ids); ids outside ``nodes`` are ignored.
    Components are sorted by size, then smallest member; members ascending.
    """
    nodes = np.unique(np.asarray(nodes, dtype=np.int64))
    if len(nodes) == 0:
        return []
    a = np.searchsorted(nodes, edges["a"].to_numpy(np.int64)) if len(edges) else np.zeros(0, int)
    b = np.searchsorted(nodes, edges["b"].to_numpy(np.int64)) if len(edges) else np.zeros(0, int)
    a = np.minimum(a, len(nodes) - 1)
    b = np.minimum(b, len(nodes) - 1)
    ok = np.zeros(len(a), dtype=bool)
    if len(a):
        ok = (nodes[a] == edges["a"].to_numpy(np.int64)) & (
            nodes[b] == edges["b"].to_numpy(np.int64)
        )
    graph = coo_matrix(
        (np.ones(int(ok.sum())), (a[ok], b[ok])), shape=(len(nodes), len(nodes))
    ).tocsr()
    _, labels = connected_components(graph, directed=False)
    # One sort and split instead of a mask per component: O(n log n) for any number of them.
    order = np.argsort(labels, kind="stable")
    groups = np.split(nodes[order], np.cumsum(np.bincount(labels))[:-1])
    comps = [g.tolist() for g in groups if len(g) >= min_size]
    return sorted(comps, key=lambda c: (-len(c), c[0]))


def flagged_clusters(
    cur: psycopg.Cursor[Any], *, cutoff: datetime, flagged: np.ndarray
) -> list[list[int]]:
    """Clusters of flagged firms connected by a trade link in either direction."""
    params = {"ids": BigintArray.of(flagged), "cutoff": cutoff}
    edges = copy_frame(cur, FLAGGED_LINKS_SQL, params)
    return clusters(flagged, edges)
