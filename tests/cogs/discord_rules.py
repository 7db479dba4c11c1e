"""Every request a test made validates against Discord's OpenAPI description, and keeps the
project's own rules (no pings, embeds within limits): used by the Discord-native tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.openapi_check import (
    load_openapi,
    openapi_problems,
    openapi_spec_candidate,
    openapi_spec_path,
    request_rule_problems,
)


@pytest.fixture
def every_request_valid(simcord_env: Any) -> Iterator[None]:
    """After the test: no request broke Discord's OpenAPI description or the project's rules."""
    yield
    spec = openapi_spec_path()
    if spec is None:
        if os.environ.get("CI"):
            raise RuntimeError(
                f"CI expects Discord's OpenAPI description at {openapi_spec_candidate()}"
            )
        pytest.skip(f"Discord's OpenAPI description is not at {openapi_spec_candidate()}")
    description = load_openapi(spec)
    requests = simcord_env.http_requests
    problems = [p for r in requests for p in openapi_problems(description, r)]
    problems += request_rule_problems(requests)
    assert problems == [], "\n".join(problems)
