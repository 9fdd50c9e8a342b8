"""The OpenAPI contract: shared error responses, examples, and the committed ``openapi.json``."""

from __future__ import annotations

import json
from typing import Any

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
            "type": "https://peacetalks.example/problems/unknown-parameter",
            "title": "Bad Request",
            "status": 400,
            "detail": "unknown query parameter 'colour' (this endpoint takes: cursor, limit)",
            "instance": "/v1/topics",
        },
    ),
    404: _problem(
        "No such item.",
        {
            "type": "https://peacetalks.example/problems/not-found",
            "title": "Not Found",
            "status": 404,
            "detail": "no party with id 'atlantis'",
            "instance": "/v1/parties/atlantis",
        },
    ),
    422: _problem(
        "A parameter has an invalid value; `errors` names each field.",
        {
            "type": "https://peacetalks.example/problems/validation",
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
            "type": "https://peacetalks.example/problems/overloaded",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the server is busy; try again shortly",
            "instance": "/v1/rounds",
        },
    ),
}


def json_content(example: Any) -> dict[str, Any]:
    if example is None:
        return {}
    return {"content": {"application/json": {"example": example}}}


def openapi_json() -> str:
    """The app's OpenAPI document, as committed in ``openapi.json``."""
    import tempfile
    from pathlib import Path

    from app.main import create_app
    from app.settings import Settings

    # Building the document needs no database: the engine is created but never connects.
    app = create_app(Settings(data_dir=Path(tempfile.gettempdir()) / "briefing-openapi", log_json=False))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
