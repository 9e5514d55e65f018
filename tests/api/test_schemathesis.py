"""schemathesis against our own OpenAPI schema, in-process, with a publisher's token.

Every generated request must get an answer that is not a server error and, when the schema
describes it, matches the schema (body and content type). Each operation gets its own
Hypothesis run inside one test (schemathesis' pytest loader does not support pytest 9 yet).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.api.conftest import issue_token, make_review

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES_PER_OPERATION = 30


@pytest.fixture
def keep_test_connection():
    # Like Django's test client: a request must not close the connection holding the test's
    # transaction (on PostgreSQL it would, at the end of each WSGI request).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_every_operation_conforms_to_the_schema(publisher, keep_test_connection):
    make_review()
    headers = {"Authorization": f"Bearer {issue_token(publisher)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def conforms(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()
