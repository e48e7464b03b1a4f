"""The baseline for the API benchmark: validate the same document, do one INSERT, answer 201.

Run by bench_api in its own uvicorn process, exactly like the real service.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from sqlalchemy import create_engine, text

from industry_credit.applications.schemas import ApplicationDocument

engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=20, max_overflow=20)
with engine.begin() as conn:
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, uscc text, amount numeric)"
        )
    )

app = FastAPI()


@app.post("/bare", status_code=201)
def bare(document: ApplicationDocument) -> dict[str, Any]:
    with engine.begin() as conn:
        new_id = conn.execute(
            text("INSERT INTO bench_bare (uscc, amount) VALUES (:u, :a) RETURNING id"),
            {"u": document.enterprise.uscc, "a": document.request.amount},
        ).scalar_one()
    return {"id": new_id}
