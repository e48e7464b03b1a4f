"""RM-facing endpoints: submit, list and read applications; what-if scoring and deal
structuring."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, BeforeValidator, TypeAdapter

from industry_credit.api.deps import CurrentUser, DbSession, require_roles
from industry_credit.applications import queries, service
from industry_credit.applications.examples import ROBOT_STARTUP
from industry_credit.applications.schemas import ApplicationDocument, District, Outcome, Sector
from industry_credit.db.models import Decision, Enterprise, LoanApplication, User
from industry_credit.decisions import alternatives, alternatives_search
from industry_credit.decisions.alternatives_schemas import AlternativesIn, AlternativesOut
from industry_credit.decisions.registry import EngineUnavailableError
from industry_credit.decisions.schemas import DecisionOut, WhatIfOut
from industry_credit.decisions.types import DecisionEngine, EngineRegistry
from industry_credit.errors import ErrorBody, UnprocessableError

router = APIRouter(prefix="/v1", tags=["applications"])

Submitter = Annotated[User, Depends(require_roles("rm", "admin"))]
AnyRole = Annotated[User, Depends(require_roles("rm", "risk_officer", "admin"))]


def _iso_date(value: object) -> object:
    # Query dates are ISO 8601 calendar dates only; pydantic would also read "0" as a timestamp.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date in YYYY-MM-DD form")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
ApplicationStatus = Literal["decided", "in_review", "info_requested", "approved", "declined"]


def active_engine(request: Request) -> DecisionEngine:
    registry: EngineRegistry = request.app.state.engine_registry
    return registry.active()


def engine_before_session(request: Request) -> DecisionEngine | None:
    """The active engine, looked up before the request checks out its own connection.

    Every few seconds the registry re-reads the active ruleset on a connection of its own. Done
    inside the handler, each request would then hold two connections at once, and under load all
    of them would wait on a pool that their own first connections had emptied, until the pool
    timeout (503). Declared as the first dependency, the look-up happens while the request holds
    none. A missing engine is reported later, by the handler, so that authentication still
    answers first."""
    try:
        return active_engine(request)
    except EngineUnavailableError:
        return None


def champion_before_session(request: Request) -> DecisionEngine | None:
    """The active model and ruleset without the challenger: what-if scoring stores nothing, so
    a shadow score would be work thrown away. Looked up before the session, as above."""
    engine = engine_before_session(request)
    if engine is None:
        return None
    registry: EngineRegistry = request.app.state.engine_registry
    return registry.for_versions(
        model_version=engine.model_version, ruleset_version=engine.ruleset_version
    )


_DECISION_OUT = TypeAdapter(DecisionOut)

PreloadedEngine = Annotated[DecisionEngine | None, Depends(engine_before_session)]
PreloadedChampion = Annotated[DecisionEngine | None, Depends(champion_before_session)]


class ApplicationOut(BaseModel):
    application_id: str
    enterprise_uscc: str
    enterprise_name: str
    sector: str
    district: str
    amount: float
    tenor_months: int
    purpose: str
    status: ApplicationStatus
    submitted_at: str
    decision: DecisionOut | None


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    next_cursor: str | None


def application_out(
    app: LoanApplication, decision: Decision | None, ent: Enterprise
) -> ApplicationOut:
    return ApplicationOut(
        application_id=str(app.id),
        enterprise_uscc=ent.uscc,
        enterprise_name=ent.name,
        sector=ent.sector,
        district=ent.district,
        amount=float(app.amount),
        tenor_months=app.tenor_months,
        purpose=app.purpose,
        status=app.status,  # the CHECK constraint guarantees one of the literals
        submitted_at=app.created_at.isoformat(),
        decision=DecisionOut.model_validate(decision.document) if decision else None,
    )


@router.post(
    "/applications",
    status_code=201,
    response_model=DecisionOut,
    summary="Submit an application and get the decision",
    responses={
        409: {
            "description": (
                "a request with the same Idempotency-Key is still in flight: nothing was done;"
                " retry after Retry-After seconds to get the original decision replayed"
            ),
            "model": ErrorBody,
            "headers": {
                "Retry-After": {
                    "description": "seconds to wait before retrying",
                    "schema": {"type": "integer"},
                }
            },
        },
        422: {"description": "invalid document, or an Idempotency-Key reused with another body"},
        503: {"description": "database unavailable; retry after the Retry-After seconds"},
    },
)
def submit_application(
    preloaded: PreloadedEngine,
    request: Request,
    session: DbSession,
    user: Submitter,
    document: Annotated[ApplicationDocument, {"examples": [ROBOT_STARTUP]}],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Validate, store, score and decide in one transaction. A `refer` joins the review queue.

    Send `Idempotency-Key` to make retries safe: the same key and body return the original
    decision (`Idempotent-Replayed: true`); the same key with a different body is refused with
    422; while the first request with the key is still in flight, a duplicate gets 409 with
    `Retry-After` at once (as the IETF Idempotency-Key draft specifies) and never a second
    decision.
    """
    engine = preloaded or active_engine(request)
    metrics = request.app.state.metrics
    clock = metrics.stage_clock("/v1/applications")
    result = service.submit(
        session=session,
        user=user,
        document=document,
        engine=engine,
        idempotency_key=idempotency_key,
        qc_sample_rate=request.app.state.settings.qc_sample_rate,
        batcher=request.app.state.batcher,
        clock=clock,
        # Committed with the audit rows, not in the session dependency: the audit lock is held
        # until commit, and the dependency commits only after the event loop has taken the
        # handler's result and handed the exit to another thread; under load that hop, not the
        # database, set how long every other submission waited for the lock. (The dependency's
        # own commit then finds no transaction and does nothing.)
        commit=True,
    )
    session.commit()  # ends the session's bookkeeping; the database has committed already
    if not result.replayed:
        metrics.decisions.labels(result.body["outcome"], result.body["grade"]).inc()
    # Validated and serialized here, exactly as FastAPI would against response_model, because
    # FastAPI does it for a sync endpoint on another pool thread, which under load means waiting
    # for a free one: when every pool thread was taken by requests waiting for the audit lock, the
    # lock holder could not get one to reach its commit, and the process stalled until
    # connection-pool timeouts broke the jam. (Committing above also removes that dependency.)
    return Response(
        content=_DECISION_OUT.dump_json(_DECISION_OUT.validate_python(result.body), by_alias=True),
        status_code=result.status_code,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"} if result.replayed else None,
    )


@router.get("/applications/{application_id}", response_model=ApplicationOut)
def get_application(application_id: uuid.UUID, session: DbSession, user: AnyRole) -> ApplicationOut:
    """One application with its decision. RMs see only their own (others' ids answer 404)."""
    return application_out(
        *queries.application_with_decision(
            session=session, user=user, application_id=application_id
        )
    )


@router.get("/applications", response_model=ApplicationPage)
def list_applications(
    session: DbSession,
    user: AnyRole,
    status: ApplicationStatus | None = None,
    outcome: Outcome | None = None,
    sector: Sector | None = None,
    district: District | None = None,
    submitted_from: IsoDate | None = None,
    submitted_to: IsoDate | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ApplicationPage:
    """The caller's own applications (risk officers and admins: all), newest first."""
    filters = queries.ApplicationFilter(
        status, outcome, sector, district, submitted_from, submitted_to
    )
    rows, next_cursor = queries.list_applications(
        session=session, user=user, filters=filters, limit=limit, cursor=cursor
    )
    return ApplicationPage(items=[application_out(*row) for row in rows], next_cursor=next_cursor)


@router.post("/score", response_model=WhatIfOut, summary="What-if scoring; nothing is stored")
def what_if(
    preloaded: PreloadedChampion,
    request: Request,
    session: DbSession,
    user: CurrentUser,
    document: ApplicationDocument,
) -> dict[str, Any]:
    """Score a document as it would be decided now, so an RM can try another amount, tenor or
    collateral. Nothing is written."""
    del user
    engine = preloaded or active_engine(request)
    item = service.decision_input(session=session, document=document, as_of=date.today())
    result = request.app.state.batcher.decide(engine, item)
    return {
        **result.decision,
        "model_version": engine.model_version,
        "ruleset_version": engine.ruleset_version,
        "reasons_version": engine.reasons_version,
    }


@router.post(
    "/score/alternatives",
    response_model=AlternativesOut,
    summary="Deal structuring: the nearest structures the bank would approve; nothing is stored",
    responses={422: {"description": "invalid document, a bad bound, or a grid over max_grid"}},
)
def score_alternatives(
    preloaded: PreloadedChampion,
    request: Request,
    session: DbSession,
    user: CurrentUser,
    body: AlternativesIn,
) -> dict[str, Any]:
    """Decide a grid of variants of the request (amount down to a floor, tenors within the
    product and technology-life bounds, the security the firm can add, each eligible product)
    in one call of the engine, and return the original decision with the nearest approvable
    variants, each an application document with its decision. When none is approvable, the
    rules that block every variant. Same access as `POST /v1/score`; nothing is written."""
    del user
    engine = preloaded or active_engine(request)
    document = body.document()
    item = service.decision_input(session=session, document=document, as_of=date.today())
    try:
        found = alternatives_search.search(engine=engine, item=item, bounds=body.bounds.bounds())
    except alternatives.BoundsError as exc:
        raise UnprocessableError(
            str(exc), fields=[{"path": f"$.bounds.{exc.field}", "problem": exc.problem}]
        ) from exc
    versions = {
        "model_version": engine.model_version,
        "ruleset_version": engine.ruleset_version,
        "reasons_version": engine.reasons_version,
    }
    grid = found.grid
    return {
        "original": {**found.original, **versions},
        "alternatives": [
            {
                "rank": rank,
                "document": alt.document.model_dump(mode="json"),
                "decision": {**alt.decision, **versions},
                "changes": alt.changes,
                "added_collateral": alt.added,
            }
            for rank, alt in enumerate(found.alternatives, start=1)
        ],
        "blocking_rules": found.blocking_rules,
        "grid": {
            "variants": len(grid),
            "approvable": found.approvable,
            "amounts": [float(a) for a in grid.amounts],
            "tenors": sorted({t for levels in grid.tenors_by_product for t in levels}),
            "collateral_added": list(grid.enhancements),
            "products": list(grid.products),
        },
        **versions,
    }
