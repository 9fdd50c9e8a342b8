"""List and detail endpoints for every collection, generated from the declarations in
``app.api.collections``: one implementation of filtering, keyset pagination, Link headers and 404s."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Hashable
from enum import StrEnum
from functools import cache, partial
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from pydantic import AfterValidator, BaseModel, WithJsonSchema, create_model
from sqlalchemy import ColumnElement, Connection, Engine, func, select
from starlette.responses import Response

from app.api.deps import EngineDep, api_router
from app.api.examples import example_for
from app.api.export import export_content
from app.api.fields import (
    PARTIAL_JSON,
    fields_param,
    item_response,
    partial_content,
    partial_page,
    partial_schema,
)
from app.api.fields import select as select_fields
from app.api.openapi import PROBLEM_RESPONSES
from app.api.pagination import Cursor, InvalidCursorError, decode_cursor, encode_cursor, next_link
from app.api.problems import ProblemError, ProblemType
from app.db import facets, filters, listing
from app.db.collections import COLLECTIONS, SlugParam
from app.db.listing import CollectionSpec, Filter
from app.domain.dates import PartialDate
from app.domain.schemas import Page, PartyDetail, TopicDetail

JSON = "application/json"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def id_path(example: str) -> Any:
    """The ``{item_id}`` path parameter, with an example id of its collection."""
    return Path(description="The item's id (a lowercase slug).", examples=[example])


BriefingId = Annotated[SlugParam, id_path("why-peace-talks-fail")]
DocumentId = Annotated[SlugParam, id_path("peace-talks-analysis-2025-06-12")]


def json_response(payload: Any, *, headers: dict[str, str] | None = None, media_type: str = JSON) -> Response:
    return Response(orjson.dumps(payload), media_type=media_type, headers=headers)


def page_response(
    request: Request,
    items: list[Any],
    *,
    scope: str,
    next_position: tuple[Any, Any] | None,
    extra: dict[str, Any] | None = None,
    media_type: str = JSON,
) -> Response:
    """A page of items (objects), as ``stored_page_response`` sends stored ones: the same bytes
    ``orjson.dumps`` gives for the whole envelope."""
    bodies = [orjson.dumps(item) for item in items]
    return stored_page_response(request, bodies, scope, next_position, extra, media_type=media_type)


def stored_page_response(
    request: Request,
    bodies: list[bytes],
    scope: str,
    next_position: tuple[Any, Any] | None,
    extra: dict[str, Any] | None = None,
    *,
    media_type: str = JSON,
) -> Response:
    """A page of items given as their JSON bytes, with an opaque cursor and a ``Link: rel="next"`` header
    unless it is the last; ``extra`` fields (counts) follow ``next_cursor``. The envelope is concatenated
    around the items (the same bytes ``orjson.dumps`` gives for ``{"items": [...], "next_cursor": ...,
    **extra}``)."""
    tail = b"," + orjson.dumps(extra)[1:] if extra else b"}"  # the extra fields after a comma: ',"total":3}'
    if next_position is None:
        body = b"".join((b'{"items":[', b",".join(bodies), b'],"next_cursor":null', tail))
        return Response(body, media_type=media_type)
    key, item_id = next_position
    next_cursor = encode_cursor(Cursor(sort=scope, key=key, id=str(item_id)))
    body = b"".join(
        (b'{"items":[', b",".join(bodies), b'],"next_cursor":"', next_cursor.encode(), b'"', tail)
    )
    return Response(body, media_type=media_type, headers={"Link": next_link(request, next_cursor)})


def list_scope(collection: str, sort: str, filters: dict[str, Any]) -> str:
    """What a list cursor is bound to: the collection, the sort and the filters' values (a cursor made
    for one filter would silently skip items of another)."""
    if not filters:
        return f"{collection}:{sort}"
    canonical = orjson.dumps({name: str(value) for name, value in sorted(filters.items())})
    return f"{collection}:{sort}:" + hashlib.blake2b(canonical, digest_size=8).hexdigest()


def list_operation(spec: CollectionSpec) -> str:
    """``listParties``: the operation id generated clients name their method after."""
    return "list" + spec.name.title()


def get_operation(spec: CollectionSpec) -> str:
    return "get" + spec.singular.title()


@cache
def page_model(schema: type[BaseModel]) -> type[BaseModel]:
    """``RoundPage``: a page of one collection, named for OpenAPI and generated clients."""
    model: type[BaseModel] = create_model(
        f"{schema.__name__.removesuffix('Summary')}Page",
        __base__=Page[schema],  # type: ignore[valid-type]
        __doc__=Page.__doc__,
    )
    return model


@cache
def build_router() -> APIRouter:
    """The twelve collections' list and detail routes, built once per process like the other routers: they
    hold no app state (a request's engine and settings come from its app), and building them is most of
    ``create_app``'s cost (FastAPI analyses every route's parameters)."""
    router = api_router(prefix="/v1")
    for spec in COLLECTIONS:
        _add_list_route(router, spec)
        if spec.name != "briefings":  # a briefing's detail is the whole briefing (routers.briefings)
            _add_detail_route(router, spec)
    _add_document_text_route(router)
    return router


def _sort_enum(spec: CollectionSpec) -> type[StrEnum]:
    members = [(s.name.replace("-", "minus_"), s.name) for s in spec.sorts]
    return StrEnum(f"{spec.name.title()}Sort", members)  # type: ignore[return-value]


def query_parameters(spec: CollectionSpec) -> list[inspect.Parameter]:
    """What selects and orders a collection's items: ``sort`` (when there is a choice), ``q`` and the
    filters (keyword-only, the filters' named ``filter_<name>``). The list adds paging, totals and
    facets; ``filter_values`` and ``filter_clauses`` turn the arguments into the query's WHERE clauses."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    params: list[inspect.Parameter] = []
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
    params.append(
        inspect.Parameter(
            "q",
            keyword,
            annotation=str | None,
            default=Query(
                None,
                min_length=1,
                max_length=1000,
                description="Only items this search finds (the syntax of `/v1/search`, within this "
                "collection); the list keeps its order.",
                examples=["ceasefire"],
            ),
        )
    )
    return params + [filter_parameter(item_filter) for item_filter in spec.filters]


KEYWORD = inspect.Parameter.KEYWORD_ONLY
PAGING = ("limit", "cursor")
"""The parameters only a page takes (an export takes the others: ``common_parameters`` without these)."""


def filter_parameter(item_filter: Filter) -> inspect.Parameter:
    """A declared filter as a query parameter (``filter_<name>``, alias ``<name>``)."""
    return inspect.Parameter(
        f"filter_{item_filter.name}",
        KEYWORD,
        annotation=item_filter.annotation | None,
        default=Query(
            None,
            alias=item_filter.name,
            description=item_filter.description,
            examples=list(item_filter.examples) or None,
        ),
    )


def common_parameters(schema: type[BaseModel]) -> list[inspect.Parameter]:
    """What every list of ``schema`` items takes: the request, the engine, ``fields`` and paging."""
    return [
        inspect.Parameter("request", KEYWORD, annotation=Request),
        inspect.Parameter("engine", KEYWORD, annotation=EngineDep),
        inspect.Parameter("fields", KEYWORD, annotation=fields_param(schema), default=None),
        inspect.Parameter(
            "limit",
            KEYWORD,
            annotation=int,
            default=Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page (1–{MAX_LIMIT})."),
        ),
        inspect.Parameter(
            "cursor",
            KEYWORD,
            annotation=str | None,
            default=Query(None, max_length=512, description="Opaque `next_cursor` of the previous page."),
        ),
    ]


def _list_parameters(spec: CollectionSpec) -> list[inspect.Parameter]:
    keyword = KEYWORD
    params = common_parameters(spec.schema)
    params.append(
        inspect.Parameter(
            "count",
            keyword,
            annotation=bool,
            default=Query(False, description="`true` adds `total`: how many items match in all."),
        )
    )
    names = facets.facetable(spec)
    if names:
        params.append(
            inspect.Parameter(
                "facet",
                keyword,
                annotation=comma_list_of(names) | None,
                default=Query(
                    None,
                    description="Adds `facets`: for each named filter (a comma list of "
                    + ", ".join(f"`{n}`" for n in names)
                    + "), each value's count under the other filters, most frequent first.",
                    examples=[names[0]],
                ),
            )
        )
    return [*params, *query_parameters(spec)]


def filter_values(spec: CollectionSpec, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The filters a request sets (by name), from the endpoint's keyword arguments; ``from`` after
    ``to`` is a 422."""
    values = {
        item_filter.name: kwargs[f"filter_{item_filter.name}"]
        for item_filter in spec.filters
        if kwargs.get(f"filter_{item_filter.name}") is not None
    }
    _check_range(values.get("from"), values.get("to"))
    return values


def filter_clauses(
    connection: Connection,
    spec: CollectionSpec,
    values: dict[str, Any],
    *,
    q: str | None = None,
    leave_out: str | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filters set in ``values`` (all but ``leave_out``) and of ``q``: the
    parameters AND together. With ``listing.filtered_select`` they make the list's query, unlimited."""
    terms = filters.search_terms(connection, q) if q is not None else None
    return _clauses(connection.dialect.name, spec, values, q is not None, terms, leave_out)


def _clauses(
    dialect: str,
    spec: CollectionSpec,
    values: dict[str, Any],
    searched: bool,
    terms: str | None,
    leave_out: str | None = None,
) -> list[ColumnElement[bool]]:
    """``filter_clauses`` with ``q`` already turned into the search index's ``terms`` (``searched``:
    whether there was a ``q``; its terms None when it can match nothing)."""
    where = [f.where(values[f.name]) for f in spec.filters if f.name in values and f.name != leave_out]
    if searched:
        where.append(filters.matching_terms(dialect, spec.model, spec.name, terms))
    return where


def comma_list_of(names: list[str]) -> Any:
    """Names (at most as many as there are), comma-separated, parsed to a tuple; documented as such (so
    generated requests are valid), an unknown one a 422 that lists the valid names."""
    pattern = filters.comma_pattern("|".join(names), len(names))

    def parse(value: str) -> tuple[str, ...]:
        parts = filters.split_at_most(value, len(names))
        unknown = sorted(set(parts) - set(names))
        if unknown:
            shown = ", ".join(repr(n if len(n) <= 40 else n[:40] + "…") for n in unknown[:5])
            raise ValueError(f"unknown {shown}: use any of {', '.join(names)}")
        return tuple(dict.fromkeys(parts))

    return Annotated[str, AfterValidator(parse), WithJsonSchema({"type": "string", "pattern": pattern})]


def _check_range(start: str | None, end: str | None) -> None:
    """``from`` after ``to`` matches nothing: a mistake worth a 422 rather than a silent empty page."""
    if start is None or end is None:
        return
    if PartialDate.parse(start).earliest > PartialDate.parse(end).latest:
        message = f"`from` ({start}) is after `to` ({end})"
        raise RequestValidationError(
            [{"loc": ("query", "from"), "msg": message, "type": "value_error.date_range", "input": start}]
        )


def _counts(
    connection: Connection,
    spec: CollectionSpec,
    values: dict[str, Any],
    searched: bool,
    terms: str | None,
    count: bool,
    names: tuple[str, ...] | None,
    key: Hashable,
) -> dict[str, Any]:
    """``total`` (with ``count``) and ``facets`` (for ``names``): each facet counted under the other
    filters, on the indexes; under no filter at all, read from the seed-time tally. ``key``: what the
    clauses are a function of, as for the page (``listing.list_page``'s ``where_key``)."""
    extra: dict[str, Any] = {}
    filtered = bool(values) or searched
    unfiltered = [n for n in names or () if not searched and not any(other != n for other in values)]
    whole = facets.stored(connection, spec, unfiltered) if unfiltered or (count and not filtered) else {}
    dialect = connection.dialect.name
    if count:
        extra["total"] = (
            facets.total(connection, spec, lambda: _clauses(dialect, spec, values, searched, terms), key)
            if filtered
            else whole["total"]
        )
    if names:
        by_name = {f.name: f for f in spec.filters}
        extra["facets"] = {
            name: whole[name]
            if name in unfiltered
            else facets.facet(
                connection,
                spec,
                by_name[name],
                partial(_clauses, dialect, spec, values, searched, terms, leave_out=name),
                key,
            )
            for name in names
        }
    return extra


def _add_list_route(router: APIRouter, spec: CollectionSpec) -> None:

    def list_endpoint(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        sort = spec.sort(str(kwargs["sort"]) if "sort" in kwargs else None)
        values = filter_values(spec, kwargs)
        scope = list_scope(spec.name, sort.name, {**values, "q": kwargs["q"]} if kwargs["q"] else values)
        after = None
        if kwargs["cursor"] is not None:
            try:
                cursor = decode_cursor(kwargs["cursor"], sort=scope)
                after = (listing.cursor_key(spec, sort, cursor.key), cursor.id)
            except (InvalidCursorError, listing.InvalidSortKeyError) as exc:
                raise ProblemError(ProblemType.INVALID_CURSOR, f"invalid cursor: {exc}") from None
        searched = kwargs["q"] is not None
        with kwargs["engine"].connect() as connection:
            terms = filters.search_terms(connection, kwargs["q"]) if searched else None
            dialect = connection.dialect.name
            where_key = (tuple(sorted(values.items())), searched, terms)
            bodies, next_position = listing.list_page(
                connection,
                spec,
                where=lambda: _clauses(dialect, spec, values, searched, terms),
                sort=sort,
                after=after,
                limit=kwargs["limit"],
                where_key=where_key,
            )
            extra = (
                _counts(
                    connection, spec, values, searched, terms, kwargs["count"], kwargs.get("facet"), where_key
                )
                if kwargs["count"] or kwargs.get("facet")
                else None
            )
        if kwargs["fields"] is not None:
            bodies = [select_fields(body, kwargs["fields"]) for body in bodies]
            return stored_page_response(request, bodies, scope, next_position, extra, media_type=PARTIAL_JSON)
        return stored_page_response(request, bodies, scope, next_position, extra)

    list_endpoint.__signature__ = inspect.Signature(_list_parameters(spec))  # type: ignore[attr-defined]
    list_endpoint.__name__ = list_operation(spec)
    router.add_api_route(
        f"/{spec.name}",
        list_endpoint,
        methods=["GET"],
        operation_id=list_operation(spec),
        tags=[spec.summary],
        summary=f"List {spec.summary.lower()}",
        description=spec.description + '\n\nPaginated with an opaque keyset cursor; a `Link: rel="next"` '
        "header accompanies every page but the last.",
        response_model=None,
        responses={
            200: {
                "model": page_model(spec.schema),
                "content": {
                    **partial_content(partial_page(page_model(spec.schema), spec.schema)),
                    **export_content(spec.schema, spec.name),
                },
                "description": f"A page of {spec.summary.lower()} (with `fields`: of partial items; with "
                "`Accept: text/csv` or `application/x-ndjson`: every matching item, as "
                f"`/v1/{spec.name}.csv` and `.ndjson` serve them).",
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


REFERENCED_BY: dict[str, tuple[str, type[BaseModel]]] = {
    "parties": ("party", PartyDetail),
    "topics": ("topic", TopicDetail),
}
"""Details that say what refers to them: the filter that finds those items, and the detail's schema."""


def referenced_by(connection: Connection, parameter: str, item_id: str) -> dict[str, dict[str, Any]]:
    """Per collection with a ``parameter`` filter: how many items it finds for ``item_id``, and where.
    Each count is one index range (a link table's ``(party_id | topic_id, collection, item_id)``, or the
    collection's ``party_id`` index)."""
    out = {}
    for spec in COLLECTIONS:
        item_filter = next((f for f in spec.filters if f.name == parameter), None)
        if item_filter is None or isinstance(item_filter.where, filters.ThroughRound):
            continue
        if isinstance(item_filter.where, filters.LinkedTo):
            count = item_filter.where.count((item_id,))
        else:
            count = select(func.count()).select_from(spec.table).where(item_filter.where((item_id,)))
        out[spec.name] = {
            "count": connection.execute(count).scalar_one(),
            "url": f"/v1/{spec.name}?{parameter}={item_id}",
        }
    return out


def _add_detail_route(router: APIRouter, spec: CollectionSpec) -> None:
    parameter, detail_schema = REFERENCED_BY.get(spec.name, (None, spec.detail_schema or spec.schema))

    def detail_endpoint(item_id: str, engine: Engine, fields: tuple[str, ...] | None) -> Response:
        with engine.connect() as connection:
            body = listing.get_body(connection, spec, item_id)
            if body is not None and parameter is not None:  # spliced into the stored object's end
                references = orjson.dumps(referenced_by(connection, parameter, item_id))
                body = body[:-1] + b',"referenced_by":' + references + b"}"
        if body is None:
            raise ProblemError(ProblemType.NOT_FOUND, f"no {spec.singular} with id '{item_id}'")
        return item_response(body, fields)

    keyword = inspect.Parameter.KEYWORD_ONLY
    example = (example_for(spec.name, "detail") or {}).get("id", "an-id")
    detail_endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("item_id", keyword, annotation=Annotated[SlugParam, id_path(example)]),
            inspect.Parameter("engine", keyword, annotation=EngineDep),
            inspect.Parameter("fields", keyword, annotation=fields_param(detail_schema), default=None),
        ]
    )
    detail_endpoint.__name__ = get_operation(spec)
    router.add_api_route(
        f"/{spec.name}/{{item_id}}",
        detail_endpoint,
        methods=["GET"],
        operation_id=get_operation(spec),
        tags=[spec.summary],
        summary=f"Get one {spec.singular}",
        description=f"One item of {spec.name}, with its references"
        + (" and citations." if spec.cited else "."),
        response_model=None,
        responses={
            200: {
                "model": detail_schema,
                "content": partial_content(partial_schema(detail_schema)),
                "description": f"The {spec.singular} (with `fields`: only those fields).",
            },
            **PROBLEM_RESPONSES,
        },
    )


def _add_document_text_route(router: APIRouter) -> None:
    spec = next(s for s in COLLECTIONS if s.name == "documents")

    @router.get(
        "/documents/{item_id}/text",
        operation_id="getDocumentText",
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
