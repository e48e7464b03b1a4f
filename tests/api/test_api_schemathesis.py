"""Schemathesis against the app's own OpenAPI: bounded examples, zero failures, no 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.api.conftest import Api


@pytest.fixture(scope="module")
def api_schema(api: Api) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", api.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_own_schema(case: schemathesis.Case, api: Api) -> None:
    case.call_and_validate(headers=api.headers("officer_zhao"))
