"""The run's risk signals on real data: contagion, downgrades against the previous run, PSI."""

from __future__ import annotations

from datetime import date

from industry_credit.batch.compute import CONTAGION_FLAG_MIN, FLAG_CONTAGION, FLAG_DOWNGRADE
from tests.integration import test_batch_support as support
from tests.integration.test_batch_support import AS_OF, BatchEnv, run, sql

batch_env = support.batch_env  # the session fixture, shared by the batch test modules

DISTRESSED_MONTHS_FROM = date(2026, 7, 1)  # the three months before the as-of month


def _core_with_suppliers(url: str) -> tuple[int, list[tuple[int, float]]]:
    """A core enterprise and its suppliers' (id, sales share to it), the most dependent first."""
    rows = sql(
        url,
        """SELECT c.id, l.enterprise_id, l.share::float8
           FROM enterprises c JOIN supply_links l ON l.counterparty_uscc = c.uscc
           WHERE c.is_core_enterprise AND l.role = 'buyer'
             AND l.share >= :min ORDER BY c.id, l.share DESC""",
        min=CONTAGION_FLAG_MIN,
    )
    by_core: dict[int, list[tuple[int, float]]] = {}
    for core, supplier, share in rows:
        by_core.setdefault(core, []).append((supplier, share))
    core = max(by_core, key=lambda c: (len(by_core[c]), -c))
    return core, by_core[core]


def _circuit_breaker(url: str, enterprise_id: int) -> None:
    sql(
        url,
        "UPDATE alternative_data_monthly SET equipment_downtime_rate = 0.9,"
        " order_cancellation_rate = 0.9 WHERE enterprise_id = :e AND month >= :m",
        e=enterprise_id,
        m=DISTRESSED_MONTHS_FROM,
    )


def test_distressed_core_flags_its_suppliers_and_not_an_unrelated_firm(
    batch_env: BatchEnv,
) -> None:
    url = batch_env.database()
    core, suppliers = _core_with_suppliers(url)
    assert len(suppliers) >= 2
    ids = [core, *(s for s, _ in suppliers)]
    sql(url, "UPDATE enterprises SET in_portfolio = true WHERE id = ANY(:ids)", ids=ids)
    _circuit_breaker(url, core)
    # Room for every flagged firm: this test is about who is flagged, not the night's capacity.
    outcome = run(url, review_capacity=10_000)
    rows = {
        r[0]: r[1:]
        for r in sql(
            url,
            "SELECT enterprise_id, distress, contagion_score, flags FROM rescore_results",
        )
    }
    assert rows[core][0] == 1.0
    for supplier, share in suppliers:
        _, score, flags = rows[supplier]
        assert score >= share - 1e-9
        assert FLAG_CONTAGION in flags
    cases = {r[0] for r in sql(url, "SELECT enterprise_id FROM review_cases")}
    assert {s for s, _ in suppliers} <= cases
    sources = [e for e, r in rows.items() if r[0] > 0]
    exposed = {
        r[0]
        for r in sql(
            url,
            "SELECT l.enterprise_id FROM supply_links l JOIN enterprises c"
            " ON c.uscc = l.counterparty_uscc WHERE c.id = ANY(:s)",
            s=sources,
        )
    }
    unrelated = [e for e in rows if e not in exposed and e not in sources]
    assert unrelated
    assert all(rows[e][1] == 0 and FLAG_CONTAGION not in rows[e][2] for e in unrelated)
    (report,) = sql(url, "SELECT report FROM batch_runs WHERE id = :r", r=outcome.run_id)[0]
    members = {m for c in report["contagion"]["clusters"] for m in c["members"]}
    assert core in members  # the core and its flagged suppliers form one cluster


def test_downgrades_are_measured_against_the_previous_run(batch_env: BatchEnv) -> None:
    url = batch_env.database()
    first = run(url, as_of=date(2026, 9, 30))
    # The previous run rated the victim AAA (as if it had been the best firm of the book): the
    # test measures the batch's comparison with the previous run, not the model's sensitivity.
    (victim,) = sql(
        url,
        "SELECT enterprise_id FROM rescore_results WHERE as_of = '2026-09-30'"
        " AND distress = 0 AND grade NOT IN ('AAA', 'AA+', 'AA') ORDER BY enterprise_id LIMIT 1",
    )[0]
    sql(
        url,
        "UPDATE rescore_results SET grade = 'AAA', pd = 0.0002"
        " WHERE as_of = '2026-09-30' AND enterprise_id = :e",
        e=victim,
    )
    second = run(url)
    (prev, grade, notches, flags) = sql(
        url,
        "SELECT previous_grade, grade, notches, flags FROM rescore_results"
        " WHERE as_of = :d AND enterprise_id = :e",
        d=AS_OF,
        e=victim,
    )[0]
    assert prev is not None
    assert notches >= 2
    assert FLAG_DOWNGRADE in flags
    (report,) = sql(url, "SELECT report FROM batch_runs WHERE id = :r", r=second.run_id)[0]
    assert report["run"]["previous_run_id"] == first.run_id
    assert victim in {d["enterprise_id"] for d in report["downgrades"]["top"]}
    frm, to = report["grade_migration"]["from"], report["grade_migration"]["to"]
    assert report["grade_migration"]["matrix"][frm.index(prev)][to.index(grade)] >= 1
    assert "none" not in [
        frm[i] for i, row in enumerate(report["grade_migration"]["matrix"]) if sum(row)
    ]


def test_psi_alerts_on_a_shifted_population_only(batch_env: BatchEnv) -> None:
    plain = batch_env.database()
    shifted = batch_env.database()
    sql(shifted, "UPDATE enterprises SET employees = employees * 40 + 5000")
    psi = {}
    for name, url in (("plain", plain), ("shifted", shifted)):
        outcome = run(url)
        (report,) = sql(url, "SELECT report FROM batch_runs WHERE id = :r", r=outcome.run_id)[0]
        psi[name] = report["psi"]
    assert psi["plain"]["status"] != "alert"
    assert psi["plain"]["score"]["status"] != "alert"
    assert psi["shifted"]["features"]["employees"]["status"] == "alert"
    assert psi["shifted"]["status"] == "alert"
