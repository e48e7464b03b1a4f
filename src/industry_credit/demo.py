"""Demo data: the committed seed population, demo users with printed tokens, the default ruleset
active, the committed model registered, a few dozen applications so the queue has cases, and one
nightly run, so that the queue has nightly flags and the run report has data."""

from __future__ import annotations

from datetime import date

import typer
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.applications.service import submit
from industry_credit.auth.tokens import issue_token
from industry_credit.batch.engine import BatchEngine, load_engine
from industry_credit.batch.runner import Options, rescore
from industry_credit.bootstrap import bootstrap
from industry_credit.config import PROJECT_ROOT, get_settings
from industry_credit.db.models import BatchRun, LoanApplication, User
from industry_credit.decisions.engine import PipelineEngine
from industry_credit.decisions.registry import VersionedEngines
from industry_credit.synth.documents import application_documents
from industry_credit.synth.load import load_population

SEED_POPULATION = PROJECT_ROOT / "data" / "seeds" / "population"
DEMO_USERS = {
    "rm_chen": "rm",
    "rm_lin": "rm",
    "officer_zhou": "risk_officer",
    "officer_wu": "risk_officer",
    "admin_xu": "admin",
}
DEMO_APPLICATIONS = 40


def _submit_demo_applications(session: Session, engine: PipelineEngine) -> int:
    rm = session.execute(select(User).where(User.username == "rm_chen")).scalar_one()
    count = 0
    for raw in application_documents(SEED_POPULATION, limit=DEMO_APPLICATIONS):
        document = ApplicationDocument.model_validate(raw)
        submit(session=session, user=rm, document=document, engine=engine, qc_sample_rate=0.1)
        count += 1
    return count


def _load_engine(
    session: Session, model_version: str | None, ruleset_version: str | None
) -> BatchEngine:
    return load_engine(session, model_version=model_version, ruleset_version=ruleset_version)


def _run_nightly_batch(url: str, engine: Engine) -> None:
    """One nightly run over the demo book, once: a database that has any finished run keeps it
    (a restart the next day does not add a run the operator did not ask for)."""
    with Session(engine) as session:
        finished = session.execute(
            select(BatchRun.id).where(BatchRun.status == "succeeded").limit(1)
        ).first()
    if finished is not None:
        return
    today = date.today()
    outcome = rescore(Options(as_of=today), database_url=url, load=_load_engine)
    typer.echo(f"ran the nightly batch as of {today}: {outcome.review_cases} flagged firms queued")


def prepare_demo(url: str) -> None:
    """Idempotent: a second run over the same database adds nothing twice."""
    settings = get_settings()
    report = load_population(SEED_POPULATION, url)
    if report.loaded:
        typer.echo(f"loaded the demo population: {sum(report.rows.values())} rows")
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            bootstrap(session=session, settings=settings, users=DEMO_USERS)
        with Session(engine) as session, session.begin():
            existing = session.execute(
                select(func.count()).select_from(LoanApplication)
            ).scalar_one()
            if existing == 0:
                registry = VersionedEngines(sessions=sessionmaker(bind=engine))
                made = _submit_demo_applications(session, registry.active())
                typer.echo(f"submitted {made} demo applications as of {date.today()}")
        _run_nightly_batch(url, engine)
    finally:
        engine.dispose()
    typer.echo("demo users and their bearer tokens (valid for the configured TTL):")
    for username, role in DEMO_USERS.items():
        token = issue_token(settings, subject=username, role=role)
        typer.echo(f"  {role:<13} {username:<13} {token}")
