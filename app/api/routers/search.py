"""``/v1/search``: ranked full-text search across every collection and the document text."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from app.api.deps import EngineDep, api_router
from app.api.export import export_content
from app.api.fields import (
    PARTIAL_JSON,
    fields_param,
    partial_content,
    partial_page,
    select_item,
)
from app.api.openapi import PROBLEM_RESPONSES
from app.api.pagination import InvalidCursorError, decode_cursor
from app.api.problems import ProblemError, ProblemType
from app.api.routers.collections import DEFAULT_LIMIT, JSON, MAX_LIMIT, page_response
from app.db import search as search_queries
from app.domain.schemas import SearchHit, SearchPage
from app.domain.vocab import CollectionName

router = api_router(prefix="/v1")


SearchQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=1000,
        description="What to look for (see the syntax above).",
        examples=['"frozen conflict"'],
    ),
]
SearchTypeFilter = Annotated[CollectionName | None, Query(description="Only hits of this collection.")]


@router.get(
    "/search",
    operation_id="search",
    tags=["Search"],
    summary="Search everything",
    description="Full-text search over every collection and the document's text. Syntax: `words` (every "
    'word must match, stemmed: `demands` finds `demand`), `"exact phrase"`, `prefix*`, `a OR b`, '
    "`-excluded`, `( … )`. Case- and diacritics-insensitive; no stop words. Anything the syntax cannot "
    "parse is searched as plain words; any input is safe. Besides its text, an item is found by its "
    "labels (`red line`, `structural`), the names of the parties, topics and people it links, and "
    "search aliases (`Zelensky`, `Kiev`). Hits whose title matches come first, then by collection and "
    "the article's order. `total` and `by_type` count every hit. Snippets mark matches with `[[` and "
    "`]]`. The same query finds the same hits on SQLite and PostgreSQL.",
    response_model=None,
    responses={
        200: {
            "model": SearchPage,
            "content": {
                **partial_content(partial_page(SearchPage, SearchHit)),
                **export_content(SearchHit, "search"),
            },
            "description": "Ranked hits (with `fields`: partial hits; with `Accept: text/csv` or "
            "`application/x-ndjson`: every hit, as `/v1/search.csv` and `.ndjson` serve them).",
        },
        **PROBLEM_RESPONSES,
    },
)
def search(
    request: Request,
    engine: EngineDep,
    q: SearchQuery,
    type: SearchTypeFilter = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Hits per page (1–{MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="Opaque `next_cursor` of the previous page.")
    ] = None,
    fields: fields_param(SearchHit) = None,  # type: ignore[valid-type]
) -> Response:
    collection = type.value if type is not None else None
    scope = "search:" + hashlib.blake2b(f"{q}\x00{collection}".encode(), digest_size=8).hexdigest()
    after = None
    if cursor is not None:
        try:
            position = decode_cursor(cursor, sort=scope)
        except InvalidCursorError as exc:
            raise ProblemError(ProblemType.INVALID_CURSOR, f"invalid cursor: {exc}") from None
        if position.key not in (search_queries.TITLE, search_queries.TEXT) or not position.id.isdigit():
            raise ProblemError(ProblemType.INVALID_CURSOR, "invalid cursor: damaged or forged")
        after = (int(position.key), int(position.id))
    with engine.connect() as connection:
        results = search_queries.search(connection, q, collection=collection, after=after, limit=limit)
    return page_response(
        request,
        results.items if fields is None else [select_item(item, fields) for item in results.items],
        scope=scope,
        next_position=results.next_position,
        extra={"total": results.total, "by_type": results.by_type},
        media_type=JSON if fields is None else PARTIAL_JSON,
    )
