"""``industry-credit decisions replay``: prove stored decisions still reproduce exactly."""

from __future__ import annotations

import typer
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from industry_credit.db.engine import get_engine
from industry_credit.db.models import Decision
from industry_credit.decisions.registry import VersionedEngines
from industry_credit.decisions.replay import replay_many

decisions_app = typer.Typer(no_args_is_help=True, help="Stored decisions.")


@decisions_app.command("replay")
def replay(
    limit: int = typer.Option(10_000, help="replay the newest LIMIT decisions"),
    chunk: int = typer.Option(2_000, help="decisions recomputed per vectorized call"),
) -> None:
    """Recompute decisions from their snapshots with their own versions; exit 1 on any difference."""
    sessions = sessionmaker(bind=get_engine())
    registry = VersionedEngines(sessions=sessions)
    checked = differing = 0
    with sessions() as session:
        ids = (
            session.execute(select(Decision.id).order_by(Decision.decided_at.desc()).limit(limit))
            .scalars()
            .all()
        )
        for start in range(0, len(ids), chunk):
            batch = (
                session.execute(select(Decision).where(Decision.id.in_(ids[start : start + chunk])))
                .scalars()
                .all()
            )
            for decision_id, diffs in replay_many(decisions=batch, registry=registry).items():
                checked += 1
                if diffs:
                    differing += 1
                    fields = ", ".join(d["field"] for d in diffs)
                    typer.echo(f"decision {decision_id} differs in: {fields}", err=True)
            session.expunge_all()
    typer.echo(f"replayed {checked} decisions: {checked - differing} identical, {differing} differ")
    if differing:
        raise typer.Exit(1)
