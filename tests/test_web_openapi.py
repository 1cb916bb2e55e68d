"""The JSON API's OpenAPI schema describes every body and answer, and schemathesis finds
nothing wrong when it calls the API with data made from the schema (bounded examples)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from test_web_support import ORIGIN, make_harness

HOST = {"host": "127.0.0.1:8000"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    harness = make_harness(tmp_path_factory.mktemp("openapi"))
    yield harness.app
    harness.store.close()


def test_every_operation_documents_its_bodies_and_answers(app: Any) -> None:
    document = app.openapi()
    for path, operations in document["paths"].items():
        assert path.startswith("/api/"), path
        for method, operation in operations.items():
            answers = operation["responses"]
            assert "200" in answers, (method, path)
            if method == "post":
                assert "requestBody" in operation, (method, path)
                assert {"400", "413"} <= set(answers), (method, path)
    assert "/api/uploads/{job_id}" in document["paths"]


def test_the_api_keeps_to_its_schema(app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=HOST)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        # Bytes that fit the schema of a video need not be a video: a 400 is right there.
        excluded = (
            [schemathesis.checks.positive_data_acceptance]
            if operation.path == "/api/uploads"
            else []
        )
        # Data that breaks the schema (negative) only where there is input to break.
        modes = [GenerationMode.POSITIVE]
        if operation.method.upper() == "POST":
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            check(operation, mode, excluded)


def check(operation: Any, mode: GenerationMode, excluded: list[Any]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def keeps_to_schema(case: Any) -> None:
        case.call_and_validate(headers={"origin": ORIGIN, **HOST}, excluded_checks=excluded)

    keeps_to_schema()
