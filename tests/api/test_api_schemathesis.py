"""Schemathesis against the app's own OpenAPI over real HTTP: bounded examples, default checks,
zero failures and no 5xx.

The schema is taken from an app built without touching a database (engines connect lazily), so
it is available when pytest collects; the calls go to the live server on a migrated database.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from industry_credit.main import create_app
from tests.api.conftest import LiveServer, api_settings

# Thousands of generated requests: the full suite runs them, the fast subset does not.
pytestmark = pytest.mark.slow

_SCHEMA_APP = create_app(
    database_url="postgresql+psycopg://schema-only@127.0.0.1:1/none", settings=api_settings()
)
schema = schemathesis.openapi.from_dict(_SCHEMA_APP.openapi())
# Business rules that JSON Schema cannot express (the USCC check digit, dates not in the future,
# current assets within total assets, unique fiscal years) rightly refuse some schema-valid
# documents, so "schema-valid request rejected" is not a defect here; every other default check runs.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


@schema.parametrize()
# Derandomized: CI replays exactly the examples verified here; new seeds are explored on purpose.
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_own_schema(case: schemathesis.Case, live: LiveServer) -> None:
    response = case.call_and_validate(
        base_url=live.base_url,
        headers=live.api.headers("officer_zhao"),
        timeout=60,
        excluded_checks=EXCLUDED,
    )
    assert response.status_code < 500
