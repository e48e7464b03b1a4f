"""Turn repository rows into the API's response models (the web pages use the same shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from industry_credit.review.override_terms import decision_terms, review_terms
from industry_credit.review.policy import Proposal, required_agreements
from industry_credit.review.priority import reasons
from industry_credit.review.repository import CaseFile, QueueItem
from industry_credit.review.schemas import (
    CaseOut,
    CaseSummaryOut,
    CurrentRisk,
    EnterpriseRef,
    ProposalOut,
    ReviewOut,
)
from industry_credit.review.service import ReviewPolicy


def proposal_out(raw: dict[str, object] | None) -> ProposalOut | None:
    proposal = Proposal.from_json(raw)
    if proposal is None:
        return None
    return ProposalOut(
        outcome=proposal.outcome,
        terms=proposal.terms,
        override=proposal.override,
        direction=proposal.direction,
        agreed_by=proposal.agreed_by_names,
    )


def summary_out(item: QueueItem, *, now: datetime, policy: ReviewPolicy) -> CaseSummaryOut:
    age_hours = max(0.0, (now - item.enqueued_at).total_seconds() / 3600)
    proposal = proposal_out(item.proposal)
    # Only cases still waiting on an officer can breach the SLA.
    over_sla = item.status in ("open", "awaiting_second") and age_hours > policy.sla_hours
    return CaseSummaryOut(
        case_id=item.case_id,
        source=item.source,
        status=item.status,
        flags=item.flags,
        enqueued_at=item.enqueued_at,
        age_hours=round(age_hours, 2),
        over_sla=over_sla,
        enterprise=EnterpriseRef(
            uscc=item.enterprise_uscc,
            name=item.enterprise_name,
            district=item.district,
            sector=item.sector,
        ),
        application_id=str(item.application_id) if item.application_id else None,
        decision_id=str(item.decision_id) if item.decision_id else None,
        amount=float(item.amount),
        pd=item.pd,
        grade=item.grade,
        stage=item.stage,
        engine_outcome=item.engine_outcome,
        # A pending proposal knows how many officers it needs (an earlier override in the
        # round counts too); otherwise the amount decides.
        needs_two_officers=int(str((item.proposal or {}).get("needed", 1))) == 2
        or required_agreements(
            amount=item.amount,
            threshold=policy.four_eyes_threshold,
            override=bool(proposal and proposal.override),
        )
        == 2,
        proposal=proposal,
        current=CurrentRisk(
            pd=item.current.pd,
            grade=item.current.grade,
            as_of=item.current.when,
            source=item.current.source,
        )
        if item.current
        else None,
        holder=item.holder,
        expected_loss=None if item.expected_loss is None else round(item.expected_loss, 2),
        severity=item.severity,
        signal_state=item.signal_state,
        priority=reasons(
            over_sla=over_sla,
            age_hours=age_hours,
            sla_hours=policy.sla_hours,
            signal_state=item.signal_state,
            changes=item.signal_changes,
            expected_loss=item.expected_loss,
            severity=item.severity,
            severity_flags=item.severity_flags,
        ),
    )


def case_out(
    item: QueueItem,
    file: CaseFile,
    *,
    now: datetime,
    policy: ReviewPolicy,
    question: str | None,
) -> CaseOut:
    summary = summary_out(item, now=now, policy=policy)
    engine = decision_terms(file.decision)

    def review_out(r: Any, u: Any) -> ReviewOut:
        before, after = review_terms(r.before, r.after, engine)
        return ReviewOut(
            id=r.id,
            actor=u.username,
            actor_role=r.actor_role,
            action=r.action,
            reason=r.reason,
            reason_codes=list(r.reason_codes or []),
            before=r.before,
            after=r.after,
            created_at=r.created_at,
            terms_before=before,
            terms_after=after,
        )

    return CaseOut(
        **summary.model_dump(),
        final_outcome=file.case.final_outcome,
        final_terms=file.case.final_terms,
        closed_at=file.case.closed_at,
        submitted_by=file.submitted_by.username if file.submitted_by else None,
        question=question if file.case.status == "info_requested" else None,
        decision=file.decision.document if file.decision else None,
        reviews=[review_out(r, u) for r, u in file.reviews],
        nightly=_nightly(file),
    )


def _nightly(file: CaseFile) -> dict[str, Any] | None:
    r = file.rescore
    if r is None:
        return None
    return {
        "as_of": r.as_of.isoformat(),
        "pd": r.pd,
        "grade": r.grade,
        "previous_grade": r.previous_grade,
        "notches": r.notches,
        "flags": list(r.flags or []),
        "contagion_score": r.contagion_score,
        "reasons": r.reasons,
        "flag_evidence": r.flag_evidence,
    }
