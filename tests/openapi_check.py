"""Checks on the REST requests the bot made, as simcord records them in `env.http_requests`.

Two kinds of check:

- `openapi_problems`: does the request match Discord's official OpenAPI description? The
  request path is resolved to the description's path template, the operation is found by method,
  query parameter names are checked, and the JSON body is validated against the operation's
  request-body schema with `jsonschema` (Draft 2020-12, the dialect of OpenAPI 3.1; `$ref`s
  resolve inside the description through a `referencing` registry). A multipart body (files) is
  recorded by simcord as its `payload_json` part, which is what gets validated. One deliberate
  relaxation: snowflakes may be JSON integers (see `_accept_integer_snowflakes`).
- `ping_problems` and `embed_problems`: the project's own rules for every message the bot sends
  — `allowed_mentions` that ping nobody, and embeds within Discord's limits.

The description is not part of the project: it is read from `DISCORD_OPENAPI_PATH`, or from
`../shared/reference/discord-openapi.json` next to the project; `openapi_spec_path()` returns
None when neither exists, and the tests that need it skip with a clear reason.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import discord
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.cards.embed import embed_length_ok

SPEC_ENV_VAR = "DISCORD_OPENAPI_PATH"
_SHARED = Path(
    os.environ.get("LOOKBACK_SHARED", Path(__file__).resolve().parents[1].parent / "shared")
)
DEFAULT_SPEC_PATH = _SHARED / "reference" / "discord-openapi.json"
SPEC_URI = "urn:discord:openapi"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
# Routes whose body is a message (or an interaction callback carrying one in `data`).
_MESSAGE_ROUTES = (
    re.compile(r"^/channels/\d+/messages(/\d+)?$"),
    re.compile(r"^/webhooks/\d+/[^/]+(/messages/(@original|\d+))?$"),
    re.compile(r"^/interactions/\d+/[^/]+/callback$"),
)
# Interaction callback types that carry a message in `data` (4 reply, 7 update message).
_MESSAGE_CALLBACK_TYPES = frozenset({4, 7})


class LoggedRequest(Protocol):
    """The fields of simcord's `HttpLogEntry` that the checks read."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def params(self) -> dict[str, Any]: ...

    @property
    def json(self) -> Any: ...


def openapi_spec_candidate() -> Path:
    """Where Discord's OpenAPI description should be (`DISCORD_OPENAPI_PATH` or the default)."""
    override = os.environ.get(SPEC_ENV_VAR)
    return Path(override) if override else DEFAULT_SPEC_PATH


def openapi_spec_path() -> Path | None:
    """Where Discord's OpenAPI description is, or None when it is not on this machine."""
    path = openapi_spec_candidate()
    return path if path.is_file() else None


@dataclass(frozen=True)
class _Operation:
    template: str
    method: str
    query_names: frozenset[str]
    body_pointer: str | None  # JSON pointer to the request-body schema in the description
    body_required: bool


def _pointer(*parts: str) -> str:
    return "".join("/" + quote(p.replace("~", "~0").replace("/", "~1"), safe="~@") for p in parts)


class OpenAPIDescription:
    """Discord's OpenAPI description, indexed for looking requests up and validating bodies."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        spec = _accept_integer_snowflakes(spec)
        self.spec = spec
        self.version = str(spec.get("info", {}).get("version", "?"))
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        dialect = spec.get("jsonSchemaDialect")
        # OpenAPI 3.1's default dialect is JSON Schema 2020-12 (plus annotation-only keywords).
        self._validator_cls = (
            validator_for({"$schema": dialect}, default=Draft202012Validator)
            if dialect
            else Draft202012Validator
        )
        self._validators: dict[str, Any] = {}
        self._templates: list[tuple[tuple[str, ...], str]] = [
            (tuple(template.strip("/").split("/")), template) for template in spec["paths"]
        ]

    def resolve_path(self, path: str) -> str | None:
        """The path template a concrete path belongs to (the most literal one), or None."""
        segments = tuple(path.split("?", 1)[0].strip("/").split("/"))
        best: tuple[int, str] | None = None
        for parts, template in self._templates:
            if len(parts) != len(segments):
                continue
            literals = 0
            for part, segment in zip(parts, segments, strict=True):
                if part.startswith("{") and part.endswith("}"):
                    if not segment:
                        break
                elif part == segment:
                    literals += 1
                else:
                    break
            else:
                if best is None or literals > best[0]:
                    best = (literals, template)
        return best[1] if best else None

    def operation(self, method: str, path: str) -> _Operation | str:
        """The operation for a request, or a sentence saying why there is none."""
        template = self.resolve_path(path)
        if template is None:
            return f"no path in Discord's OpenAPI description matches {path}"
        item = self.spec["paths"][template]
        verb = method.lower()
        if verb not in HTTP_METHODS or verb not in item:
            allowed = sorted(k.upper() for k in item if k in HTTP_METHODS)
            return f"{template} has no {method.upper()} operation (only {', '.join(allowed)})"
        op = item[verb]
        parameters = [*item.get("parameters", ()), *op.get("parameters", ())]
        query_names = frozenset(p["name"] for p in parameters if p.get("in") == "query")
        body = op.get("requestBody")
        pointer = None
        if body is not None:
            content = body.get("content", {})
            media = next(
                (m for m in ("application/json", "multipart/form-data") if m in content), None
            )
            if media is not None:
                pointer = _pointer("paths", template, verb, "requestBody", "content", media)
                pointer += "/schema"
        return _Operation(
            template=template,
            method=method.upper(),
            query_names=query_names,
            body_pointer=pointer,
            body_required=bool(body and body.get("required")),
        )

    def _validator(self, pointer: str) -> Any:
        validator = self._validators.get(pointer)
        if validator is None:
            schema = {"$ref": f"{SPEC_URI}#{pointer}"}
            validator = self._validators[pointer] = self._validator_cls(
                schema, registry=self._registry
            )
        return validator

    def body_errors(self, operation: _Operation, body: Any) -> list[ValidationError]:
        """Every schema violation of `body` for `operation`."""
        if operation.body_pointer is None:
            return []
        return list(self._validator(operation.body_pointer).iter_errors(body))


def _accept_integer_snowflakes(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The description with snowflakes allowed as JSON integers as well as strings.

    The description types every snowflake a string, but Discord parses integers too and
    discord.py sends some that way (`recipient_id` when opening a DM, the index `id` of an
    uploaded attachment). Only this one schema is widened; the caller's mapping is not changed.
    """
    schemas = dict(spec.get("components", {}).get("schemas", {}))
    snowflake = schemas.get("SnowflakeType")
    if snowflake is None:
        return dict(spec)
    schemas["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}
    return {**spec, "components": {**spec["components"], "schemas": schemas}}


@functools.lru_cache(maxsize=4)
def load_openapi(path: Path) -> OpenAPIDescription:
    """Read and index the description once per process (it is over a megabyte)."""
    with path.open(encoding="utf-8") as handle:
        return OpenAPIDescription(json.load(handle))


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
    if len(error.message) <= 160:
        return f"{where}: {error.message}"
    rule = json.dumps(error.validator_value, default=str)[:80]
    return f"{where}: fails {error.validator} {rule}"


def openapi_problems(description: OpenAPIDescription, request: LoggedRequest) -> list[str]:
    """What is wrong with one request according to the description (empty when it is valid)."""
    label = f"{request.method} {request.path}"
    operation = description.operation(request.method, request.path)
    if isinstance(operation, str):
        return [f"{label}: {operation}"]
    problems = [
        f"{label}: query parameter {name!r} is not in {operation.template}"
        for name in request.params
        if name not in operation.query_names
    ]
    if request.json is None:
        if operation.body_required:
            problems.append(f"{label}: {operation.template} requires a body; none was sent")
        return problems
    if operation.body_pointer is None:
        problems.append(f"{label}: {operation.template} takes no body, but one was sent")
        return problems
    errors = description.body_errors(operation, request.json)
    if errors:
        best = best_match(errors)
        leaves = sorted(_leaf_errors(best), key=lambda e: -len(e.absolute_path))
        deepest = list(dict.fromkeys(_describe(e) for e in leaves))[:5]
        problems.append(
            f"{label} ({operation.template}): {_describe(best)}"
            + ("".join(f"\n    - {d}" for d in deepest) if deepest else "")
        )
    return problems


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """The innermost errors of an anyOf/oneOf failure: where the body actually went wrong."""
    for sub in error.context or ():
        if sub.context:
            yield from _leaf_errors(sub)
        else:
            yield sub


# -- the project's own rules -----------------------------------------------------------------


def message_bodies(request: LoggedRequest) -> list[dict[str, Any]]:
    """The message payloads a request carries (none for other requests)."""
    if request.method not in ("POST", "PATCH") or not isinstance(request.json, dict):
        return []
    if not any(r.match(request.path) for r in _MESSAGE_ROUTES):
        return []
    if request.path.endswith("/callback"):
        if request.json.get("type") not in _MESSAGE_CALLBACK_TYPES:
            return []
        data = request.json.get("data")
        return [data] if isinstance(data, dict) else []
    return [request.json]


def ping_problems(request: LoggedRequest) -> list[str]:
    """Messages that could ping someone: every message must carry allowed_mentions that
    parse nothing and name no user or role."""
    problems = []
    for body in message_bodies(request):
        mentions = body.get("allowed_mentions")
        if not isinstance(mentions, dict):
            problems.append(f"{request.method} {request.path}: no allowed_mentions")
            continue
        if mentions.get("parse") or mentions.get("users") or mentions.get("roles"):
            problems.append(f"{request.method} {request.path}: allowed_mentions {mentions}")
        elif "parse" not in mentions:
            # Without `parse`, Discord falls back to parsing every mention in the content.
            problems.append(f"{request.method} {request.path}: allowed_mentions lacks parse=[]")
    return problems


def sent_embeds(requests: Iterable[LoggedRequest]) -> list[discord.Embed]:
    """Every embed the bot sent or edited in."""
    return [
        discord.Embed.from_dict(embed)
        for request in requests
        for body in message_bodies(request)
        for embed in body.get("embeds") or ()
    ]


def embed_problems(requests: Iterable[LoggedRequest]) -> list[str]:
    """Embeds outside Discord's limits (`bot.render_discord.embed_length_ok`)."""
    return [
        f"embed {embed.title!r} is outside Discord's limits ({len(embed)} characters)"
        for embed in sent_embeds(requests)
        if not embed_length_ok(embed)
    ]


def request_rule_problems(requests: Iterable[LoggedRequest]) -> list[str]:
    """Pings and embed limits over a whole test's requests."""
    requests = list(requests)
    pings = [p for request in requests for p in ping_problems(request)]
    return pings + embed_problems(requests)
