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
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from industry_credit.api.metrics import StageClock
from industry_credit.applications import idempotency
from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.audit.service import Actor, Event, record_all
from industry_credit.canonical import content_sha256
from industry_credit.db.models import LoanApplication, ReviewCase, User
from industry_credit.decisions import repository as decisions
from industry_credit.decisions.batcher import MicroBatcher
from industry_credit.decisions.types import DecisionEngine, DecisionInput
from industry_credit.enterprises import ownership
from industry_credit.enterprises.repository import upsert_document

_INSERT_APPLICATION = insert(cast(Table, LoanApplication.__table__))
_INSERT_CASE = insert(cast(Table, ReviewCase.__table__))


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
    usccs = [link.counterparty_uscc for link in document.supply_chain]
    return DecisionInput(
        document=document,
        as_of=as_of,
        counterparty_risk=decisions.counterparty_risk(session=session, usccs=usccs),
        book=decisions.book_exposure(
            session=session,
            sector=document.enterprise.sector,
            district=document.enterprise.district,
        ),
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
    # Another RM's enterprise is refused here, before anything of this request is written.
    prior = ownership.lock_for_submission(session=session, user=user, uscc=document.enterprise.uscc)
    enterprise_id = upsert_document(session=session, document=document)
    ownership.claim(session=session, user=user, enterprise_id=enterprise_id, prior=prior)
    clock.lap("enterprise_upsert")
    application_id, decision_id = uuid.uuid4(), uuid.uuid4()
    item = decision_input(session=session, document=document, as_of=now.date())
    clock.lap("counterparty_lookup")
    result = batcher.decide(engine, item) if batcher else engine.decide([item])[0]
    clock.lap("decide")

    body = {
        "decision_id": str(decision_id),
        "application_id": str(application_id),
        "enterprise_uscc": document.enterprise.uscc,
        **result.decision,
        "model_version": engine.model_version,
        "ruleset_version": engine.ruleset_version,
        "input_sha256": item.sha256(),
        "decided_at": now.isoformat(),
    }
    outcome = body["outcome"]
    sampled = outcome == "approve" and qc_sampled(decision_id, qc_sample_rate)
    in_review = outcome == "refer" or sampled
    # Core INSERTs on the tables, in foreign-key order: nothing later in the request reads these
    # rows back, so the ORM's identity map, flush planning and RETURNING of defaults would be
    # pure overhead.
    session.execute(
        _INSERT_APPLICATION,
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
    )
    clock.lap("application_insert")
    snapshot = {**item.snapshot(), "features": result.features}
    decisions.insert_decision(
        session=session,
        decision_id=decision_id,
        application_id=application_id,
        enterprise_id=enterprise_id,
        document=body,
        snapshot=snapshot,
        decided_at=now,
    )
    clock.lap("decision_insert")
    if in_review:
        session.execute(
            _INSERT_CASE,
            {
                "enterprise_id": enterprise_id,
                "application_id": application_id,
                "decision_id": decision_id,
                "source": "refer" if outcome == "refer" else "qc_sample",
                "status": "open",
                "flags": list(body.get("flags", [])),
            },
        )
    clock.lap("review_queue")
    if idempotency_key is not None:
        idempotency.store(
            session=session, user_id=user.id, key=idempotency_key, status_code=201, body=body
        )
    clock.lap("idempotency_store")
    profile_change = ownership.profile_change(prior, document.enterprise)
    # Last, because the audit lock serializes every writer from here to commit; the COMMIT
    # goes out with the audit rows, so the lock is held only while the database works.
    record_all(
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
    clock.lap("audit")
    return Submitted(201, body, replayed=False)
