"""Deployment files parse and describe what they should (no Docker engine runs here)."""

from __future__ import annotations

import yaml

from industry_credit.config import PROJECT_ROOT


def test_compose_has_postgres_one_shot_bootstrap_and_app() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"postgres", "bootstrap", "app"}
    assert services["bootstrap"]["command"] == ["sh", "/app/deploy/bootstrap.sh"]
    assert services["bootstrap"]["restart"] == "no"
    waits = services["app"]["depends_on"]["bootstrap"]["condition"]
    assert waits == "service_completed_successfully"
    assert "DATABASE_URL" in services["app"]["environment"]


def test_dockerfile_serves_the_cli() -> None:
    text = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["industry-credit", "serve"' in text
    assert "USER app" in text


def test_env_example_documents_every_setting() -> None:
    from industry_credit.config import Settings

    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name == "database_url":
            assert "DATABASE_URL=" in example
            continue
        if name in ("ruleset_path",):
            continue
        assert f"INDUSTRY_CREDIT_{name.upper()}" in example, name


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in readme.split("##")[0]
    assert "bash scripts/test.sh" in ci
