"""``industry-credit rules``: validate, load, activate, list and simulate rulesets.

Commands that change the database record the change in the audit log at this edge (the
services return the event; see ``versions.py``), in the same transaction as the change.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from industry_credit.rules.errors import RulesetError, RulesetNotFoundError, RulesetPermissionError

rules_app = typer.Typer(
    no_args_is_help=True, help="Credit-policy rulesets: versions and simulation."
)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"industry-credit: {message}", err=True)
    return typer.Exit(code)


@rules_app.command("validate")
def validate(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="ruleset YAML"),
) -> None:
    """Check a ruleset file without touching the database."""
    from industry_credit.rules.loading import load_ruleset

    try:
        rs = load_ruleset(file)
    except RulesetError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"valid: {rs.name} {rs.version} ({len(rs.rules)} rules)")


@rules_app.command("load")
def load(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="ruleset YAML"),
    by: str | None = typer.Option(None, "--by", help="username of the person loading it"),
) -> None:
    """Validate FILE and store it as an immutable version (same content: same version)."""
    from industry_credit.audit.service import SYSTEM, Actor, record
    from industry_credit.db.engine import session_scope
    from industry_credit.db.models.users import User
    from industry_credit.rules.versions import load_ruleset_version

    try:
        with session_scope() as session:
            loaded = load_ruleset_version(session=session, path_or_text=file, loaded_by=by)
            if loaded.created:
                who = session.get(User, loaded.loaded_by) if loaded.loaded_by is not None else None
                actor = Actor(who.username, who.role) if who is not None else SYSTEM
                record(
                    session=session,
                    actor=actor,
                    action="ruleset.load",
                    entity_type="ruleset",
                    entity_id=loaded.version,
                    payload=loaded.audit_event(),
                )
    except (RulesetError, RulesetPermissionError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"{'loaded' if loaded.created else 'already loaded'}: {loaded.name} {loaded.version}"
    )


@rules_app.command("activate")
def activate(
    version: str = typer.Argument(..., help="version hash (or a unique prefix of 8+ characters)"),
    actor: str = typer.Option(..., "--actor", help="username of an active admin"),
) -> None:
    """Make VERSION the active ruleset (admins only); the previous one is deactivated."""
    from industry_credit.audit.service import Actor, record
    from industry_credit.db.engine import session_scope
    from industry_credit.rules.versions import activate_ruleset_version

    try:
        with session_scope() as session:
            done = activate_ruleset_version(session=session, version=version, actor=actor)
            record(
                session=session,
                actor=Actor(actor, "admin"),
                action="ruleset.activate",
                entity_type="ruleset",
                entity_id=done.version,
                payload=done.audit_event(),
            )
    except RulesetPermissionError as exc:
        raise _fail(str(exc), 3) from None
    except RulesetNotFoundError as exc:
        raise _fail(str(exc), 4) from None
    previous = f" (was {done.previous_version[:12]})" if done.previous_version else ""
    typer.echo(f"active: {done.version}{previous}")


@rules_app.command("list")
def list_versions() -> None:
    """Stored ruleset versions, oldest first; '*' marks the active one."""
    from industry_credit.db.engine import session_scope
    from industry_credit.rules.versions import list_ruleset_versions

    with session_scope() as session:
        rows = list_ruleset_versions(session=session)
    for r in rows:
        activated = r.activated_at.isoformat(timespec="seconds") if r.activated_at else "-"
        typer.echo(
            f"{'*' if r.is_active else ' '} {r.version}  {r.loaded_at:%Y-%m-%d %H:%M}  {activated}  {r.name}"
        )
    if not rows:
        typer.echo("no ruleset versions stored")


@rules_app.command("simulate")
def simulate_cmd(
    ruleset: Path = typer.Option(
        ..., "--ruleset", exists=True, dir_okay=False, help="candidate ruleset YAML"
    ),
    against: str = typer.Option(
        "ACTIVE", "--against", help="ACTIVE (the database's active ruleset) or a YAML file"
    ),
    data: str = typer.Option(
        "DB",
        "--data",
        help="DB (stored decisions), a scored Parquet file or directory, or a synthetic "
        "population directory (enterprises.parquet ...), scored here with --model",
    ),
    model: Path | None = typer.Option(
        None, "--model", help="model artifact directory for a population (default: data/model)"
    ),
    as_of: str = typer.Option("2026-11-01", "--as-of", help="as-of date for a population"),
    json_out: Path | None = typer.Option(None, "--json", help="write the report as JSON here"),
) -> None:
    """Replay a candidate ruleset against a baseline and report what would change."""
    from industry_credit.rules.loading import load_ruleset
    from industry_credit.rules.population import is_population, score_population
    from industry_credit.rules.simulate import (
        format_report,
        json_safe,
        read_scored_parquet,
        read_stored_decisions,
        simulate,
    )

    try:
        candidate = load_ruleset(ruleset)
        baseline = None if against.upper() == "ACTIVE" else load_ruleset(Path(against))
    except RulesetError as exc:
        raise _fail(str(exc)) from None
    scored = None
    if data.upper() != "DB":
        path = Path(data)
        if not path.exists():
            raise _fail(f"no such data file or directory: {data}")
        if is_population(path):
            from datetime import date

            from industry_credit.config import PROJECT_ROOT

            scored = score_population(
                path,
                model_dir=model or PROJECT_ROOT / "data" / "model",
                ruleset=candidate,
                as_of=date.fromisoformat(as_of),
            )
        else:
            scored = read_scored_parquet(path)
    if baseline is None or scored is None:
        from industry_credit.db.engine import session_scope
        from industry_credit.rules.versions import get_active_ruleset

        with session_scope() as session:
            if baseline is None:
                baseline = get_active_ruleset(session=session)
                if baseline is None:
                    raise _fail("no active ruleset to compare against; pass --against FILE")
            if scored is None:
                scored = read_stored_decisions(session)
    if scored.empty:
        raise _fail(f"no rows to replay in {data}")
    report = simulate(candidate, baseline, scored, source=data)
    typer.echo(format_report(report))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps(json_safe(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        typer.echo(f"report written to {json_out}")
