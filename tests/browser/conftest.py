"""A live server (uvicorn in a thread, on a free port) over a seeded database, and a real
headless Chromium driven by Playwright. Without /usr/bin/chromium the browser tests skip."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from industry_credit.config import PROJECT_ROOT
from tests.browser.seed import Seeded, seed_workbench
from tests.factories import review as f

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
DOC_SHOTS = PROJECT_ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass(frozen=True)
class Live:
    base_url: str
    seeded: Seeded
    database_url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live(fresh_database: Callable[[], str]) -> Iterator[Live]:
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Chromium at /usr/bin/chromium: "
            "apt-get install chromium fonts-noto-cjk"
        )
    url = fresh_database()
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        seeded = seed_workbench(session)
    engine.dispose()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            f.review_app(url, env="demo"), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", seeded, url)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at laptop size."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shoot(page: Any, name: str) -> Path:
    """Full-page PNG into the git-ignored artifacts; with UPDATE_DOC_SCREENSHOTS=1 also into
    docs/screenshots, the set committed with the code (compressed with pngquant if present)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_DOC_SCREENSHOTS") == "1":
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        target = DOC_SHOTS / f"{name}.png"
        shutil.copyfile(path, target)
        # Committed images stay small: a palette PNG is a third of the size and looks the same.
        if shutil.which("pngquant"):
            subprocess.run(
                [
                    "pngquant",
                    "--quality=70-90",
                    "--speed=1",
                    "--force",
                    "--output",
                    str(target),
                    str(path),
                ],
                check=False,
            )
    return path


def login(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/ui/login")
    page.fill("input[name=username]", username)
    page.click("#login-form button[type=submit]")
