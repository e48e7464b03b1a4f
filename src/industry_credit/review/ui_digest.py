"""The morning digest page (``/ui/digest``): the JSON of ``GET /v1/reviews/digest`` rendered for
an officer, with a link to each case."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from industry_credit.api.deps import DbSession
from industry_credit.review import digest, repository
from industry_credit.review.endpoints import policy_of
from industry_credit.review.templating import render
from industry_credit.review.ui import guarded
from industry_credit.review.uiauth import UiSession

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/digest")
def digest_page(request: Request, session: DbSession) -> Response:
    def page(ui: UiSession) -> Response:
        data = digest.build(
            session=session, now=datetime.now(UTC), sla_hours=policy_of(request).sla_hours
        )
        context = {"digest": data, "latest_batch": repository.latest_batch_run(session=session)}
        return render(request, "digest.html", context, ui=ui)

    return guarded(request, session, page)
