"""The production path as an operator runs it: only the documented CLI and HTTP, no helper.

Fresh database, ``db upgrade``, users, ruleset, model, ``serve`` in its own process, two
applications (one referred and worked by two officers), then ``rescore``, ``decisions replay``
and ``audit verify``, all in production mode with a real secret.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from industry_credit.config import PROJECT_ROOT
from industry_credit.db.admin import create_fresh_database, drop_database
from tests.conftest import server_url
from tests.factories.documents import application, healthy_industrial_maker, uscc_for, with_uscc

REASON = {"reason": "运营路径测试：材料齐全，同意引擎结论。"}


def cli_command() -> list[str]:
    """The installed ``industry-credit`` script beside this interpreter (what operators run)."""
    script = Path(sys.executable).parent / "industry-credit"
    found = str(script) if script.exists() else shutil.which("industry-credit")
    return [found] if found else [sys.executable, "-m", "industry_credit.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def production_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An empty (unmigrated) database and a production environment pointing at it."""
    url = create_fresh_database(server_url(), prefix="ic_operator")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INDUSTRY_CREDIT_")}
    env.update(
        DATABASE_URL=url,
        INDUSTRY_CREDIT_ENV="production",
        INDUSTRY_CREDIT_JWT_SECRET="operator-path-test-secret-" + "x" * 40,
        INDUSTRY_CREDIT_DATA_DIR=str(tmp_path / "data"),
        INDUSTRY_CREDIT_AUDIT_CHECKPOINT_PATH=str(tmp_path / "worm" / "audit.checkpoints"),
        INDUSTRY_CREDIT_AUDIT_CHECKPOINT_KEY="operator-path-checkpoint-key-" + "k" * 20,
    )
    try:
        yield env
    finally:
        drop_database(url)


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*cli_command(), *args], env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc


def test_the_documented_production_path_decides_reviews_rescores_and_replays(
    production_env: dict[str, str],
) -> None:
    env = production_env
    run(env, "db", "upgrade")
    for username, role in (
        ("ops_admin", "admin"),
        ("ops_rm", "rm"),
        ("ops_officer_a", "risk_officer"),
        ("ops_officer_b", "risk_officer"),
    ):
        run(env, "users", "create", "--username", username, "--role", role)

    # Before a model is active, serve refuses with one line naming the command that fixes it.
    refused = run(env, "serve", "--port", str(_free_port()), check=False)
    assert refused.returncode == 2
    [line] = [ln for ln in refused.stderr.splitlines() if ln.strip()]
    assert "industry-credit models activate" in line, line

    ruleset = PROJECT_ROOT / "src" / "industry_credit" / "rules" / "default_ruleset.yaml"
    loaded = run(env, "rules", "load", str(ruleset), "--by", "ops_admin").stdout.split()[-1]
    run(env, "rules", "activate", loaded, "--actor", "ops_admin")
    registered = run(
        env, "models", "register", str(PROJECT_ROOT / "data" / "model"), "--by", "ops_admin"
    )
    version = registered.stdout.split()[-1]
    assert (
        run(env, "models", "activate", version, "--actor", "rm_nobody", check=False).returncode == 3
    )
    run(env, "models", "activate", version, "--actor", "ops_admin")
    listed = run(env, "models", "list").stdout
    assert f"* {version}" in listed

    def token(username: str, role: str) -> dict[str, str]:
        issued = run(env, "token", "issue", "--subject", username, "--role", role).stdout.strip()
        return {"Authorization": f"Bearer {issued}"}

    rm = token("ops_rm", "rm")
    officers = [token("ops_officer_a", "risk_officer"), token("ops_officer_b", "risk_officer")]

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*cli_command(), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert server.poll() is None, server.communicate(timeout=10)[0]
        with httpx.Client(base_url=base, timeout=60) as client:
            first = client.post("/v1/applications", json=healthy_industrial_maker(), headers=rm)
            assert first.status_code == 201, first.text
            # A start-up leaning on one foreign chip supplier is referred; asking for more than
            # the four-eyes threshold, its approval needs two officers.
            risky = with_uscc(application(request={"amount": 60_000_000}), uscc_for(7103))
            risky["supply_chain"].append(
                {
                    "counterparty_uscc": uscc_for(7104),
                    "counterparty_name": "境外芯片供应商",
                    "role": "supplier",
                    "share": 0.9,
                    "on_time_delivery_rate": 0.95,
                    "avg_payment_days": 60,
                    "imported_component_share": 0.95,
                }
            )
            referred = client.post("/v1/applications", json=risky, headers=rm)
            assert referred.status_code == 201, referred.text
            assert referred.json()["outcome"] == "refer", referred.json()
            queue = client.get("/v1/reviews", headers=officers[0]).json()
            [case] = [
                item
                for item in queue["items"]
                if item["application_id"] == referred.json()["application_id"]
            ]
            url = f"/v1/reviews/{case['case_id']}/approve"
            once = client.post(url, json=REASON, headers=officers[0])
            assert once.status_code == 200, once.text
            assert once.json()["status"] == "awaiting_second"
            twice = client.post(url, json=REASON, headers=officers[1])
            assert twice.status_code == 200, twice.text
            assert twice.json()["status"] == "closed"
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)

    rescored = run(env, "rescore", "--as-of", date.today().isoformat())
    assert "failed" not in rescored.stdout, rescored.stdout
    replayed = run(env, "decisions", "replay")
    assert "replayed 2 decisions: 2 identical, 0 differ" in replayed.stdout
    verified = run(env, "audit", "verify")
    assert verified.stdout.startswith("audit chain intact")
    # The batch's finish wrote a signed checkpoint, and the chain matches it.
    assert "matching the latest signed checkpoint" in verified.stdout


def test_compose_bootstrap_script_is_idempotent(production_env: dict[str, str]) -> None:
    """docker-compose's one-shot ``bootstrap`` runs deploy/bootstrap.sh on every deployment."""
    env = {
        **production_env,
        "BOOTSTRAP_ADMIN": "ops_admin",
        "RULESET": str(PROJECT_ROOT / "src" / "industry_credit" / "rules" / "default_ruleset.yaml"),
        "MODEL_DIR": str(PROJECT_ROOT / "data" / "model"),
        "PATH": f"{Path(cli_command()[0]).parent}{os.pathsep}{os.environ['PATH']}",
    }
    script = str(PROJECT_ROOT / "deploy" / "bootstrap.sh")
    for _ in range(2):
        proc = subprocess.run(["sh", script], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    models = run(env, "models", "list").stdout.splitlines()
    assert len(models) == 1
    assert models[0].startswith("* ")
    rules = run(env, "rules", "list").stdout.splitlines()
    assert len(rules) == 1
    assert rules[0].startswith("* ")
    verified = run(env, "audit", "verify").stdout
    # user.create, ruleset.load, ruleset.activate, model.register, model.activate: once each.
    assert verified.startswith("audit chain intact: 5 entries")
