"""The OpenAPI contract: shared error responses, examples, and the committed ``openapi.json``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from app.api.problems import ProblemType
from app.domain.schemas import Problem

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _problem(description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {"example": example}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem(
        "A malformed request: an unknown or repeated query parameter, or a damaged cursor.",
        {
            "type": ProblemType.UNKNOWN_PARAMETER.uri,
            "title": "Bad Request",
            "status": 400,
            "detail": "unknown query parameter 'colour' (this endpoint takes: cursor, limit)",
            "instance": "/v1/topics",
        },
    ),
    404: _problem(
        "No such item.",
        {
            "type": ProblemType.NOT_FOUND.uri,
            "title": "Not Found",
            "status": 404,
            "detail": "no party with id 'atlantis'",
            "instance": "/v1/parties/atlantis",
        },
    ),
    414: _problem(
        "The URL is longer than 16 KiB.",
        {
            "type": ProblemType.URI_TOO_LONG.uri,
            "title": "Request-URI Too Long",
            "status": 414,
            "detail": "the URL is longer than 16384 bytes",
            "instance": "/v1/search",
        },
    ),
    431: _problem(
        "The request head (request line and header lines) is larger than 16 KiB or has more than 100 "
        "header lines; answered before the request reaches the application.",
        {
            "type": ProblemType.HEADERS_TOO_LARGE.uri,
            "title": "Request Header Fields Too Large",
            "status": 431,
            "detail": "the request head is larger than 16384 bytes",
            "instance": None,
        },
    ),
    422: _problem(
        "A parameter has an invalid value; `errors` names each field.",
        {
            "type": ProblemType.VALIDATION.uri,
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "invalid value for limit",
            "instance": "/v1/rounds",
            "errors": [
                {
                    "field": "limit",
                    "message": "Input should be less than or equal to 200",
                    "type": "less_than_equal",
                }
            ],
        },
    ),
    503: _problem(
        "The database is unavailable, the server is overloaded, or the request took too long; retry later.",
        {
            "type": ProblemType.OVERLOADED.uri,
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the server is busy; try again shortly",
            "instance": "/v1/rounds",
        },
    ),
}


def _example_key(operation_id: str) -> tuple[str, str] | None:
    """Which entry of ``examples.json`` illustrates an operation's 200 response."""
    from app.api.routers.collections import get_operation, list_operation
    from app.api.routers.export import export_operation
    from app.db.collections import COLLECTIONS

    for spec in COLLECTIONS:
        if operation_id == list_operation(spec):
            return spec.name, "list"
        if operation_id == get_operation(spec):
            return spec.name, "detail"
        if operation_id == export_operation(spec.name):
            return spec.name, "list"
    exported = {"search": "search", export_operation("search"): "search"}
    exported |= {"listCitations": "citations", export_operation("citations"): "citations"}
    return (exported[operation_id], "list") if operation_id in exported else None


_DOCUMENTS: dict[tuple[int, ...], dict[str, Any]] = {}
"""The document of each set of routers, by their identities: ``create_app`` serves the same process-wide
routers' routes in every app it builds, and generating the document costs about 0.7 s of CPU (the suite
builds dozens of apps). Treated as read-only, as FastAPI treats ``app.openapi_schema``."""


def build_openapi(app: FastAPI, routers: Sequence[APIRouter]) -> dict[str, Any]:
    """The document of ``app``, made of ``routers`` (generated once per process for the same routers)."""
    if app.openapi_schema is None:
        key = tuple(map(id, routers))
        if key not in _DOCUMENTS:
            _DOCUMENTS[key] = _generate(app)
        app.openapi_schema = _DOCUMENTS[key]
    return app.openapi_schema


def _generate(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the real-data examples.

    Examples are added after generation because FastAPI drops every ``null`` from the document, and the
    examples must keep theirs (``"next_cursor": null``) to be valid against their schemas.
    """
    from app.api.examples import example_for
    from app.api.fields import documented_schemas
    from app.api.routers.export import export_examples

    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
        license_info=app.license_info,
        contact=app.contact,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in documented_schemas().items():  # the partial (``fields=``) responses' models
        schemas.setdefault(name, schema)
    for path_item in document["paths"].values():
        for operation in path_item.values():
            key = _example_key(operation.get("operationId", ""))
            example = example_for(*key) if key else None
            contents = operation["responses"].get("200", {}).get("content", {})
            content = contents.get("application/json")
            if example is not None and content is not None:
                content["example"] = example
            if example is not None and key is not None and key[1] == "list":
                for media, text in export_examples(key[0], example["items"]).items():
                    if media in contents:
                        contents[media]["example"] = text
    return document


def openapi_tags() -> list[dict[str, str]]:
    from app.db.collections import COLLECTIONS

    tags = [
        {"name": "Briefings", "description": "The briefing, whole or summarised."},
        {"name": "Search", "description": "Full-text search across everything."},
    ]
    tags += [{"name": spec.summary, "description": spec.description} for spec in COLLECTIONS[1:]]
    tags.append({"name": "Metadata", "description": "The loaded data set: version, load time, vocabularies."})
    tags.append(
        {
            "name": "Citations",
            "description": "Every citation of every item, flat: a JSON list, CSV and NDJSON.",
        }
    )
    tags.append({"name": "Health", "description": "Liveness and readiness probes."})
    return tags
