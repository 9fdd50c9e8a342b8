"""``/v1/briefings/{id}``: the whole briefing in one response."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from app.api.deps import EngineDep, api_router
from app.api.fields import fields_param, item_response, partial_content, partial_schema
from app.api.openapi import PROBLEM_RESPONSES
from app.api.problems import ProblemError, ProblemType
from app.api.routers.collections import BriefingId
from app.db import listing
from app.db.collections import BY_NAME
from app.domain.schemas import BriefingDetail

router = api_router(prefix="/v1")


class BriefingInclude(StrEnum):
    TEXT = "text"


@router.get(
    "/briefings/{item_id}",
    operation_id="getBriefing",
    tags=["Briefings"],
    summary="Get a whole briefing",
    description="Everything a client needs to render the briefing in one request: the document's "
    "metadata, the photo's facts, sections in article order, the takeaway, rounds, positions grouped by "
    "party, mediators, barriers grouped by category, the six implications, the timeline, sources, and "
    "the parties, people and topics they refer to, each evidence item with its citations.",
    response_model=None,
    responses={
        200: {
            "model": BriefingDetail,
            "content": partial_content(partial_schema(BriefingDetail)),
            "description": "The whole briefing (with `fields`: only those parts).",
        },
        **PROBLEM_RESPONSES,
    },
)
def get_briefing(
    item_id: BriefingId,
    engine: EngineDep,
    include: Annotated[
        BriefingInclude | None,
        Query(
            description="`text` embeds the document's full text in `document.text`, so that the briefing "
            "renders alone: citations and sections carry offsets into it (`start`/`end` in code points, "
            "`start_utf16`/`end_utf16` for JavaScript's `text.slice()`)."
        ),
    ] = None,
    fields: fields_param(BriefingDetail) = None,  # type: ignore[valid-type]
) -> Response:
    with engine.connect() as connection:
        if include is BriefingInclude.TEXT:
            body = listing.briefing_with_text(connection, item_id)
        else:
            body = listing.get_body(connection, BY_NAME["briefings"], item_id)
    if body is None:
        raise ProblemError(ProblemType.NOT_FOUND, f"no briefing with id '{item_id}'")
    return item_response(body, fields)
