"""Every REST request of a simcord test validated against Discord's OpenAPI description (as
`test_openapi.py` does), for test modules that opt in with `pytestmark` and the fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.openapi_check import (
    load_openapi,
    openapi_problems,
    openapi_spec_candidate,
    openapi_spec_path,
    request_rule_problems,
)

SPEC = openapi_spec_path()


@pytest.fixture(autouse=True)
def every_request_is_valid(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the test: each request the bot made is valid for Discord and pings nobody."""
    if "simcord_env" not in request.fixturenames:
        yield
        return
    env = request.getfixturevalue("simcord_env")
    yield
    problems = request_rule_problems(env.http_requests)
    if SPEC is not None:
        spec = _spec()
        problems += [p for r in env.http_requests for p in openapi_problems(spec, r)]
    else:
        print(f"(OpenAPI description not at {openapi_spec_candidate()}: rules checked only)")
    assert problems == [], "\n".join(problems)


_loaded: list[object] = []


def _spec():  # type: ignore[no-untyped-def]
    if not _loaded:
        assert SPEC is not None
        _loaded.append(load_openapi(SPEC))
    return _loaded[0]
