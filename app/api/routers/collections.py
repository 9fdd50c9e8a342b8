"""List and detail endpoints for every collection, generated from the declarations in
``app.api.collections``: one implementation of filtering, keyset pagination, Link headers and 404s."""

from __future__ import annotations

import hashlib
import inspect
from enum import StrEnum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import Engine
from starlette.responses import Response

from app.api.deps import EngineDep
from app.api.examples import example_for
from app.api.openapi import PROBLEM_RESPONSES
from app.api.pagination import Cursor, InvalidCursorError, decode_cursor, encode_cursor
from app.api.problems import ProblemError, ProblemType
from app.db import listing
from app.db.collections import COLLECTIONS, SlugParam
from app.db.listing import CollectionSpec
from app.domain.schemas import Page

JSON = "application/json"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def id_path(example: str) -> Any:
    """The ``{item_id}`` path parameter, with an example id of its collection."""
    return Path(description="The item's id (a lowercase slug).", examples=[example])


BriefingId = Annotated[SlugParam, id_path("why-peace-talks-fail")]
DocumentId = Annotated[SlugParam, id_path("peace-talks-analysis-2025-06-12")]


def json_response(payload: Any, *, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), media_type=JSON, headers=headers)


def page_response(
    request: Request,
    items: list[Any],
    *,
    scope: str,
    next_position: tuple[Any, Any] | None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """A page of items, with an opaque cursor and a ``Link: rel="next"`` header unless it is the last;
    ``extra`` fields (counts) follow ``next_cursor``."""
    if next_position is None:
        return json_response({"items": items, "next_cursor": None, **(extra or {})})
    key, item_id = next_position
    next_cursor = encode_cursor(Cursor(sort=scope, key=key, id=str(item_id)))
    url = request.url.include_query_params(cursor=next_cursor)
    headers = {"Link": f'<{url.path}?{url.query}>; rel="next"'}
    return json_response({"items": items, "next_cursor": next_cursor, **(extra or {})}, headers=headers)


def stored_page_response(
    request: Request, bodies: list[bytes], scope: str, next_position: tuple[Any, Any] | None
) -> Response:
    """A page of items given as their JSON bytes: the envelope is concatenated around them (the same
    bytes ``orjson.dumps`` gives for ``{"items": [...], "next_cursor": ...}``)."""
    items = b"[" + b",".join(bodies) + b"]"
    if next_position is None:
        return Response(b'{"items":' + items + b',"next_cursor":null}', media_type=JSON)
    key, item_id = next_position
    next_cursor = encode_cursor(Cursor(sort=scope, key=key, id=str(item_id)))
    url = request.url.include_query_params(cursor=next_cursor)
    headers = {"Link": f'<{url.path}?{url.query}>; rel="next"'}
    body = b'{"items":' + items + b',"next_cursor":' + orjson.dumps(next_cursor) + b"}"
    return Response(body, media_type=JSON, headers=headers)


def list_scope(collection: str, sort: str, filters: dict[str, Any]) -> str:
    """What a list cursor is bound to: the collection, the sort and the filters' values (a cursor made
    for one filter would silently skip items of another)."""
    if not filters:
        return f"{collection}:{sort}"
    canonical = orjson.dumps({name: str(value) for name, value in sorted(filters.items())})
    return f"{collection}:{sort}:" + hashlib.blake2b(canonical, digest_size=8).hexdigest()


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1")
    for spec in COLLECTIONS:
        _add_list_route(router, spec)
        if spec.name != "briefings":  # a briefing's detail is the whole briefing (routers.briefings)
            _add_detail_route(router, spec)
    _add_document_text_route(router)
    return router


def _sort_enum(spec: CollectionSpec) -> type[StrEnum]:
    members = [(s.name.replace("-", "minus_"), s.name) for s in spec.sorts]
    return StrEnum(f"{spec.name.title()}Sort", members)  # type: ignore[return-value]


def _list_parameters(spec: CollectionSpec) -> list[inspect.Parameter]:
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("engine", keyword, annotation=EngineDep),
        inspect.Parameter(
            "limit",
            keyword,
            annotation=int,
            default=Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page (1–{MAX_LIMIT})."),
        ),
        inspect.Parameter(
            "cursor",
            keyword,
            annotation=str | None,
            default=Query(None, max_length=512, description="Opaque `next_cursor` of the previous page."),
        ),
    ]
    if len(spec.sorts) > 1:
        sort_enum = _sort_enum(spec)
        params.append(
            inspect.Parameter(
                "sort",
                keyword,
                annotation=sort_enum,
                default=Query(
                    sort_enum(spec.sorts[0].name),
                    description="Order: "
                    + ", ".join(f"`{s.name}`" for s in spec.sorts)
                    + "; equal dates keep the article's order.",
                ),
            )
        )
    for item_filter in spec.filters:
        params.append(
            inspect.Parameter(
                f"filter_{item_filter.name}",
                keyword,
                annotation=item_filter.annotation | None,
                default=Query(
                    None,
                    alias=item_filter.name,
                    description=item_filter.description,
                    examples=list(item_filter.examples) or None,
                ),
            )
        )
    return params


def _add_list_route(router: APIRouter, spec: CollectionSpec) -> None:
    def list_endpoint(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        sort = spec.sort(str(kwargs["sort"]) if "sort" in kwargs else None)
        values = {
            item_filter.name: kwargs[f"filter_{item_filter.name}"]
            for item_filter in spec.filters
            if kwargs[f"filter_{item_filter.name}"] is not None
        }
        scope = list_scope(spec.name, sort.name, values)
        after = None
        if kwargs["cursor"] is not None:
            try:
                cursor = decode_cursor(kwargs["cursor"], sort=scope)
                after = (listing.cursor_key(spec, sort, cursor.key), cursor.id)
            except (InvalidCursorError, listing.InvalidSortKeyError) as exc:
                raise ProblemError(ProblemType.INVALID_CURSOR, f"invalid cursor: {exc}") from None
        where = [
            item_filter.where(values[item_filter.name])
            for item_filter in spec.filters
            if item_filter.name in values
        ]
        with kwargs["engine"].connect() as connection:
            bodies, next_position = listing.list_page(
                connection, spec, where=where, sort=sort, after=after, limit=kwargs["limit"]
            )
        return stored_page_response(request, bodies, scope, next_position)

    list_endpoint.__signature__ = inspect.Signature(_list_parameters(spec))  # type: ignore[attr-defined]
    list_endpoint.__name__ = f"list_{spec.name}"
    router.add_api_route(
        f"/{spec.name}",
        list_endpoint,
        methods=["GET"],
        operation_id=f"list_{spec.name}",
        tags=[spec.summary],
        summary=f"List {spec.summary.lower()}",
        description=spec.description + '\n\nPaginated with an opaque keyset cursor; a `Link: rel="next"` '
        "header accompanies every page but the last.",
        response_model=None,
        responses={
            200: {
                "model": Page[spec.schema],  # type: ignore[name-defined]
                "description": f"A page of {spec.summary.lower()}.",
                "headers": {
                    "Link": {
                        "description": 'The next page: `<url>; rel="next"`.',
                        "schema": {"type": "string"},
                    }
                },
            },
            **PROBLEM_RESPONSES,
        },
    )


def _add_detail_route(router: APIRouter, spec: CollectionSpec) -> None:
    def detail_endpoint(item_id: str, engine: Engine) -> Response:
        with engine.connect() as connection:
            body = listing.get_body(connection, spec, item_id)
        if body is None:
            raise ProblemError(ProblemType.NOT_FOUND, f"no {spec.singular} with id '{item_id}'")
        return Response(body, media_type=JSON)

    keyword = inspect.Parameter.KEYWORD_ONLY
    example = (example_for(spec.name, "detail") or {}).get("id", "an-id")
    detail_endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("item_id", keyword, annotation=Annotated[SlugParam, id_path(example)]),
            inspect.Parameter("engine", keyword, annotation=EngineDep),
        ]
    )
    detail_endpoint.__name__ = f"get_{spec.singular}"
    router.add_api_route(
        f"/{spec.name}/{{item_id}}",
        detail_endpoint,
        methods=["GET"],
        operation_id=f"get_{spec.singular}",
        tags=[spec.summary],
        summary=f"Get one {spec.singular}",
        description=f"One item of {spec.name}, with its references"
        + (" and citations." if spec.cited else "."),
        response_model=None,
        responses={
            200: {
                "model": spec.detail_schema or spec.schema,
                "description": f"The {spec.singular}.",
            },
            **PROBLEM_RESPONSES,
        },
    )


def _add_document_text_route(router: APIRouter) -> None:
    spec = next(s for s in COLLECTIONS if s.name == "documents")

    @router.get(
        "/documents/{item_id}/text",
        operation_id="get_document_text",
        tags=[spec.summary],
        summary="Get a document's text",
        description="The document's full text as `text/plain; charset=utf-8`, byte-exact.",
        response_class=PlainTextResponse,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "The text."},
            **PROBLEM_RESPONSES,
        },
    )
    def get_document_text(item_id: DocumentId, engine: EngineDep) -> Response:
        with engine.connect() as connection:
            text = listing.document_text(connection, item_id)
        if text is None:
            raise ProblemError(ProblemType.NOT_FOUND, f"no document with id '{item_id}'")
        return PlainTextResponse(text, media_type="text/plain; charset=utf-8")
