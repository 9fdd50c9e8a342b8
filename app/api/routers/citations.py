"""``/v1/citations``: every citation as one flat collection (JSON pages, CSV and NDJSON exports)."""

from __future__ import annotations

import inspect
from typing import Any

from sqlalchemy import Connection
from starlette.responses import Response

from app.api.deps import api_router
from app.api.export import Encoder, export_content, export_response, is_head
from app.api.fields import PARTIAL_JSON, partial_content, partial_page
from app.api.fields import select_item as select_fields
from app.api.openapi import PROBLEM_RESPONSES
from app.api.pagination import InvalidCursorError, decode_cursor
from app.api.problems import ProblemError, ProblemType
from app.api.routers.collections import (
    JSON,
    PAGING,
    common_parameters,
    filter_parameter,
    list_scope,
    page_model,
    page_response,
)
from app.api.routers.export import (
    EXPORT_NOTE,
    batch_size,
    export_operation,
    export_responses,
    format_parameter,
)
from app.db.citations import FILTERS, citations_page
from app.domain.schemas import CitationEntry

NAME = "citations"
TAG = "Citations"
DESCRIPTION = (
    "Every citation of every item, flat: the item it supports (`collection`, `item_id`) and the quote "
    "with its offsets, in the order the items were loaded (each item's citations in its order)."
)
PAGE = page_model(CitationEntry)

router = api_router(prefix="/v1")


def _parameters(*, paged: bool) -> list[inspect.Parameter]:
    params = [p for p in common_parameters(CitationEntry) if paged or p.name not in PAGING]
    return params + [filter_parameter(item_filter) for item_filter in FILTERS]


def _where(kwargs: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    values = {f.name: kwargs[f"filter_{f.name}"] for f in FILTERS if kwargs[f"filter_{f.name}"] is not None}
    return values, [f.where(values[f.name]) for f in FILTERS if f.name in values]


def list_citations(**kwargs: Any) -> Response:
    values, where = _where(kwargs)
    scope = list_scope(NAME, "id", values)
    after = None
    if kwargs["cursor"] is not None:
        try:
            cursor = decode_cursor(kwargs["cursor"], sort=scope)
        except InvalidCursorError as exc:
            raise ProblemError(ProblemType.INVALID_CURSOR, f"invalid cursor: {exc}") from None
        if isinstance(cursor.key, bool) or not isinstance(cursor.key, int):
            raise ProblemError(ProblemType.INVALID_CURSOR, "invalid cursor: cursor is damaged or forged")
        after = cursor.key
    with kwargs["engine"].connect() as connection:
        items, next_id = citations_page(connection, where=where, after=after, limit=kwargs["limit"])
    fields = kwargs["fields"]
    return page_response(
        kwargs["request"],
        items if fields is None else [select_fields(item, fields) for item in items],
        scope=scope,
        next_position=None if next_id is None else (next_id, next_id),
        media_type=JSON if fields is None else PARTIAL_JSON,
    )


async def export_citations(**kwargs: Any) -> Response:
    _, where = _where(kwargs)

    def fetch(connection: Connection, after: Any) -> tuple[list[dict[str, Any]], Any]:
        return citations_page(connection, where=where, after=after, limit=batch_size(kwargs["request"]))

    fmt = kwargs["format"]
    encoder = Encoder(fmt, CitationEntry, kwargs["fields"])
    return await export_response(
        kwargs["engine"], name=NAME, fmt=fmt, fetch=fetch, encoder=encoder, head=is_head(kwargs["request"])
    )


list_citations.__signature__ = inspect.Signature(_parameters(paged=True))  # type: ignore[attr-defined]
export_citations.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [format_parameter(), *_parameters(paged=False)]
)
router.add_api_route(
    f"/{NAME}",
    list_citations,
    methods=["GET"],
    operation_id="listCitations",
    tags=[TAG],
    summary="List citations",
    description=DESCRIPTION + '\n\nPaginated with an opaque keyset cursor; a `Link: rel="next"` header '
    "accompanies every page but the last.",
    response_model=None,
    responses={
        200: {
            "model": PAGE,
            "content": {
                **partial_content(partial_page(PAGE, CitationEntry)),
                **export_content(CitationEntry, NAME),
            },
            "description": "A page of citations (with `fields`: of partial items; with `Accept: text/csv` "
            "or `application/x-ndjson`: every matching citation).",
        },
        **PROBLEM_RESPONSES,
    },
)
router.add_api_route(
    f"/{NAME}.{{format}}",
    export_citations,
    methods=["GET"],
    operation_id=export_operation(NAME),
    tags=[TAG],
    summary="Export citations (CSV, NDJSON)",
    description=f"{DESCRIPTION}\n\n{EXPORT_NOTE}",
    response_model=None,
    responses=export_responses(CitationEntry, NAME),
)
