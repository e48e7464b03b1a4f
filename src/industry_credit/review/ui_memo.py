"""The credit memo (审批意见书): one printable page per decided case, the record the bank files.

It holds the firm, the engine's decision and the final one, the reasons in words with their
evidence, the conditions, the review trail with each action's terms, and the signatures of the
officers who agreed. Only a closed case has a memo: before that there is nothing to sign.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from industry_credit.api.deps import DbSession
from industry_credit.db.models import ReviewCase
from industry_credit.errors import NotFoundError
from industry_credit.review import evidence, repository
from industry_credit.review.casepage import when
from industry_credit.review.endpoints import CaseId, load_case_out
from industry_credit.review.messages import translator
from industry_credit.review.override_terms import decision_terms
from industry_credit.review.templating import render
from industry_credit.review.ui import guarded, policy_of
from industry_credit.review.uiauth import UiSession

router = APIRouter(prefix="/ui", include_in_schema=False)


def memo_page(request: Request, session: Session, ui: UiSession, case_id: int) -> Response:
    try:
        case = load_case_out(session=session, case_id=case_id, policy=policy_of(request))
    except NotFoundError:
        return render(
            request, "error.html", {"message_key": "error.not_found"}, ui=ui, status_code=404
        )
    if case.status != "closed":
        return render(
            request, "error.html", {"message_key": "memo.not_decided"}, ui=ui, status_code=409
        )
    row = session.get(ReviewCase, case_id)
    assert row is not None
    file = repository.case_file(session=session, case=row)
    decision = file.decision
    facts = evidence.build(
        session=session,
        document=decision.document if decision else None,
        ruleset_version=decision.ruleset_version if decision else None,
        features={},
        flags=list(case.flags),
        lang=ui.lang,
        t=translator(ui.lang),
    )
    context = {
        "case": case,
        "file": file,
        "evidence": facts,
        "engine": decision_terms(decision),
        "when": when,
    }
    return render(request, "memo.html", context, ui=ui)


@router.get("/cases/{case_id}/memo")
def show_memo(case_id: CaseId, request: Request, session: DbSession) -> Response:
    return guarded(request, session, lambda ui: memo_page(request, session, ui, case_id))
