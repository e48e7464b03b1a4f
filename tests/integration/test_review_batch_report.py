"""The nightly run's report in the workbench over real HTTP, in zh and en: firms by name with a
link to their case, early-warning columns where their headers say, amounts in 万元/亿元."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func
from sqlalchemy.orm import Session

from industry_credit.db.models import BatchRun
from tests.factories import review as f


def test_run_report_in_the_app(fresh_database: Any) -> None:
    url = fresh_database()
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        f.user(s, "br_officer", "risk_officer")
        down = f.enterprise(s, name="降级示例终端有限公司", sector="robot", district="lingang")
        warn = f.enterprise(s, name="停机示例制造有限公司", sector="ai_pc", district="pudong")
        case = f.batch_flag_case(s, ent=down, pd=0.09, grade="B")
        case_id, warn_id, down_id, down_uscc = case.id, warn.id, down.id, down.uscc
    # The reported run starts after the one that queued the case: it is the latest.
    with Session(engine) as s, s.begin():
        report = {
            "run": {"as_of": "2026-12-03", "data_cutoff": "2026-11-30", "model_version": "m"},
            "counts": {
                "enterprises": 2000,
                "by_outcome": {"approve": 1500, "refer": 400, "decline": 100},
                "flagged": 37,
                "early_warnings": 5,
                "downgrades_2_notches": 12,
                "contagion_flagged": 3,
            },
            "downgrades": {
                "count": 12,
                "min_notches": 2,
                "top": [
                    {
                        "enterprise_id": down_id,
                        "uscc": down_uscc,
                        "sector": "robot",
                        "district": "lingang",
                        "previous_grade": "BBB",
                        "grade": "B",
                        "notches": 5,
                        "pd": 0.09,
                    }
                ],
            },
            "early_warnings": {
                "count": 5,
                "top": [
                    {"enterprise_id": warn_id, "downtime_jump": 0.183, "cancellation_jump": None}
                ],
            },
            "contagion": {
                "n_clusters": 1,
                "clusters": [
                    {
                        "size": 2,
                        "members": [down_id, warn_id],
                        "core_enterprises": 0,
                        "exposure": 1_250_000_000.0,
                        "sectors": ["ai_pc", "robot"],
                        "districts": ["lingang", "pudong"],
                    }
                ],
            },
            "psi": {"status": "warn"},
        }
        s.add(
            BatchRun(
                id=uuid.uuid4(),
                as_of=date(2026, 12, 3),
                status="succeeded",
                chunk_size=100,
                model_version=f.MODEL_VERSION,
                ruleset_version=f.RULESET_VERSION,
                finished_at=func.now(),
                report=report,
                report_html="<h1>nightly</h1>",
            )
        )
    engine.dispose()
    with TestClient(f.review_app(url, env="demo"), follow_redirects=False) as client:
        assert f.ui_sign_in(client, **{"username": "br_officer"}).status_code == 303
        zh = html.unescape(re.sub(r"\s+", " ", client.get("/ui/batch/report").text))
        client.get("/ui/lang?to=en&next=/ui/queue")
        en = html.unescape(re.sub(r"\s+", " ", client.get("/ui/batch/report").text))
    assert "夜间批量运行报告 · 2026-12-03" in zh
    downgrades = zh[zh.index('id="batch-downgrades"') :]
    assert (
        f'<a href="/ui/cases/{case_id}" class="firm-link" data-case="{case_id}">降级示例终端有限公司</a>'
        in downgrades
    )
    assert "BBB → B" in downgrades
    assert "临港新片区" in downgrades
    early = zh[zh.index('id="batch-early"') : zh.index('id="batch-clusters"')]
    row = early[early.index(f'data-enterprise="{warn_id}"') :]
    assert "停机示例制造有限公司" in row
    assert re.search(r'class="num downtime">\+18\.3 个百分点<', row), row[:400]
    assert 'class="num cancellation">—<' in row
    clusters = zh[zh.index('id="batch-clusters"') :]
    assert "12.50 亿元" in clusters
    assert "停机示例制造有限公司" in clusters
    assert 'id="contagion-flagged">3<' in zh
    assert 'href="/ui/batch/latest"' in zh
    assert "Nightly run report · 2026-12-03" in en
    assert "Downtime jump" in en
    assert "CNY 1.25bn" in en
    assert "Lingang" in en
