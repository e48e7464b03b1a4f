"""Who the nightly batch rescores, with what data, and in which chunks.

The plan is computed once when a run starts and stored in ``batch_runs.params``; a resumed run
reads it back, so it rescores exactly the same enterprises in exactly the same chunks even if
applications, exposures or data changed in the meantime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import psycopg

# The bank's business day ends at midnight in Shanghai.
BANK_TZ = ZoneInfo("Asia/Shanghai")
OPEN_APPLICATION_STATUSES = ("in_review", "info_requested")
# An approval is in force when the engine approved and nobody reversed it, or an officer approved.
ACTIVE_DECISION_STATUSES = ("decided", "approved")

Ids = npt.NDArray[np.int64]

ELIGIBLE_SQL = """
SELECT e.id FROM enterprises e
WHERE e.in_portfolio OR e.exposure > 0
   OR EXISTS (SELECT 1 FROM loan_applications a
              WHERE a.enterprise_id = e.id AND a.created_at < %(cutoff)s
                AND a.status = ANY(%(open)s))
   OR EXISTS (SELECT 1 FROM decisions d JOIN loan_applications a ON a.id = d.application_id
              WHERE d.enterprise_id = e.id AND d.decided_at < %(cutoff)s
                AND d.outcome = 'approve' AND a.status = ANY(%(active)s))
ORDER BY e.id
"""


def data_cutoff(as_of: date, now: datetime) -> datetime:
    """Data received before this instant count: the end of the as-of day, or now if earlier.

    Capping at the run's start makes a resumed run see the same data as the interrupted one.
    """
    end_of_day = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=BANK_TZ)
    return min(end_of_day, now)


def eligible_ids(conn: psycopg.Connection[Any], cutoff: datetime) -> Ids:
    with conn.cursor() as cur:
        cur.execute(
            ELIGIBLE_SQL,
            {
                "cutoff": cutoff,
                "open": list(OPEN_APPLICATION_STATUSES),
                "active": list(ACTIVE_DECISION_STATUSES),
            },
        )
        return np.fromiter((row[0] for row in cur), dtype=np.int64)


def encode_runs(ids: Ids) -> list[list[int]]:
    """Sorted ids as ``[first, last]`` runs of consecutive ids (compact when dense)."""
    if len(ids) == 0:
        return []
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts = np.concatenate([[ids[0]], ids[breaks + 1]])
    ends = np.concatenate([ids[breaks], [ids[-1]]])
    return [[int(a), int(b)] for a, b in zip(starts, ends, strict=True)]


def decode_runs(
    runs: list[list[int]] | npt.NDArray[np.int64], lo: int | None = None, hi: int | None = None
) -> Ids:
    """The ids of ``runs`` within ``[lo, hi]`` (all of them without bounds).

    Vectorised: a dense portfolio has about one run per ten firms, and a loop over them cost
    seconds per million firms.
    """
    arr = np.asarray(runs, dtype=np.int64).reshape(-1, 2)
    starts, ends = arr[:, 0], arr[:, 1]
    if lo is not None:
        starts = np.maximum(starts, lo)
    if hi is not None:
        ends = np.minimum(ends, hi)
    keep = starts <= ends
    starts, ends = starts[keep], ends[keep]
    lengths = ends - starts + 1
    if len(lengths) == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.cumsum(lengths) - lengths  # position of each run's first id in the output
    ids: Ids = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - first, lengths)
    return ids


def chunk_bounds(ids: Ids, chunk_size: int) -> list[list[int]]:
    """``[first_id, last_id]`` of each contiguous slice of ``chunk_size`` sorted ids."""
    return [
        [int(ids[i]), int(ids[min(i + chunk_size, len(ids)) - 1])]
        for i in range(0, len(ids), chunk_size)
    ]


@dataclass(frozen=True)
class Plan:
    """The run's fixed inputs, as stored in ``batch_runs.params``."""

    as_of: date
    cutoff: datetime
    members: list[list[int]]
    chunks: list[list[int]]
    previous_run_id: str | None
    previous_cutoff: datetime | None
    # Predict with the lleaves-compiled forest (within 1e-9 of LightGBM). Recorded so that a
    # resumed run scores its remaining chunks exactly as its first ones.
    compiled_trees: bool = False

    @property
    def total(self) -> int:
        return sum(b - a + 1 for a, b in self.members)

    @cached_property
    def _member_runs(self) -> npt.NDArray[np.int64]:
        # Converted once: the stored runs are a JSON list of pairs, one per ~10 firms.
        return np.asarray(self.members, dtype=np.int64).reshape(-1, 2)

    def chunk_ids(self, chunk_no: int) -> Ids:
        lo, hi = self.chunks[chunk_no]
        runs = self._member_runs
        # Only the runs that overlap the chunk (runs are sorted and disjoint).
        first = int(np.searchsorted(runs[:, 1], lo, side="left"))
        last = int(np.searchsorted(runs[:, 0], hi, side="right"))
        return decode_runs(runs[first:last], lo, hi)

    def to_params(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cutoff": self.cutoff.isoformat(),
            "members": self.members,
            "chunks": self.chunks,
            "enterprises": self.total,
            "previous_run_id": self.previous_run_id,
            "previous_cutoff": None
            if self.previous_cutoff is None
            else self.previous_cutoff.isoformat(),
            "compiled_trees": self.compiled_trees,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Plan:
        prev_cutoff = params.get("previous_cutoff")
        return cls(
            as_of=date.fromisoformat(params["as_of"]),
            cutoff=datetime.fromisoformat(params["cutoff"]),
            members=params["members"],
            chunks=params["chunks"],
            previous_run_id=params.get("previous_run_id"),
            previous_cutoff=None if prev_cutoff is None else datetime.fromisoformat(prev_cutoff),
            compiled_trees=bool(params.get("compiled_trees", False)),
        )


def previous_run(conn: psycopg.Connection[Any], as_of: date) -> tuple[str | None, datetime | None]:
    """The latest succeeded run for an earlier date, and the data cut-off it used."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT id::text, params->>'cutoff' FROM batch_runs"
            " WHERE status = 'succeeded' AND as_of < %s ORDER BY as_of DESC, started_at DESC"
            " LIMIT 1",
            (as_of,),
        )
        row = cur.fetchone()
    if row is None:
        return None, None
    return row[0], (datetime.fromisoformat(row[1]) if row[1] else None)


def build_plan(conn: psycopg.Connection[Any], as_of: date, chunk_size: int, now: datetime) -> Plan:
    cutoff = data_cutoff(as_of, now)
    ids = eligible_ids(conn, cutoff)
    prev_id, prev_cutoff = previous_run(conn, as_of)
    return Plan(
        as_of=as_of,
        cutoff=cutoff,
        members=encode_runs(ids),
        chunks=chunk_bounds(ids, chunk_size),
        previous_run_id=prev_id,
        previous_cutoff=prev_cutoff,
    )
