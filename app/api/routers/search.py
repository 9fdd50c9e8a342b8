"""``/v1/search``: ranked full-text search across every collection and the document text."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.api.deps import EngineDep
from app.api.openapi import PROBLEM_RESPONSES
from app.api.pagination import InvalidCursorError, decode_cursor
from app.api.problems import ProblemError, ProblemType
from app.api.routers.collections import DEFAULT_LIMIT, MAX_LIMIT, page_response
from app.db import search as search_queries
from app.db.collections import COLLECTIONS
from app.domain.schemas import SearchPage

router = APIRouter(prefix="/v1")

SearchType = StrEnum("SearchType", [(name, name) for name in sorted([s.name for s in COLLECTIONS])])  # type: ignore[misc]


@router.get(
    "/search",
    operation_id="search",
    tags=["Search"],
    summary="Search everything",
    description="Full-text search over every collection and the document's text, best match first. "
    "Case- and diacritics-insensitive, with stemming; every word must match. Any input is safe: "
    "operators and punctuation are treated as plain text. Snippets mark matches with `[[` and `]]`.",
    response_model=None,
    responses={
        200: {
            "model": SearchPage,
            "description": "Ranked hits.",
        },
        **PROBLEM_RESPONSES,
    },
)
def search(
    request: Request,
    engine: EngineDep,
    q: Annotated[
        str, Query(min_length=1, max_length=1000, description="Words to look for.", examples=["neutrality"])
    ],
    type: Annotated[SearchType | None, Query(description="Only hits of this collection.")] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Hits per page (1–{MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="Opaque `next_cursor` of the previous page.")
    ] = None,
) -> Response:
    collection = type.value if type is not None else None
    scope = "search:" + hashlib.blake2b(f"{q}\x00{collection}".encode(), digest_size=8).hexdigest()
    after = None
    if cursor is not None:
        try:
            position = decode_cursor(cursor, sort=scope)
        except InvalidCursorError as exc:
            raise ProblemError(ProblemType.INVALID_CURSOR, f"invalid cursor: {exc}") from None
        if not isinstance(position.key, float | int) or not position.id.isdigit():
            raise ProblemError(ProblemType.INVALID_CURSOR, "invalid cursor: damaged or forged")
        after = (float(position.key), int(position.id))
    with engine.connect() as connection:
        items, next_position = search_queries.search(
            connection, q, collection=collection, after=after, limit=limit
        )
    return page_response(request, items, scope=scope, next_position=next_position)
