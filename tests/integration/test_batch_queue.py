"""The nightly review queue over three nights on a real database: one open case per firm,
capacity, worsened and cleared cases, the queue's priority over REST, and the uniqueness of the
open case under concurrency (two runs at once, a run and an officer at once)."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from industry_credit.batch.enqueue import enqueue
from industry_credit.db import migrate
from industry_credit.rules.review_queue import QueuePolicy
from tests.factories import review as f
from tests.integration import test_batch_support as support
from tests.integration.test_batch_support import BatchEnv, run, sql

batch_env = support.batch_env  # the session fixture, shared by the batch test modules

NIGHTS = (date(2026, 10, 31), date(2026, 11, 2), date(2026, 11, 6))
# Below the first night's flagged firms without a must-review flag: some are deferred.
CAPACITY = 20
OPEN_BATCH = "source = 'batch_flag' AND status <> 'closed'"


def open_cases(url: str) -> dict[int, int]:
    """enterprise id -> case id of the open batch cases (asserting one per firm)."""
    rows = sql(url, f"SELECT enterprise_id, id FROM review_cases WHERE {OPEN_BATCH}")
    assert len(rows) == len({r[0] for r in rows}), "two open batch cases for one firm"
    return dict(rows)


def queue_report(url: str, run_id: str) -> dict[str, Any]:
    return sql(url, "SELECT report->'queue' FROM batch_runs WHERE id = CAST(:r AS uuid)", r=run_id)[
        0
    ][0]


def queue_order(url: str) -> list[int]:
    """Case ids of the open batch cases in the REST queue's default (priority) order."""
    engine = create_engine(url)
    try:
        with Session(engine) as s, s.begin():
            f.user(s, "officer_qi", "risk_officer")
    finally:
        engine.dispose()
    with TestClient(f.review_app(url)) as client:
        headers = f.bearer(client.app, "officer_qi", "risk_officer")  # type: ignore[arg-type]
        page = client.get("/v1/reviews?source=batch_flag&limit=200", headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["total"] <= 200
        return [item["case_id"] for item in body["items"]]


def _breaker(url: str, enterprise_id: int) -> None:
    """Downtime and cancellations jump in the months before the first night: an early warning."""
    sql(
        url,
        "UPDATE alternative_data_monthly SET equipment_downtime_rate = 0.9,"
        " order_cancellation_rate = 0.9 WHERE enterprise_id = :e AND month >= :m",
        e=enterprise_id,
        m=date(2026, 7, 1),
    )


@pytest.fixture(scope="module")
def nights(batch_env: BatchEnv) -> dict[str, Any]:
    url = batch_env.database()
    first = run(url, as_of=NIGHTS[0], review_capacity=CAPACITY)
    after_first = open_cases(url)
    order_first = queue_order(url)
    # The open case lowest in the queue without an early warning gets one before night two.
    flags = dict(sql(url, f"SELECT id, flags FROM review_cases WHERE {OPEN_BATCH}"))
    worsening = next(c for c in reversed(order_first) if "early_warning" not in flags[c])
    firm = {c: e for e, c in after_first.items()}[worsening]
    _breaker(url, firm)
    # A firm with nothing flagged on night one, given an open case as if from an earlier night.
    calm = sql(
        url,
        "SELECT enterprise_id FROM rescore_results WHERE run_id = CAST(:r AS uuid)"
        " AND NOT flags && ARRAY['early_warning','downgrade_2_notches','contagion',"
        "'pd_above_cutoff','green_compliance_violation']::varchar[]"
        " ORDER BY enterprise_id LIMIT 1",
        r=first.run_id,
    )[0][0]
    sql(
        url,
        "INSERT INTO review_cases (enterprise_id, batch_run_id, source, status, flags)"
        " VALUES (:e, CAST(:r AS uuid), 'batch_flag', 'open', ARRAY['contagion'])",
        e=calm,
        r=first.run_id,
    )
    second = run(url, as_of=NIGHTS[1], review_capacity=CAPACITY)
    after_second = open_cases(url)
    order_second = queue_order(url)
    third = run(url, as_of=NIGHTS[2], review_capacity=CAPACITY)
    return {
        "url": url,
        "runs": (first, second, third),
        "after": (after_first, after_second, open_cases(url)),
        "order": (order_first, order_second),
        "worsening": worsening,
        "calm": calm,
    }


def test_open_cases_stay_one_per_firm_and_keep_their_ids(nights: dict[str, Any]) -> None:
    url = nights["url"]
    after = nights["after"]
    (total, firms) = sql(
        url,
        "SELECT count(*), count(DISTINCT enterprise_id) FROM review_cases WHERE source = 'batch_flag'",
    )[0]
    assert total == firms  # nothing was closed, so every batch case ever made is open
    for earlier, later in ((after[0], after[1]), (after[1], after[2])):
        # A case still open keeps its id: later nights append to it.
        assert all(later[e] == c for e, c in earlier.items() if e in later)


def test_each_night_opens_within_capacity_plus_must_review(nights: dict[str, Any]) -> None:
    url = nights["url"]
    for outcome, before, after in zip(
        nights["runs"], (set(), *map(set, nights["after"][:2])), nights["after"], strict=True
    ):
        queue = queue_report(url, outcome.run_id)
        new = set(after) - before - {nights["calm"]}
        assert len(new) == queue["opened"] == outcome.review_cases
        assert queue["opened_within_capacity"] <= CAPACITY
        flagged_new = sql(
            url,
            "SELECT count(*) FROM review_case_signals WHERE run_id = CAST(:r AS uuid)"
            " AND state = 'new'",
            r=outcome.run_id,
        )[0][0]
        assert flagged_new == len(new)
    # Nights two and three open only firms newly flagged (or that a person must see).
    queue_flags = ("early_warning", "downgrade_2_notches", "contagion")
    must = ("pd_above_cutoff", "green_compliance_violation")
    for earlier, later in zip(nights["runs"], nights["runs"][1:], strict=False):
        rows = sql(
            url,
            "SELECT s.flags, p.flags FROM review_case_signals s"
            " JOIN review_cases c ON c.id = s.case_id"
            " LEFT JOIN rescore_results p ON p.enterprise_id = c.enterprise_id"
            "  AND p.run_id = CAST(:prev AS uuid)"
            " WHERE s.run_id = CAST(:r AS uuid) AND s.state = 'new'",
            r=later.run_id,
            prev=earlier.run_id,
        )
        for now, before in rows:
            assert set(now) & set(must) or (set(now) & set(queue_flags)) - set(before or [])
        deferred = queue_report(url, later.run_id)["deferred"]
        assert deferred["carried_from_earlier_nights"] > 0
    # Night one opened many; nights two and three only firms not already in the queue.
    first, second, _third = (queue_report(url, o.run_id) for o in nights["runs"])
    assert first["opened"] > second["opened"] >= 0
    # Every case open before night two (night one's and the calm firm's) took its signal.
    assert second["appended"] + second["cleared"] == len(nights["after"][0]) + 1


def test_a_worsened_case_is_marked_and_moves_up(nights: dict[str, Any]) -> None:
    url = nights["url"]
    case_id = nights["worsening"]
    order_first, order_second = nights["order"]
    signals = sql(
        url,
        "SELECT s.as_of, s.state, s.changes FROM review_case_signals s"
        " WHERE s.case_id = :c ORDER BY s.as_of",
        c=case_id,
    )
    assert [s[1] for s in signals][:2] == ["new", "worsened"]
    assert "new_flag:early_warning" in signals[1][2]
    assert order_second.index(case_id) < order_first.index(case_id)
    # Worsened cases come before every case that did not worsen (none is over the SLA yet).
    states = dict(sql(url, f"SELECT id, signal_state FROM review_cases WHERE {OPEN_BATCH}"))
    assert states[case_id] in ("worsened", "unchanged")  # night three saw no further change


def test_a_cleared_case_is_marked_and_left_open(nights: dict[str, Any]) -> None:
    url = nights["url"]
    calm = nights["calm"]
    (status, state, closed) = sql(
        url,
        "SELECT status, signal_state, closed_at FROM review_cases WHERE enterprise_id = :e",
        e=calm,
    )[0]
    assert (status, state, closed) == ("open", "cleared", None)


def test_every_open_case_carries_its_nightly_history(nights: dict[str, Any]) -> None:
    url = nights["url"]
    first_cases = set(nights["after"][0].values())
    counts = dict(sql(url, "SELECT case_id, count(*) FROM review_case_signals GROUP BY case_id"))
    assert all(counts[c] == 3 for c in first_cases)
    runs = {
        r[0]
        for r in sql(
            url,
            "SELECT DISTINCT run_id::text FROM review_case_signals WHERE case_id = ANY(:ids)",
            ids=list(first_cases),
        )
    }
    assert runs == {o.run_id for o in nights["runs"]}


def test_the_database_refuses_a_second_open_batch_case(nights: dict[str, Any]) -> None:
    url = nights["url"]
    firm = next(iter(nights["after"][2]))
    with pytest.raises(IntegrityError):
        sql(
            url,
            "INSERT INTO review_cases (enterprise_id, source, status) VALUES (:e, 'batch_flag', 'open')",
            e=firm,
        )


def _enqueue_in_thread(
    url: str, run_id: str, as_of: date, hold: float, started: threading.Event, errors: list[Any]
) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            started.set()
            enqueue(
                conn,
                run_id=run_id,
                as_of=as_of,
                cutoff=as_of,  # type: ignore[arg-type]
                portfolio=1000,
                policy=QueuePolicy(),
                capacity=1000,
            )
            time.sleep(hold)  # hold the transaction open while the other one runs into it
    except Exception as exc:  # reported to the test thread
        errors.append(exc)
    finally:
        engine.dispose()


def test_two_runs_at_once_open_one_case_per_firm(batch_env: BatchEnv) -> None:
    url = batch_env.database()
    outcome = run(url, review_capacity=0)
    sql(url, "UPDATE review_cases SET status = 'closed', closed_at = now()")
    errors: list[Any] = []
    events = [threading.Event(), threading.Event()]
    threads = [
        threading.Thread(
            target=_enqueue_in_thread,
            args=(url, outcome.run_id, date(2026, 10, 31), hold, ev, errors),
        )
        for hold, ev in zip((1.5, 0.0), events, strict=True)
    ]
    threads[0].start()
    events[0].wait(5)
    time.sleep(0.3)
    threads[1].start()
    for t in threads:
        t.join(30)
    assert not errors
    cases = open_cases(url)
    flagged = sql(
        url,
        "SELECT count(*) FROM rescore_results WHERE flags && ARRAY['early_warning',"
        "'downgrade_2_notches','contagion','pd_above_cutoff','green_compliance_violation']::varchar[]",
    )[0][0]
    assert len(cases) == flagged > 0
    # One signal per case and run, whichever transaction wrote it.
    assert sql(
        url,
        "SELECT count(*) FROM review_case_signals s JOIN review_cases c ON c.id = s.case_id"
        f" WHERE c.{OPEN_BATCH.replace(' AND ', ' AND c.')}",
    )[0][0] == len(cases)


def test_a_case_an_officer_closes_during_the_run_is_replaced_not_doubled(
    batch_env: BatchEnv,
) -> None:
    url = batch_env.database()
    outcome = run(url, review_capacity=0)
    firm, case_id = next(iter(open_cases(url).items()))
    engine = create_engine(url)
    errors: list[Any] = []
    started = threading.Event()
    try:
        with engine.connect() as officer:
            tx = officer.begin()
            officer.execute(
                text("SELECT id FROM review_cases WHERE id = :c FOR UPDATE"), {"c": case_id}
            )
            officer.execute(
                text("UPDATE review_cases SET status = 'closed', closed_at = now() WHERE id = :c"),
                {"c": case_id},
            )
            worker = threading.Thread(
                target=_enqueue_in_thread,
                args=(url, outcome.run_id, date(2026, 10, 31), 0.0, started, errors),
            )
            worker.start()
            started.wait(5)
            time.sleep(0.5)  # the run reaches the locked row and waits for the officer
            tx.commit()
            worker.join(30)
    finally:
        engine.dispose()
    assert not errors
    cases = open_cases(url)
    assert firm in cases
    assert cases[firm] != case_id
    (status,) = sql(url, "SELECT status FROM review_cases WHERE id = :c", c=case_id)[0]
    assert status == "closed"


def test_the_migration_merges_duplicate_open_cases(batch_env: BatchEnv) -> None:
    """Before 20261205_08 every night queued the firm again; upgrading keeps the oldest case
    open with the newest run's flags and closes the younger copies without an outcome."""
    url = batch_env.database()
    outcome = run(url, review_capacity=5)
    migrate.downgrade(url, "20261204_06")
    firm, case_id = sql(url, "SELECT enterprise_id, id FROM review_cases ORDER BY id LIMIT 1")[0]
    sql(
        url,
        "INSERT INTO review_cases (enterprise_id, batch_run_id, source, status, flags)"
        " VALUES (:e, CAST(:r AS uuid), 'batch_flag', 'open', ARRAY['contagion'])",
        e=firm,
        r=outcome.run_id,
    )
    migrate.upgrade(url)
    rows = sql(
        url,
        "SELECT id, status, final_outcome FROM review_cases WHERE enterprise_id = :e ORDER BY id",
        e=firm,
    )
    assert [(r[0] == case_id, r[1], r[2]) for r in rows] == [
        (True, "open", None),
        (False, "closed", None),
    ]
    assert open_cases(url)[firm] == case_id
    signals = sql(
        url, "SELECT case_id, state FROM review_case_signals WHERE case_id = :c", c=case_id
    )
    assert signals == [(case_id, "new")]


def test_the_morning_digest_lists_the_latest_night_for_officers_only(
    nights: dict[str, Any],
) -> None:
    url = nights["url"]
    last = nights["runs"][-1]
    engine = create_engine(url)
    try:
        with Session(engine) as s, s.begin():
            f.user(s, "officer_dai", "risk_officer")
            f.user(s, "rm_dai", "rm")
    finally:
        engine.dispose()
    with TestClient(f.review_app(url)) as client:
        officer = f.bearer(client.app, "officer_dai", "risk_officer")  # type: ignore[arg-type]
        rm = f.bearer(client.app, "rm_dai", "rm")  # type: ignore[arg-type]
        assert client.get("/v1/reviews/digest").status_code == 401
        assert client.get("/v1/reviews/digest", headers=rm).status_code == 403
        got = client.get("/v1/reviews/digest", headers=officer)
        assert got.status_code == 200, got.text
        body = got.json()
        panorama = client.get("/v1/reviews/reports/panorama", headers=officer)
        assert panorama.status_code == 200, panorama.text
        deferred = panorama.json()["deferred"]
    assert body["run"]["run_id"] == last.run_id
    for key, state in (("new", "new"), ("worsened", "worsened"), ("cleared", "cleared")):
        expected = sql(
            url,
            f"SELECT count(*) FROM review_cases WHERE {OPEN_BATCH} AND signal_state = :s"
            + ("" if state == "cleared" else " AND batch_run_id = CAST(:r AS uuid)"),
            s=state,
            r=last.run_id,
        )[0][0]
        assert body[key]["count"] == expected
    assert body["cleared"]["count"] >= 1
    assert nights["calm"] in {i["enterprise"]["id"] for i in body["cleared"]["items"]}
    assert body["deferred"]["count"] == queue_report(url, last.run_id)["deferred"]["count"]
    assert deferred == queue_report(url, last.run_id)["deferred"]
    assert body["sla_at_risk"]["count"] == 0  # every case is younger than 54 hours
    with TestClient(f.review_app(url, env="demo"), follow_redirects=False) as web:
        page = web.get("/ui/digest")
        assert page.status_code == 303
        assert page.headers["location"] == "/ui/login?next=/ui/digest"
        assert f.ui_sign_in(web, username="officer_dai", next="/ui/digest").status_code == 303
        page = web.get("/ui/digest")
        assert page.status_code == 200
        assert '<meta charset="utf-8">' in page.text
        for key in ("new", "worsened", "cleared", "sla_at_risk"):
            assert f'id="digest-{key}" data-count="{body[key]["count"]}"' in page.text
        assert f'href="/ui/cases/{body["cleared"]["items"][0]["case_id"]}"' in page.text
