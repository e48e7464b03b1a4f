"""The workbench's routers as one, for ``create_app`` to include."""

from __future__ import annotations

from fastapi import APIRouter

from industry_credit.review import (
    ui,
    ui_batch,
    ui_case,
    ui_digest,
    ui_memo,
    ui_models,
    ui_panorama,
)

router = APIRouter()
router.include_router(ui.router)
router.include_router(ui_case.router)
router.include_router(ui_panorama.router)
router.include_router(ui_memo.router)
router.include_router(ui_batch.router)
router.include_router(ui_digest.router)
router.include_router(ui_models.router)
