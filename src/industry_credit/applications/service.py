"""Submitting an application: one transaction from the document to the stored, audited decision.

Steps (one transaction commits them all or none): claim the idempotency key; upsert the
enterprise and its data; store the application; decide (features, score, rules); store the
decision with its input snapshot; queue a referral (or a QC sample of approvals); store the
response under the idempotency key; audit, last, because the audit lock is held until commit
(which the API sends in the same round trip as the audit rows).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Table
from sqlalchemy.orm import Session

from industry_credit.api.metrics import StageClock
from industry_credit.applications import idempotency
from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.audit.service import Actor, Event, record_all
from industry_credit.canonical import content_sha256
from industry_credit.db.models import LoanApplication, ReviewCase, User
from industry_credit.db.pipeline import Write, insert_row, run
from industry_credit.decisions import repository as decisions
from industry_credit.decisions.batcher import MicroBatcher
from industry_credit.decisions.shadow_store import decision_shadow_write
from industry_credit.decisions.types import DecisionEngine, DecisionInput
from industry_credit.enterprises import ownership
from industry_credit.enterprises.repository import document_writes
from industry_credit.enterprises.repository import enterprise_id as enterprise_id_of

_APPLICATIONS = cast(Table, LoanApplication.__table__)
_CASES = cast(Table, ReviewCase.__table__)


@dataclass(frozen=True)
class Submitted:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def qc_sampled(decision_id: uuid.UUID, rate: float) -> bool:
    """A reproducible sample: the same decision id is always in or out of the QC sample."""
    digest = hashlib.sha256(decision_id.bytes).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def decision_input(
    *, session: Session, document: ApplicationDocument, as_of: date
) -> DecisionInput:
    """What the engine needs beside the document (the counterparties' risk, the bank's book),
    read in one round trip."""
    cursors = run(session, context_writes(document))
    return context_input(document, as_of, cursors)


def context_writes(document: ApplicationDocument) -> list[Write | None]:
    """The reads behind ``context_input``, as statements for a pipeline."""
    usccs = [link.counterparty_uscc for link in document.supply_chain]
    enterprise = document.enterprise
    return [
        decisions.counterparty_risk_write(usccs),
        decisions.book_exposure_write(enterprise.sector, enterprise.district),
    ]


def context_input(
    document: ApplicationDocument, as_of: date, cursors: Sequence[psycopg.Cursor[Any] | None]
) -> DecisionInput:
    """The engine's input, from the cursors of ``context_writes``."""
    risk, book = cursors
    return DecisionInput(
        document=document,
        as_of=as_of,
        counterparty_risk=decisions.counterparty_risk_rows(risk),
        book=decisions.book_exposure_rows(book),
    )


def submit(
    *,
    session: Session,
    user: User,
    document: ApplicationDocument,
    engine: DecisionEngine,
    idempotency_key: str | None = None,
    qc_sample_rate: float = 0.0,
    batcher: MicroBatcher | None = None,
    clock: StageClock | None = None,
    commit: bool = False,
) -> Submitted:
    """Store, decide and audit ``document``. With ``commit``, the transaction is committed here,
    together with the audit rows (see ``record_all``); the caller then writes nothing more."""
    clock = clock or StageClock()
    document_json = document.model_dump(mode="json")
    document_sha = content_sha256(document_json)
    clock.lap("canonical_json")
    if idempotency_key is not None:
        stored = idempotency.claim(
            session=session, user_id=user.id, key=idempotency_key, request_sha256=document_sha
        )
        clock.lap("idempotency_claim")
        if stored is not None:
            return Submitted(stored.status_code, stored.body, replayed=True)

    now = datetime.now(UTC)
    uscc = document.enterprise.uscc
    # Another RM's enterprise is refused here, before anything of this request is written.
    prior = ownership.lock_for_submission(session=session, user=user, uscc=uscc)
    # The enterprise's data, the owner's claim, the counterparties' risk and the bank's book in
    # one round trip.
    upserts = document_writes(document)
    claims = ownership.claim_writes(user=user, uscc=uscc)
    cursors = run(session, [*upserts, *claims, *context_writes(document)])
    enterprise_id = enterprise_id_of(cursors[0])
    ownership.check_claim(user=user, cursors=cursors[len(upserts) : len(upserts) + len(claims)])
    clock.lap("enterprise_upsert")
    item = context_input(document, now.date(), cursors[-2:])
    application_id, decision_id = uuid.uuid4(), uuid.uuid4()
    result = batcher.decide(engine, item) if batcher else engine.decide([item])[0]
    clock.lap("decide")

    body = {
        "decision_id": str(decision_id),
        "application_id": str(application_id),
        "enterprise_uscc": uscc,
        **result.decision,
        "model_version": engine.model_version,
        "ruleset_version": engine.ruleset_version,
        "reasons_version": engine.reasons_version,
        "input_sha256": item.sha256(),
        "decided_at": now.isoformat(),
    }
    outcome = body["outcome"]
    sampled = outcome == "approve" and qc_sampled(decision_id, qc_sample_rate)
    in_review = outcome == "refer" or sampled
    # The rows of the application, its decision, its review case and the idempotent response go
    # out with the audit rows and the COMMIT (``record_all``): one round trip for all of them.
    rows = [
        insert_row(
            _APPLICATIONS,
            {
                "id": application_id,
                "enterprise_id": enterprise_id,
                "submitted_by": user.id,
                "amount": document.request.amount,
                "tenor_months": document.request.tenor_months,
                "purpose": document.request.purpose,
                "collateral": list(document.request.collateral),
                "requested_product": document.request.requested_product,
                "status": "in_review" if in_review else "decided",
                "document": document_json,
                "document_sha256": document_sha,
            },
        ),
        decisions.decision_write(
            decision_id=decision_id,
            application_id=application_id,
            enterprise_id=enterprise_id,
            document=body,
            snapshot={**item.snapshot(), "features": result.features},
            decided_at=now,
        ),
        # A challenger is set: its score beside, never in, the decision.
        decision_shadow_write(
            decision_id=decision_id,
            enterprise_id=enterprise_id,
            as_of=now.date(),
            body=body,
            shadow=result.shadow,
        )
        if result.shadow is not None
        else None,
        insert_row(
            _CASES,
            {
                "enterprise_id": enterprise_id,
                "application_id": application_id,
                "decision_id": decision_id,
                "source": "refer" if outcome == "refer" else "qc_sample",
                "status": "open",
                "flags": list(body.get("flags", [])),
            },
        )
        if in_review
        else None,
        idempotency.store_write(user_id=user.id, key=idempotency_key, status_code=201, body=body)
        if idempotency_key is not None
        else None,
    ]
    clock.lap("rows")
    profile_change = ownership.profile_change(prior, document.enterprise)
    # Last, because the audit lock serializes every writer from here to commit; the COMMIT
    # goes out with the audit rows, so the lock is held only while the database works.
    written = record_all(
        before=rows,
        commit=commit,
        session=session,
        actor=Actor(user.username, user.role),
        events=[
            *([profile_change] if profile_change is not None else []),
            Event(
                action="application.submit",
                entity_type="application",
                entity_id=str(application_id),
                payload={
                    "enterprise_uscc": document.enterprise.uscc,
                    "document_sha256": document_sha,
                },
            ),
            Event(
                action="decision.create",
                entity_type="decision",
                entity_id=str(decision_id),
                payload={
                    "outcome": outcome,
                    "grade": body["grade"],
                    "model_version": engine.model_version,
                    "ruleset_version": engine.ruleset_version,
                    "input_sha256": body["input_sha256"],
                    "queued": in_review,
                },
            ),
        ],
    )
    idempotency.check_stored(written[-1])
    clock.lap("audit")
    return Submitted(201, body, replayed=False)
