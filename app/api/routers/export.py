"""``/v1/<collection>.csv|.ndjson`` and ``/v1/search.csv|.ndjson``: the exports (``app.api.export``),
generated from the same declarations and parameters as the JSON lists and search."""

from __future__ import annotations

import inspect
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.responses import Response

from app.api.deps import EngineDep, api_router
from app.api.export import (
    MEDIA_TYPES,
    Encoder,
    ExportFormat,
    export_content,
    export_response,
    is_head,
)
from app.api.fields import fields_param
from app.api.openapi import PROBLEM_RESPONSES
from app.api.routers import search as search_route
from app.api.routers.collections import (
    PAGING,
    common_parameters,
    filter_clauses,
    filter_values,
    query_parameters,
)
from app.db import listing
from app.db import search as search_queries
from app.db.collections import BY_NAME, COLLECTIONS
from app.db.listing import CollectionSpec
from app.domain.schemas import CitationEntry, SearchHit

FORMAT_DESCRIPTION = "`csv` (RFC 4180, UTF-8, header row) or `ndjson` (one JSON item per line)."


FormatParam = Annotated[ExportFormat, Path(description=FORMAT_DESCRIPTION, examples=["csv"])]


def format_parameter() -> inspect.Parameter:
    return inspect.Parameter(
        "format",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=FormatParam,
    )


def export_responses(schema: Any, name: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": f"Every matching item of `{name}`, streamed. `Content-Disposition` names the "
            "file with the data version.",
            "content": export_content(schema, name),
            "headers": {
                "Content-Disposition": {
                    "description": f'`attachment; filename="{name}-<version>.<format>"`.',
                    "schema": {"type": "string"},
                }
            },
        },
        **PROBLEM_RESPONSES,
    }


EXPORT_NOTE = (
    "Every matching item in one streamed response (no `limit`, no `cursor`: those are a 400), read from "
    "one snapshot of the data. `Accept: text/csv` or `application/x-ndjson` on the JSON list's own path "
    "does the same; the suffix wins over `Accept`."
)


def batch_size(request: Request) -> int:
    size: int = request.app.state.settings.export_batch
    return size


def export_operation(name: str) -> str:
    """``exportPositions``: the operation id of an export (as ``listPositions`` is of the list)."""
    return "export" + name.title()


def negotiated_paths() -> frozenset[str]:
    """The JSON lists whose ``Accept: text/csv`` / ``application/x-ndjson`` is served as an export."""
    return frozenset([*(f"/v1/{spec.name}" for spec in COLLECTIONS), "/v1/search", "/v1/citations"])


def export_schema(name: str) -> type[BaseModel]:
    """The item schema of the export of ``name`` (a collection, ``search`` or ``citations``)."""
    if name == "search":
        return SearchHit
    if name == "citations":
        return CitationEntry
    return BY_NAME[name].schema


def export_examples(name: str, items: list[dict[str, Any]]) -> dict[str, str]:
    """The CSV and NDJSON of ``items`` (an example page's), as the export of ``name`` writes them."""
    examples = {}
    for fmt in ExportFormat:
        encoder = Encoder(fmt, export_schema(name), None)
        examples[MEDIA_TYPES[fmt].split(";")[0]] = (encoder.header() + encoder.encode(items)).decode()
    return examples


@cache
def build_router() -> APIRouter:
    """The export routes, built once per process (as ``collections.build_router``)."""
    router = api_router(prefix="/v1")
    for spec in COLLECTIONS:
        _add_collection_export(router, spec)
    _add_search_export(router)
    return router


def _add_collection_export(router: APIRouter, spec: CollectionSpec) -> None:
    params = [p for p in common_parameters(spec.schema) if p.name not in PAGING] + query_parameters(spec)

    async def export_endpoint(**kwargs: Any) -> Response:
        batch = batch_size(kwargs["request"])
        sort = spec.sort(str(kwargs["sort"]) if "sort" in kwargs else None)
        values = filter_values(spec, kwargs)
        where: list[Any] = []

        def fetch(connection: Connection, after: Any) -> tuple[list[bytes], Any]:
            if after is None:
                where[:] = filter_clauses(connection, spec, values, q=kwargs["q"])
            return listing.list_page(connection, spec, where=where, sort=sort, after=after, limit=batch)

        fmt = kwargs["format"]
        encoder = Encoder(fmt, spec.schema, kwargs["fields"])
        return await export_response(
            kwargs["engine"],
            name=spec.name,
            fmt=fmt,
            fetch=fetch,
            encoder=encoder,
            head=is_head(kwargs["request"]),
        )

    export_endpoint.__signature__ = inspect.Signature([format_parameter(), *params])  # type: ignore[attr-defined]
    export_endpoint.__name__ = export_operation(spec.name)
    router.add_api_route(
        f"/{spec.name}.{{format}}",
        export_endpoint,
        methods=["GET"],
        operation_id=export_operation(spec.name),
        tags=[spec.summary],
        summary=f"Export {spec.summary.lower()} (CSV, NDJSON)",
        description=f"{spec.description}\n\n{EXPORT_NOTE}",
        response_model=None,
        responses=export_responses(spec.schema, spec.name),
    )


def _add_search_export(router: APIRouter) -> None:
    @router.get(
        "/search.{format}",
        operation_id=export_operation("search"),
        tags=["Search"],
        summary="Export search hits (CSV, NDJSON)",
        description="Every hit of a search (the syntax and order of `/v1/search`).\n\n" + EXPORT_NOTE,
        response_model=None,
        responses=export_responses(SearchHit, "search"),
    )
    async def export_search(
        request: Request,
        engine: EngineDep,
        q: search_route.SearchQuery,
        format: FormatParam,
        type: search_route.SearchTypeFilter = None,
        fields: fields_param(SearchHit) = None,  # type: ignore[valid-type]
    ) -> Response:
        collection = type.value if type is not None else None
        batch = batch_size(request)

        def fetch(connection: Connection, after: Any) -> tuple[list[dict[str, Any]], Any]:
            results = search_queries.search(
                connection, q, collection=collection, after=after, limit=batch, counts=False
            )
            return results.items, results.next_position

        encoder = Encoder(format, SearchHit, fields)
        return await export_response(
            engine, name="search", fmt=format, fetch=fetch, encoder=encoder, head=is_head(request)
        )
