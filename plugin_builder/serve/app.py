"""The PowerQuery API as a Starlette application.

Endpoints (as PowerSchool answers them; docs/api.md cites the evidence for each shape):

- ``POST /oauth/access_token`` (with or without a trailing slash) — the client id and secret by
  HTTP Basic (or as form fields), ``grant_type=client_credentials`` → ``{"access_token",
  "token_type": "Bearer", "expires_in": "3600"}`` (a string, as PowerSchool sends it); OAuth
  error bodies (``{"error": "invalid_client"}`` 401, ``unsupported_grant_type`` 400).
- ``GET /ws/v1/metadata`` → ``{"metadata": {plugin_id, powerschool_version, …_max_page_size}}``.
- ``POST /ws/schema/query/{name}`` — a JSON object of args → ``{"name": <core table>, "count"?,
  "record": […]}`` (``record`` left out when there are no records); values as strings;
  ``pagesize`` (default 100, 0 = every row, streamed), ``page`` (1-based), ``count=true``,
  ``order=alias[;desc],…``.
- ``POST /ws/schema/query/{name}/count`` → ``{"count": N}``.
- ``GET /ws/schema/query/api`` → the plugin's queries and their args.

Other errors are ``{"message": …}``: 400 bad body or args, 401 missing/forged/expired token, 403
a field read outside ``access_request`` (named), 404 unknown query, 501 what the Oracle layer
does not emulate.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from plugin_builder.serve.auth import Credentials
from plugin_builder.serve.binds import ArgError, typed_binds
from plugin_builder.serve.engine import QueryEngine, QueryFailed, api_value
from plugin_builder.serve.plugin import ServedPlugin, ServedQuery

DEFAULT_PAGESIZE = 100
MAX_PAGING = 2**31 - 1  # page and pagesize: beyond any result, and page * pagesize fits DuckDB's BIGINT
MAX_BODY_BYTES = 1024 * 1024  # args are small; a bigger body is refused before it is parsed
# GET /ws/v1/metadata: PowerSchool's page-size limits are set per server and not in our sources;
# serve reports its own default page size for each and enforces no maximum.
METADATA_PAGE_SIZE_FIELDS = (
    "course_max_page_size",
    "school_max_page_size",
    "schema_table_query_max_page_size",
    "section_enrollment_max_page_size",
    "section_max_page_size",
    "staff_max_page_size",
    "student_max_page_size",
    "term_max_page_size",
)

log = logging.getLogger("plugin_builder.serve")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class JSON(Response):
    media_type = "application/json"

    def render(self, content: object) -> bytes:
        return _dumps(content)


class ClosingStream(StreamingResponse):
    """A streamed answer that releases what it reads (the stored result, the cursor) when it
    ends, also when the client left halfway or before the first chunk: at once, not at some
    later garbage collection."""

    def __init__(self, content: Iterator[bytes], on_close: Callable[[], None], **kwargs):
        super().__init__(content, **kwargs)
        self._content = content
        self._on_close = on_close

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._content.close()  # runs the generator's own finally if it had started
            self._on_close()


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSON({"message": message}, status_code=status, headers=headers)


def _oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> Response:
    """An OAuth 2.0 error body (RFC 6749 §5.2), which OAuth client libraries turn into their own errors."""
    return JSON(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


# --- records ------------------------------------------------------------------------------


def result_name(query: ServedQuery) -> str:
    """The answer's ``"name"``: the core table as PowerSchool names it (``"Students"`` for
    ``coreTable="students"``), or the query's name when it declares none."""
    core = (query.core_table or "").strip()
    return core[:1].upper() + core[1:].lower() if core else query.name


def record_maker(query: ServedQuery, columns: list[str]):
    """A function turning one row into a record: flat (alias → value) when the query is
    ``flattened="true"``, else grouped by table (``{"name": <core table>, "tables": {table:
    {field: value}}}``, the table from a two-part alias, else ``coreTable``). Values are strings
    (:func:`api_value`). ``<column>``s map to the SELECT by position; when their number differs,
    the SQL's own names are used, as preview does."""
    names = query.aliases if len(query.aliases) == len(columns) else columns
    if query.flattened:

        def flat(row: tuple) -> dict:
            return {name: api_value(value) for name, value in zip(names, row)}

        return flat
    core = (query.core_table or "results").lower()
    record_name = result_name(query)
    places = []
    for name in names:
        table, dot, field = name.partition(".")
        places.append((table.lower(), field) if dot and field else (core, name))

    def grouped(row: tuple) -> dict:
        tables: dict[str, dict] = {}
        for (table, field), value in zip(places, row):
            tables.setdefault(table, {})[field] = api_value(value)
        return {"name": record_name, "tables": tables}

    return grouped


# --- request parsing ----------------------------------------------------------------------


def _int_param(request: Request, name: str, default: int, minimum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ApiError(400, f"{name} must be at least {minimum} (got {value})")
    if value > MAX_PAGING:
        raise ApiError(400, f"{name} must be at most {MAX_PAGING} (got {value})")
    return value


def parse_order(text: str | None, query: ServedQuery, columns: list[str]) -> list[tuple[int, bool]]:
    """``order=alias[;asc|desc],…`` as column positions; ``table.alias`` is accepted too."""
    if not text:
        return []
    names = query.aliases if len(query.aliases) == len(columns) else columns
    lookup: dict[str, int] = {}
    core = (query.core_table or "").lower()
    for index, name in enumerate(names):
        lookup.setdefault(name.lower(), index)
        if core and "." not in name:
            lookup.setdefault(f"{core}.{name.lower()}", index)
    order = []
    for term in text.split(","):
        name, _, direction = term.strip().partition(";")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise ApiError(400, f"order: {term.strip()!r}: the direction is asc or desc")
        index = lookup.get(name.strip().lower())
        if index is None:
            raise ApiError(400, f"order: {name.strip()!r} is not a column of {query.name}; columns: {', '.join(names)}")
        order.append((index, direction == "desc"))
    return order


async def _read_body(request: Request) -> bytes:
    received = bytearray()
    async for chunk in request.stream():  # read no further than the limit, whatever Content-Length says
        received += chunk
        if len(received) > MAX_BODY_BYTES:
            raise ApiError(413, f"the body is over {MAX_BODY_BYTES} bytes; args fit in far less")
    return bytes(received)


async def _json_body(request: Request) -> dict:
    body = await _read_body(request)
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ApiError(400, 'the body must be a JSON object of args, e.g. {} or {"yearid": 35}')
    return value


# --- the application ----------------------------------------------------------------------


class PowerQueryApi:
    """Holds the plugin, the engine and the credentials; its ``app`` is the ASGI application."""

    def __init__(self, plugin: ServedPlugin, engine: QueryEngine, credentials: Credentials):
        self.plugin = plugin
        self.engine = engine
        self.credentials = credentials
        routes = [
            # both forms answer at once: a redirect would not be followed by every client
            Route("/oauth/access_token", self.access_token, methods=["POST"]),
            Route("/oauth/access_token/", self.access_token, methods=["POST"]),
            Route("/ws/v1/metadata", self.metadata, methods=["GET"]),
            Route("/ws/schema/query/api", self.list_queries, methods=["GET"]),
            Route("/ws/schema/query/{name}/count", self.count, methods=["POST"]),
            Route("/ws/schema/query/{name}", self.run_query, methods=["POST"]),
        ]
        handlers = {HTTPException: self._http_error, ApiError: self._api_error, QueryFailed: self._query_failed}
        self.app = RequestLog(Starlette(routes=routes, exception_handlers=handlers))

    @staticmethod
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        return _error(exc.status_code, exc.detail or "error", getattr(exc, "headers", None))

    @staticmethod
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _error(exc.status, exc.message, exc.headers)

    @staticmethod
    async def _query_failed(request: Request, exc: QueryFailed) -> Response:
        return _error(exc.status, str(exc))

    # -- helpers

    def _authorize(self, request: Request) -> None:
        why = self.credentials.check_bearer(request.headers.get("authorization"))
        if why:
            raise ApiError(401, why, {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    def _query(self, name: str) -> ServedQuery:
        query = self.plugin.queries.get(name)
        if query is None:
            raise ApiError(
                404, f"no query named {name!r} in plugin {self.plugin.name!r}; GET /ws/schema/query/api lists them"
            )
        if query.forbidden:
            table, field = query.forbidden[0]
            more = len(query.forbidden) - 1
            also = (
                f" (and {more} more: {', '.join(f'{t}.{f}' for t, f in query.forbidden[1:4])}{', …' if more > 3 else ''})"
                if more
                else ""
            )
            raise ApiError(
                403,
                f"query {name} reads {table}.{field}, which is not in the plugin's access_request{also}; "
                f'add <field table="{table}" field="{field}" access="ViewOnly"/>',
            )
        if query.unavailable:
            raise ApiError(500, f"query {name} cannot run on this district: {query.unavailable}")
        return query

    async def _binds(self, request: Request, query: ServedQuery) -> dict[str, object]:
        body = await _json_body(request)
        try:
            return typed_binds(body, query.args, self.plugin.dictionary)
        except ArgError as exc:
            raise ApiError(400, str(exc)) from None

    # -- endpoints

    async def access_token(self, request: Request) -> Response:
        form = parse_qs((await _read_body(request)).decode("utf-8", "replace"))
        authorization = request.headers.get("authorization")
        if authorization:
            client_ok = self.credentials.check_basic(authorization)
        else:  # RFC 6749 §2.3.1 also allows the credentials as form fields
            client_ok = self.credentials.check_pair(
                (form.get("client_id") or [""])[0], (form.get("client_secret") or [""])[0]
            )
        if not client_ok:
            return _oauth_error(
                401,
                "invalid_client",
                "invalid client credentials (HTTP Basic client_id:client_secret)",
                {"WWW-Authenticate": 'Basic realm="oauth"'},
            )
        grant = (form.get("grant_type") or [request.query_params.get("grant_type", "")])[0]
        if not grant:
            return _oauth_error(400, "invalid_request", "send grant_type=client_credentials")
        if grant != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "send grant_type=client_credentials")
        token, lifetime = self.credentials.issue()
        return JSON(
            {"access_token": token, "token_type": "Bearer", "expires_in": str(lifetime)},
            headers={"Cache-Control": "no-store"},
        )

    async def metadata(self, request: Request) -> Response:
        self._authorize(request)
        info: dict[str, object] = {
            "plugin_id": 1,
            "powerschool_version": "plugin-builder serve (not PowerSchool)",
        }
        info.update(dict.fromkeys(METADATA_PAGE_SIZE_FIELDS, DEFAULT_PAGESIZE))
        return JSON({"metadata": dict(sorted(info.items()))})

    async def list_queries(self, request: Request) -> Response:
        self._authorize(request)
        queries = []
        for query in self.plugin.queries.values():
            queries.append(
                {
                    "name": query.name,
                    "summary": query.summary,
                    "coreTable": query.core_table,
                    "flattened": query.flattened,
                    "args": [
                        {
                            "name": a.name,
                            "column": a.column,
                            "required": a.required,
                            "type": "array" if a.is_array else "primitive",
                            "description": a.description,
                        }
                        for a in query.args
                    ],
                    "columns": query.aliases,
                    "access": "ok"
                    if not query.forbidden
                    else "403: reads " + ", ".join(f"{t}.{f}" for t, f in query.forbidden),
                }
            )
        return JSON({"plugin": self.plugin.name, "version": self.plugin.version, "query": queries})

    async def count(self, request: Request) -> Response:
        self._authorize(request)
        query = self._query(request.path_params["name"])
        binds = await self._binds(request, query)

        def work() -> int:
            with self.engine.result(query, binds) as result:
                return result.rows

        return JSON({"count": await run_in_threadpool(work)})

    async def run_query(self, request: Request) -> Response:
        self._authorize(request)
        query = self._query(request.path_params["name"])
        binds = await self._binds(request, query)
        for unsupported in ("extensions", "dofor"):
            if unsupported in request.query_params:
                raise ApiError(400, f"{unsupported}= is not emulated by the local server")
        pagesize = _int_param(request, "pagesize", DEFAULT_PAGESIZE, 0)
        page = _int_param(request, "page", 1, 1)
        with_count = request.query_params.get("count", "").lower() == "true"
        order_text = request.query_params.get("order")

        stack = ExitStack()
        try:
            result = await run_in_threadpool(lambda: stack.enter_context(self.engine.result(query, binds)))
            order = parse_order(order_text, query, result.columns)
            make = record_maker(query, result.columns)
            if pagesize == 0:
                body = self._stream(query, result, order, make, with_count)
                return ClosingStream(body, stack.close, media_type="application/json")
            rows = await run_in_threadpool(self.engine.page, result, page, pagesize, order)
            payload: dict[str, object] = {"name": result_name(query)}
            if with_count:
                payload["count"] = result.rows
            if rows:  # PowerSchool leaves "record" out when there is none (docs/api.md)
                payload["record"] = [make(row) for row in rows]
            stack.close()
            return JSON(payload)
        except BaseException:
            stack.close()
            raise

    def _stream(self, query: ServedQuery, result, order, make, with_count: bool) -> Iterator[bytes]:
        """The whole result as one JSON document, a chunk of records at a time: ``name``, then
        ``count`` (known before the first record, so a streaming reader has it first), then
        ``record`` unless the result is empty."""
        head = b'{"name":' + _dumps(result_name(query))
        if with_count:
            head += b',"count":' + str(result.rows).encode()
        if not result.rows:
            yield head + b"}"
            return
        yield head + b',"record":['
        first = True
        chunks = self.engine.stream(result, order)
        try:
            for rows in chunks:
                parts = [_dumps(make(row)) for row in rows]
                if parts:
                    yield (b"" if first else b",") + b",".join(parts)
                    first = False
        finally:
            chunks.close()  # closes the cursor
        yield b"]}"


class RequestLog:
    """One line per request: client, method, path and query string, status, bytes, milliseconds.
    Headers (the credentials and tokens) are never logged."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, size = 500, 0

        async def send_logged(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            client = scope.get("client")
            where = scope.get("path", "") + (
                "?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else ""
            )
            log.info(
                '%s "%s %s" %s %dB %.1fms',
                f"{client[0]}:{client[1]}" if client else "-",
                scope.get("method", "-"),
                where,
                status,
                size,
                (time.perf_counter() - started) * 1000,
            )
