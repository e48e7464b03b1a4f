"""Enterprise ownership: one RM owns an enterprise; another RM's submission is refused, reveals
nothing and writes nothing; an admin reassigns (REST and CLI, audited); profile changes are
audited with before/after hashes."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from industry_credit.canonical import content_sha256
from tests.api.conftest import Api
from tests.factories.documents import application, uscc_for, with_uscc


def _post(api: Api, doc: dict[str, Any], user: str) -> Any:
    return api.client.post("/v1/applications", json=doc, headers=api.headers(user))


def _counts(api: Api, uscc: str) -> tuple[Any, ...]:
    [row] = api.rows(
        "SELECT e.name, e.sector, e.updated_at,"
        " (SELECT count(*) FROM loan_applications a WHERE a.enterprise_id = e.id),"
        " (SELECT count(*) FROM financial_statements f WHERE f.enterprise_id = e.id),"
        " (SELECT max(received_at) FROM financial_statements f WHERE f.enterprise_id = e.id),"
        " (SELECT count(*) FROM audit_log) FROM enterprises e WHERE e.uscc = :u",
        u=uscc,
    )
    return tuple(row)


def test_another_rms_submission_is_refused_reveals_nothing_and_writes_nothing(api: Api) -> None:
    uscc = uscc_for(1501)
    assert _post(api, with_uscc(application(), uscc), "rm_li").status_code == 201
    before = _counts(api, uscc)

    hostile = with_uscc(application(), uscc)
    hostile["enterprise"]["name"] = "被覆盖的名称有限公司"
    hostile["enterprise"]["sector"] = "ai_pc"
    refused = _post(api, hostile, "rm_wang")
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["error"]["code"] == "not_owner"
    assert "rm_li" not in refused.text
    assert "name" not in body["error"]["message"]
    assert _counts(api, uscc) == before

    # Still nothing visible to the other RM.
    assert (
        api.client.get(f"/v1/enterprises/{uscc}", headers=api.headers("rm_wang")).status_code == 404
    )
    feed = {"alternative_data": [application()["alternative_data"][0]]}
    assert (
        api.client.post(
            f"/v1/enterprises/{uscc}/data", json=feed, headers=api.headers("rm_wang")
        ).status_code
        == 404
    )
    # The owner keeps submitting.
    assert _post(api, with_uscc(application(), uscc), "rm_li").status_code == 201


def test_admin_reassigns_over_rest_and_the_new_owner_takes_over(api: Api) -> None:
    uscc = uscc_for(1502)
    assert _post(api, with_uscc(application(), uscc), "rm_li").status_code == 201
    path = f"/v1/enterprises/{uscc}/owner"
    assert (
        api.client.put(path, json={"owner": "rm_wang"}, headers=api.headers("rm_li")).status_code
        == 403
    )
    bad = api.client.put(path, json={"owner": "officer_zhao"}, headers=api.headers("admin_sun"))
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["path"] == "$.owner"
    done = api.client.put(path, json={"owner": "rm_wang"}, headers=api.headers("admin_sun"))
    assert done.status_code == 200, done.text
    assert done.json() == {"uscc": uscc, "owner": "rm_wang", "previous": "rm_li"}
    [audit] = api.rows(
        "SELECT actor, payload FROM audit_log WHERE action = 'enterprise.owner_assign'"
        " AND entity_id = :u",
        u=uscc,
    )
    assert audit[0] == "admin_sun"
    assert audit[1] == {"previous": "rm_li", "owner": "rm_wang"}
    assert _post(api, with_uscc(application(), uscc), "rm_wang").status_code == 201
    assert _post(api, with_uscc(application(), uscc), "rm_li").status_code == 403
    assert (
        api.client.get(f"/v1/enterprises/{uscc}", headers=api.headers("rm_li")).status_code == 404
    )


def test_admin_reassigns_with_the_cli(api: Api) -> None:
    uscc = uscc_for(1503)
    assert _post(api, with_uscc(application(), uscc), "rm_li").status_code == 201
    env = {**os.environ, "DATABASE_URL": api.database_url, "INDUSTRY_CREDIT_ENV": "test"}
    command = [sys.executable, "-m", "industry_credit.cli", "enterprises", "assign", uscc]
    refused = subprocess.run(
        [*command, "--owner", "rm_wang", "--actor", "rm_li"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 3, refused.stderr
    done = subprocess.run(
        [*command, "--owner", "rm_wang", "--actor", "admin_sun"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{uscc}: owner rm_wang (was rm_li)"
    assert api.rows(
        "SELECT 1 FROM audit_log WHERE action = 'enterprise.owner_assign' AND entity_id = :u"
        " AND actor = 'admin_sun'",
        u=uscc,
    )
    assert _post(api, with_uscc(application(), uscc), "rm_wang").status_code == 201


def test_owner_profile_change_is_audited_with_before_and_after_hashes(api: Api) -> None:
    uscc = uscc_for(1504)
    first = with_uscc(application(), uscc)
    assert _post(api, first, "rm_li").status_code == 201
    # The same profile again: nothing to audit.
    assert _post(api, first, "rm_li").status_code == 201
    assert not api.rows(
        "SELECT 1 FROM audit_log WHERE action = 'enterprise.profile_change' AND entity_id = :u",
        u=uscc,
    )
    changed = with_uscc(application(), uscc)
    changed["enterprise"]["name"] = "上海新名称机器人有限公司"
    changed["enterprise"]["employees"] = first["enterprise"]["employees"] + 7
    assert _post(api, changed, "rm_li").status_code == 201
    [(actor, payload)] = api.rows(
        "SELECT actor, payload FROM audit_log WHERE action = 'enterprise.profile_change'"
        " AND entity_id = :u",
        u=uscc,
    )
    assert actor == "rm_li"
    assert payload["fields"] == ["employees", "name"]
    profile = {**first["enterprise"]}
    profile.setdefault("declared_stage", None)
    for flag in ("specialized_sme", "little_giant", "is_core_enterprise"):
        profile.setdefault(flag, False)
    assert payload["before_sha256"] == content_sha256(profile)
    assert payload["after_sha256"] == content_sha256(
        {**profile, "name": changed["enterprise"]["name"], "employees": profile["employees"] + 7}
    )
    assert "新名称" not in str(payload)
