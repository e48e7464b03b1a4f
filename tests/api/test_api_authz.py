"""Role × endpoint × owner: deny by default, others' objects are 404, officers see all."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.factories.documents import application, uscc_for, with_uscc


@pytest.fixture(scope="module")
def owned(api: Api) -> dict[str, str]:
    doc = with_uscc(application(), uscc_for(201))
    body = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li")).json()
    return {
        "application": body["application_id"],
        "decision": body["decision_id"],
        "uscc": doc["enterprise"]["uscc"],
    }


@pytest.mark.parametrize(
    ("user", "expected"),
    [("rm_li", 200), ("rm_wang", 404), ("officer_zhao", 200), ("admin_sun", 200)],
)
def test_read_endpoints_by_owner_and_role(
    api: Api, owned: dict[str, str], user: str, expected: int
) -> None:
    for path in (
        f"/v1/applications/{owned['application']}",
        f"/v1/decisions/{owned['decision']}",
        f"/v1/decisions/{owned['decision']}/explanation",
        f"/v1/enterprises/{owned['uscc']}",
    ):
        assert api.client.get(path, headers=api.headers(user)).status_code == expected, (path, user)


@pytest.mark.parametrize(
    ("user", "expected"),
    [("rm_li", 403), ("rm_wang", 403), ("officer_zhao", 200), ("admin_sun", 200)],
)
def test_replay_is_for_risk_officers_and_admins(
    api: Api, owned: dict[str, str], user: str, expected: int
) -> None:
    response = api.client.post(
        f"/v1/decisions/{owned['decision']}/replay", headers=api.headers(user)
    )
    assert response.status_code == expected


def test_risk_officers_cannot_submit(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(202))
    response = api.client.post("/v1/applications", json=doc, headers=api.headers("officer_zhao"))
    assert response.status_code == 403


def test_other_rm_cannot_feed_data(api: Api, owned: dict[str, str]) -> None:
    feed = {"alternative_data": [{"month": "2025-09", "electricity_kwh": 1}]}
    response = api.client.post(
        f"/v1/enterprises/{owned['uscc']}/data", json=feed, headers=api.headers("rm_wang")
    )
    assert response.status_code == 404


def test_lists_show_only_own_applications_to_rms(api: Api, owned: dict[str, str]) -> None:
    mine = api.client.get("/v1/applications?limit=200", headers=api.headers("rm_li")).json()
    theirs = api.client.get("/v1/applications?limit=200", headers=api.headers("rm_wang")).json()
    officer = api.client.get(
        "/v1/applications?limit=200", headers=api.headers("officer_zhao")
    ).json()
    assert owned["application"] in {i["application_id"] for i in mine["items"]}
    assert owned["application"] not in {i["application_id"] for i in theirs["items"]}
    assert owned["application"] in {i["application_id"] for i in officer["items"]}


def test_missing_bad_and_mismatched_tokens(api: Api) -> None:
    assert api.client.get("/v1/applications").status_code == 401
    bad = {"Authorization": "Bearer not-a-jwt"}
    assert api.client.get("/v1/applications", headers=bad).status_code == 401
    from industry_credit.auth.tokens import issue_token

    forged_role = issue_token(api.settings, subject="rm_li", role="admin")
    response = api.client.get(
        "/v1/applications", headers={"Authorization": f"Bearer {forged_role}"}
    )
    assert response.status_code == 401
    unknown = issue_token(api.settings, subject="nobody", role="rm")
    response = api.client.get("/v1/applications", headers={"Authorization": f"Bearer {unknown}"})
    assert response.status_code == 401
