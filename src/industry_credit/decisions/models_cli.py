"""``industry-credit models``: register, activate and list model versions.

The database row is the one notion of the active model: the API (within
``VersionedEngines.REFRESH_SECONDS`` of an activation, no restart), replay and the nightly
batch all read it. Each change is audited in the same transaction as the change.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

models_app = typer.Typer(
    no_args_is_help=True,
    help="Model versions: register, activate (four eyes), challenger, backtest, compare, list.",
)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"industry-credit: {message}", err=True)
    return typer.Exit(code)


@models_app.command("register")
def register(
    directory: Path = typer.Argument(..., help="a model artifact directory (from `train`)"),
    by: str = typer.Option(..., "--by", help="username of an active admin"),
) -> None:
    """Store the artifact in DIRECTORY under its content version (same content: same version)."""
    from industry_credit.db.engine import session_scope
    from industry_credit.decisions.registry import register_model
    from industry_credit.errors import ForbiddenError
    from industry_credit.ml.artifact import ArtifactError

    try:
        with session_scope() as session:
            done = register_model(session=session, model_dir=directory, by=by)
    except ForbiddenError as exc:
        raise _fail(exc.message, 3) from None
    except ArtifactError as exc:
        raise _fail(f"model artifact unusable: {exc}", 1) from None
    typer.echo(f"{'registered' if done.created else 'already registered'}: {done.version}")


@models_app.command("activate")
def activate(
    version: str = typer.Argument(..., help="model version (or a unique prefix of 8+ characters)"),
    actor: str = typer.Option(..., "--actor", help="username of an active admin"),
    report: int | None = typer.Option(
        None, "--report", help="propose VERSION citing this backtest or compare report id"
    ),
) -> None:
    """Make VERSION the active model; the previous one steps down.

    The first model of an installation needs one admin. Any later new champion needs two: one
    runs this with --report (a proposal), a different admin runs it without (the approval)."""
    from industry_credit.db.engine import session_scope
    from industry_credit.decisions.governance import promote
    from industry_credit.errors import DomainError, ForbiddenError, NotFoundError

    try:
        with session_scope() as session:
            done = promote(session=session, version=version, by=actor, report_id=report)
    except ForbiddenError as exc:
        raise _fail(exc.message, 3) from None
    except NotFoundError as exc:
        raise _fail(exc.message, 4) from None
    except DomainError as exc:
        raise _fail(exc.message, 5) from None
    if done.status == "proposed":
        typer.echo(
            f"proposed: {done.version} (promotion {done.promotion_id}, report {report});"
            " a different admin approves with"
            f" `industry-credit models activate {done.version[:12]} --actor ADMIN`"
        )
        return
    was = f" (was {done.previous})" if done.previous and done.previous != done.version else ""
    approved = f" (promotion {done.promotion_id} approved)" if done.promotion_id else ""
    typer.echo(f"active: {done.version}{was}{approved}")


@models_app.command("withdraw")
def withdraw(
    version: str = typer.Argument(..., help="model version with a pending promotion"),
    actor: str = typer.Option(..., "--actor", help="username of an active admin"),
) -> None:
    """Withdraw the pending promotion of VERSION."""
    from industry_credit.db.engine import session_scope
    from industry_credit.decisions.governance import withdraw as withdraw_promotion
    from industry_credit.errors import ForbiddenError, NotFoundError

    try:
        with session_scope() as session:
            promotion_id = withdraw_promotion(session=session, version=version, by=actor)
    except ForbiddenError as exc:
        raise _fail(exc.message, 3) from None
    except NotFoundError as exc:
        raise _fail(exc.message, 4) from None
    typer.echo(f"withdrawn: promotion {promotion_id}")


@models_app.command("challenger")
def challenger(
    version: str | None = typer.Argument(None, help="model version to run in shadow"),
    actor: str = typer.Option(..., "--actor", help="username of an active admin"),
    clear: bool = typer.Option(False, "--clear", help="stop shadow scoring"),
) -> None:
    """Set (or --clear) the one challenger, scored in shadow beside the champion."""
    from industry_credit.db.engine import session_scope
    from industry_credit.decisions.governance import set_challenger
    from industry_credit.errors import DomainError, ForbiddenError, NotFoundError

    if clear == (version is not None):
        raise _fail("give either VERSION or --clear", 2)
    try:
        with session_scope() as session:
            new, previous = set_challenger(session=session, version=version, by=actor)
    except ForbiddenError as exc:
        raise _fail(exc.message, 3) from None
    except NotFoundError as exc:
        raise _fail(exc.message, 4) from None
    except DomainError as exc:
        raise _fail(exc.message, 5) from None
    was = f" (was {previous})" if previous and previous != new else ""
    typer.echo(f"challenger: {new or 'none'}{was}")


@models_app.command("list")
def list_versions() -> None:
    """Registered model versions, oldest first; '*' marks the champion, 'c' the challenger."""
    from sqlalchemy import select

    from industry_credit.db.engine import session_scope
    from industry_credit.db.models import ModelVersion

    with session_scope() as session:
        rows = session.execute(
            select(
                ModelVersion.version,
                ModelVersion.is_active,
                ModelVersion.is_challenger,
                ModelVersion.registered_at,
                ModelVersion.activated_at,
            ).order_by(ModelVersion.registered_at, ModelVersion.version)
        ).all()
    for version, is_active, is_challenger, registered_at, activated_at in rows:
        activated = activated_at.isoformat(timespec="seconds") if activated_at else "-"
        mark = "*" if is_active else "c" if is_challenger else " "
        typer.echo(f"{mark} {version}  {registered_at:%Y-%m-%d %H:%M}  {activated}")
    if not rows:
        typer.echo("no model versions registered")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option}: {value!r} is not a date in YYYY-MM-DD form", 2) from None


def _write_outputs(
    report: dict[str, Any], report_id: int, json_out: Path | None, html_out: Path | None
) -> None:
    from industry_credit.governance.report_html import render

    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps({"report_id": report_id, **report}, indent=2, allow_nan=False) + "\n",
            encoding="utf-8",
        )
    if html_out is not None:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(render(report, report_id), encoding="utf-8")


@models_app.command("backtest")
def backtest(
    cohort_from: str = typer.Option(..., "--cohort-from", help="first rating date (YYYY-MM-DD)"),
    cohort_to: str = typer.Option(..., "--cohort-to", help="last rating date (YYYY-MM-DD)"),
    model: str | None = typer.Option(None, "--model", help="model version (default: champion)"),
    horizon_months: int = typer.Option(12, "--horizon-months", min=1, max=60),
    as_of: str | None = typer.Option(
        None, "--as-of", help="outcomes known up to this date (default: today)"
    ),
    json_out: Path | None = typer.Option(None, "--json", help="write the report as JSON here"),
    html_out: Path | None = typer.Option(None, "--html", help="write the report as HTML here"),
) -> None:
    """Backtest a model's ratings in a cohort against the credit events that followed; the
    report is stored (its id is what a promotion cites)."""
    from industry_credit.db.engine import session_scope
    from industry_credit.decisions.registry import active_model_version, resolve_model_version
    from industry_credit.errors import NotFoundError
    from industry_credit.governance.backtest import BacktestParams, run_backtest

    first, last = _day(cohort_from, "--cohort-from"), _day(cohort_to, "--cohort-to")
    known = _day(as_of, "--as-of") if as_of else date.today()
    if last < first:
        raise _fail("--cohort-to is before --cohort-from", 2)
    try:
        with session_scope() as session:
            version = model and resolve_model_version(session, model).version
            version = version or active_model_version(session)
            if version is None:
                raise _fail("no model is active; name one with --model", 4)
            params = BacktestParams(version, first, last, horizon_months, known)
            report_id, report = run_backtest(session, params)
    except NotFoundError as exc:
        raise _fail(exc.message, 4) from None
    _write_outputs(report, report_id, json_out, html_out)
    auc = (report.get("discrimination") or {}).get("auc")
    red = ",".join(report["red_grades"]) or "none"
    typer.echo(
        f"backtest report {report_id}: model {version} observations={report['observations']}"
        f" defaults={report['defaults']} auc={'-' if auc is None else f'{auc:.4f}'} red_grades={red}"
    )


@models_app.command("compare")
def compare(
    challenger: str = typer.Option(..., "--challenger", help="the challenger's model version"),
    date_from: str | None = typer.Option(None, "--from", help="first shadow date (YYYY-MM-DD)"),
    date_to: str | None = typer.Option(None, "--to", help="last shadow date (default: today)"),
    horizon_months: int = typer.Option(12, "--horizon-months", min=1, max=60),
    as_of: str | None = typer.Option(
        None, "--as-of", help="outcomes known up to this date (default: today)"
    ),
    json_out: Path | None = typer.Option(None, "--json", help="write the report as JSON here"),
    html_out: Path | None = typer.Option(None, "--html", help="write the report as HTML here"),
) -> None:
    """Compare a challenger with the champion on the cases it scored in shadow; the report is
    stored (its id is what a promotion cites)."""
    from industry_credit.db.engine import session_scope
    from industry_credit.decisions.registry import active_model_version, resolve_model_version
    from industry_credit.errors import NotFoundError
    from industry_credit.governance.compare import CompareParams, run_compare

    today = date.today()
    first = _day(date_from, "--from") if date_from else date(2000, 1, 1)
    last = _day(date_to, "--to") if date_to else today
    known = _day(as_of, "--as-of") if as_of else today
    if last < first:
        raise _fail("--to is before --from", 2)
    try:
        with session_scope() as session:
            version = resolve_model_version(session, challenger).version
            champion = active_model_version(session) or version
            params = CompareParams(version, first, last, known, horizon_months)
            report_id, report = run_compare(session, params, champion)
    except NotFoundError as exc:
        raise _fail(exc.message, 4) from None
    _write_outputs(report, report_id, json_out, html_out)
    diff = ((report.get("outcomes") or {}).get("discrimination") or {}).get("diff")
    psi = report.get("psi")
    typer.echo(
        f"compare report {report_id}: challenger {report['challenger_version']}"
        f" cases={report['cases']} outcome_changes={report['outcome_changes']}"
        f" psi={'-' if psi is None else f'{psi:.4f}'}"
        f" auc_diff={'-' if diff is None else f'{diff:+.4f}'}"
    )
