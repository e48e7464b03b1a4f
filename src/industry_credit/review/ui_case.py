"""The case page and its action form. The form calls the same service as the REST API, so the
four-eyes rules, the review row and the audit entry are identical whichever way an officer acts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.api.deps import DbSession
from industry_credit.db.models import ReviewCase, User
from industry_credit.errors import DomainError, NotFoundError, UnprocessableError
from industry_credit.review import (
    casepage,
    claims,
    override_terms,
    questions,
    repository,
    service,
    structuring,
)
from industry_credit.review.codes import REASON_CODES
from industry_credit.review.endpoints import CaseId, load_case_out
from industry_credit.review.messages import translator
from industry_credit.review.service import OverrideTerms
from industry_credit.review.templating import render
from industry_credit.review.ui import guarded, policy_of
from industry_credit.review.ui_errors import error_view
from industry_credit.review.uiauth import UiSession, csrf_ok
from industry_credit.vocabulary import PRODUCT_CODES

router = APIRouter(prefix="/ui", include_in_schema=False)

ACTIONS = ("approve", "decline", "override", "request_info")
BATCH_FLAG_ACTIONS = ("approve", "decline")
CLAIM_OPS = ("claim", "release", "assign")


def case_page(
    request: Request,
    session: Session,
    ui: UiSession,
    case_id: int,
    *,
    error: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
    echo: OverrideTerms | None = None,
) -> Response:
    try:
        case = load_case_out(session=session, case_id=case_id, policy=policy_of(request))
    except NotFoundError:
        return render(
            request, "error.html", {"message_key": "error.not_found"}, ui=ui, status_code=404
        )
    case_row = session.get(ReviewCase, case_id)
    assert case_row is not None
    file = repository.case_file(session=session, case=case_row)
    view = casepage.build(
        session=session,
        case=case,
        file=file,
        app_state=request.app.state,
        lang=ui.lang,
        t=translator(ui.lang),
    )
    # The nearest approvable structure; ``?start=structure`` starts the override form from it.
    structure = structuring.nearest_structure(request.app.state, file.decision, ui.lang)
    if form is None and structure and request.query_params.get("start") == "structure":
        form = structure.prefill
    held_by_other = case.holder is not None and case.holder != ui.user.username
    context = {
        "view": view,
        "structure": structure,
        "case": case,
        "error": error,
        "form": form or {},
        "done": request.query_params.get("done"),
        # A batch flag has no engine terms to override and no RM to ask: offer what applies.
        "actions": ACTIONS if file.decision is not None else BATCH_FLAG_ACTIONS,
        "reason_codes": REASON_CODES,
        "products": PRODUCT_CODES,
        "threshold": float(policy_of(request).four_eyes_threshold),
        "can_act": ui.user.role == "risk_officer"
        and case.status in ("open", "awaiting_second")
        and not held_by_other,
        "held_by_other": held_by_other,
        "claim_done": request.query_params.get("claim")
        if request.query_params.get("claim") in CLAIM_OPS
        else None,
        "officers": _officers(session) if ui.user.role == "admin" else [],
        "age_text": casepage.age_text,
        "when": casepage.when,
        "latest_batch": repository.latest_batch_run(session=session),
        "echo": echo,
        "signals": repository.case_signals(session=session, case_id=case_id),
    }
    return render(request, "case.html", context, ui=ui, status_code=status_code)


def _officers(session: Session) -> list[str]:
    """Whom an admin may assign a case to: the active risk officers."""
    rows = session.execute(
        select(User.username)
        .where(User.role == "risk_officer", User.active)
        .order_by(User.username)
    ).scalars()
    return list(rows)


@router.get("/cases/{case_id}")
def show_case(case_id: CaseId, request: Request, session: DbSession) -> Response:
    return guarded(request, session, lambda ui: case_page(request, session, ui, case_id))


@router.post("/cases/{case_id}/act")
def act(
    case_id: CaseId,
    request: Request,
    session: DbSession,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    reason_codes: Annotated[list[str] | None, Form()] = None,
    outcome: Annotated[str, Form()] = "approve",
    limit_amount: Annotated[str, Form()] = "",
    tenor_months: Annotated[str, Form()] = "",
    products: Annotated[list[str] | None, Form()] = None,
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "action": action,
        "reason": reason,
        "reason_codes": reason_codes or [],
        "outcome": outcome,
        "limit_amount": limit_amount,
        "tenor_months": tenor_months,
        "products": products or [],
    }

    def page(ui: UiSession) -> Response:
        if not csrf_ok(ui, csrf):
            error = {"code": "csrf", "message": ""}
            return case_page(request, session, ui, case_id, error=error, form=form, status_code=403)
        try:
            if action == "override" and confirmed != "1":
                # Nothing is recorded yet: the page echoes the terms as parsed, and the officer
                # confirms them (or corrects the fields) before the override is made.
                echo = _override_change(form)
                # Refuse now what the service would refuse after the confirmation.
                service.checked_reason(str(form["reason"]))
                if not any(c in REASON_CODES for c in form["reason_codes"]):
                    raise UnprocessableError(
                        "an override needs at least one reason code",
                        fields=[{"path": "$.reason_codes", "problem": "empty"}],
                    )
                return case_page(request, session, ui, case_id, form=form, echo=echo)
            _apply(request, session, ui, case_id, form)
        except DomainError as exc:
            # The service refused (four-eyes, state, validation): nothing of this action is kept.
            session.rollback()
            error = error_view(exc, ui.lang)
            return case_page(
                request, session, ui, case_id, error=error, form=form, status_code=exc.status_code
            )
        # Commit before redirecting: the request session commits only after the response is
        # sent, and the browser's follow-up GET must see the action.
        session.commit()
        return RedirectResponse(f"/ui/cases/{case_id}?done={action}", status_code=303)

    return guarded(request, session, page)


@router.post("/cases/{case_id}/claim")
def claim_case(
    case_id: CaseId,
    request: Request,
    session: DbSession,
    op: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    officer: Annotated[str, Form()] = "",
) -> Response:
    """Claim or release (officers), assign or free (admins): the REST API's service."""

    def page(ui: UiSession) -> Response:
        if not csrf_ok(ui, csrf):
            error = {"code": "csrf", "message": ""}
            return case_page(request, session, ui, case_id, error=error, status_code=403)
        try:
            if op == "claim":
                claims.claim(session=session, user=ui.user, case_id=case_id)
            elif op == "release":
                claims.release(session=session, user=ui.user, case_id=case_id)
            elif op == "assign":
                claims.assign(
                    session=session, user=ui.user, case_id=case_id, officer=officer or None
                )
            else:
                raise NotFoundError(f"unknown operation {op!r}")
        except DomainError as exc:
            session.rollback()
            error = error_view(exc, ui.lang)
            return case_page(
                request, session, ui, case_id, error=error, status_code=exc.status_code
            )
        session.commit()
        return RedirectResponse(f"/ui/cases/{case_id}?claim={op}#claim", status_code=303)

    return guarded(request, session, page)


def _apply(
    request: Request, session: Session, ui: UiSession, case_id: int, form: dict[str, Any]
) -> None:
    policy = policy_of(request)
    codes = tuple(c for c in form["reason_codes"] if c in REASON_CODES)
    action = form["action"]
    if action == "approve":
        service.approve(
            session=session,
            user=ui.user,
            case_id=case_id,
            reason=form["reason"],
            reason_codes=codes,
            policy=policy,
        )
    elif action == "decline":
        service.decline(
            session=session,
            user=ui.user,
            case_id=case_id,
            reason=form["reason"],
            reason_codes=codes,
            policy=policy,
        )
    elif action == "request_info":
        questions.request_info(
            session=session, user=ui.user, case_id=case_id, question=form["reason"], policy=policy
        )
    elif action == "override":
        change = _override_change(form)
        service.override(
            session=session,
            user=ui.user,
            case_id=case_id,
            change=change,
            reason=form["reason"],
            reason_codes=codes,
            policy=policy,
        )
    else:
        raise NotFoundError(f"unknown action {action!r}")
    session.flush()


def _override_change(form: dict[str, Any]) -> OverrideTerms:
    """The form's terms through the parser the API shares: the limit is typed in 万元."""
    return override_terms.from_form(
        outcome=form["outcome"],
        limit_wan=form["limit_amount"],
        tenor_months=form["tenor_months"],
        products=list(form["products"]),
    )
