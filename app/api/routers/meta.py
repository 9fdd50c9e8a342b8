"""``/v1/meta``: what data set is loaded, when, from which document, how much of it, and the
vocabularies with a label and a description for every value."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select
from starlette.responses import Response

from app.api.deps import EngineDep, api_router
from app.api.examples import example_for
from app.api.openapi import PROBLEM_RESPONSES
from app.api.problems import ProblemError, ProblemType
from app.api.routers.collections import json_response
from app.db import listing
from app.db.collections import BY_NAME, COLLECTIONS
from app.db.models import Dataset, table_of
from app.db.version import as_utc
from app.domain.schemas import Meta
from app.domain.vocab import TERMS

router = api_router(prefix="/v1")


VOCABULARIES = {  # by the enum's name, as OpenAPI names its schema
    enum.__name__: [
        {"value": value.value, "label": term.label, "description": term.description}
        for value, term in terms.items()
    ]
    for enum, terms in TERMS.items()
}


def _example() -> dict[str, Any]:
    documents = (example_for("documents", "list") or {}).get("items", [])
    return {
        "data_version": "1ae0d73ebc0c7739a2c4f0b0e5d36f2e8b1c9d4a7f6e5d4c3b2a190817263544",
        "loaded_at": "2026-06-12T09:30:00Z",
        "documents": documents,
        "counts": {"rounds": 5, "positions": 12, "events": 5},
        "vocabularies": {"PositionKind": VOCABULARIES["PositionKind"]},
    }


@router.get(
    "/meta",
    operation_id="getMeta",
    tags=["Metadata"],
    summary="The loaded data set",
    description="The data version (also every response's `X-Data-Version`), when the data was loaded "
    "(JSON responses' `Last-Modified`), the documents with their sha256, item counts per collection, and "
    "every vocabulary: each enum value with a display label and a one-line description.",
    response_model=None,
    responses={
        200: {
            "model": Meta,
            "description": "The data set's metadata.",
            "content": {"application/json": {"example": _example()}},
        },
        **PROBLEM_RESPONSES,
    },
)
def get_meta(engine: EngineDep) -> Response:
    with engine.connect() as connection:
        dataset = connection.execute(select(table_of(Dataset))).mappings().first()
        if dataset is None:
            raise ProblemError(ProblemType.DATABASE_UNAVAILABLE, "no data set is loaded yet")
        spec = BY_NAME["documents"]
        statement = listing.filtered_select(spec, where=[], sort=spec.sorts[0])
        documents = [orjson.Fragment(row[0]) for row in connection.execute(statement)]
        counts = {spec.name: int(dataset["counts"].get(spec.name, 0)) for spec in COLLECTIONS}
    return json_response(
        {
            "data_version": dataset["version"],
            "loaded_at": as_utc(dataset["seeded_at"]),
            "documents": documents,
            "counts": counts,
            "vocabularies": VOCABULARIES,
        }
    )
