"""The axon: the FastAPI server side of a node, serving signed requests from permitted hotkeys.

:func:`create_axon` builds the app. ``GET /health`` and ``GET /info`` are public; every route
added with an :class:`AxonRoute` is a protected ``POST`` whose request passes, in this order:

1. ``Content-Length`` above ``max_body`` → 413 (nothing read);
2. ``X-Noos-*`` headers missing or malformed → 401; timestamp outside ±``skew`` s → 401;
3. body read, capped at ``max_body`` → 413;
4. signature does not recover to ``X-Noos-Hotkey`` for this axon's hotkey → 401;
5. ``permit_check(hotkey)`` false → 403 (the check failing → 503);
6. (hotkey, nonce) already seen (:class:`~noosphere.nodes.auth.ReplayGuard`) → 401;
7. the hotkey's token bucket is empty → 429 with ``Retry-After``.

Refusals are JSON ``{"error": "..."}`` naming what was wrong. A request that passed is parsed
into the route's request model (422 if it does not fit), handed to the handler, and the answer
(200, or the handler's error) is signed by the axon's hotkey for the caller
(:func:`~noosphere.nodes.auth.sign_response`), so the caller can check who answered.
The replay check comes after the permit check (only permitted hotkeys can write to the replay
database) and before the rate limit (a captured request replayed by a third party cannot drain a
validator's bucket).
"""

from __future__ import annotations

import inspect
import json
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from noosphere import __version__
from noosphere.errors import InputError, NoosphereError
from noosphere.nodes.auth import (
    DEFAULT_SKEW,
    REQUEST_PROTOCOL,
    ReplayGuard,
    check_fresh,
    check_signature,
    parse_request_auth,
    sign_response,
)
from noosphere.nodes.errors import (
    BodyTooLargeError,
    MalformedHeaderError,
    NodeError,
    NoPermitError,
    RateLimitedError,
)
from noosphere.nodes.ratelimit import RateLimiter

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 4 * 1024 * 1024
Req = TypeVar("Req", bound=BaseModel)
Resp = TypeVar("Resp", bound=BaseModel)


@dataclass(frozen=True)
class Caller:
    """An authenticated request: who signed it, its nonce and timestamp, and what was sent."""

    hotkey: str
    nonce: str
    timestamp: int
    method: str
    path: str
    body: bytes


@dataclass(frozen=True)
class AxonRoute(Generic[Req, Resp]):
    """A protected ``POST`` route: ``handler(request, caller)`` returns the response model.

    The handler may be sync (run in a worker thread; inference is CPU-bound) or async. It may
    raise a :class:`~noosphere.errors.NoosphereError` to answer 400 with its message (or a
    :class:`~noosphere.nodes.errors.NodeError`'s own ``http_status``).
    """

    path: str
    request_model: type[Req]
    response_model: type[Resp]
    handler: Callable[[Req, Caller], Resp | Awaitable[Resp]]
    summary: str | None = None


class _Axon:
    """The state behind one axon app (kept on ``app.state.noos_axon``)."""

    def __init__(
        self,
        account: LocalAccount,
        permit_check: Callable[[str], bool],
        guard: ReplayGuard,
        limiter: RateLimiter,
        *,
        skew: float,
        max_body: int,
        netuid: int | None,
        version: str,
    ) -> None:
        self.account = account
        self.hotkey: str = account.address
        self.permit_check = permit_check
        self.guard = guard
        self.limiter = limiter
        self.skew = skew
        self.max_body = max_body
        self.netuid = netuid
        self.version = version

    async def authenticate(self, request: Request) -> Caller:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            raise BodyTooLargeError(
                f"request body of {length[:20]} bytes is over this axon's limit of "
                f"{self.max_body} bytes"
            )
        auth = parse_request_auth(request.headers)
        check_fresh(auth.timestamp, skew=self.skew)
        body = await self._read_body(request)
        method, path = request.method, _wire_path(request)
        signer = check_signature(auth, method, path, body, self.hotkey)
        await run_in_threadpool(self._admit, signer, auth.nonce, auth.timestamp)
        wait = self.limiter.acquire(signer)
        if wait > 0:
            raise RateLimitedError(
                f"rate limited: {signer} sent more than {self.limiter.burst:g} requests at "
                f"{self.limiter.rate:g}/s; retry in {math.ceil(wait)} s",
                retry_after=wait,
            )
        return Caller(signer, auth.nonce, auth.timestamp, method, path, body)

    def _admit(self, signer: str, nonce: str, timestamp: int) -> None:
        try:
            permitted = bool(self.permit_check(signer))
        except Exception:  # a chain or cache failure: refuse, log why, keep serving
            log.warning("permit check for %s failed", signer, exc_info=True)
            raise _Unavailable(
                f"this axon cannot check the validator permit of {signer} right now",
                hint="retry later",
            ) from None
        if not permitted:
            raise NoPermitError(
                f"{signer} holds no validator permit on this subnet; this axon serves only "
                "validators"
            )
        self.guard.check_and_record(signer, nonce, timestamp)

    async def _read_body(self, request: Request) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLargeError(
                    f"request body is over this axon's limit of {self.max_body} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def serve(self, route: AxonRoute[Any, Any], caller: Caller) -> Response:
        try:
            payload = route.request_model.model_validate_json(caller.body)
        except ValidationError as exc:
            message = f"request body is not a valid {route.request_model.__name__}: "
            return self.signed(caller, 422, {"error": message + _first_error(exc)})
        try:
            if inspect.iscoroutinefunction(route.handler):
                result = await route.handler(payload, caller)
            else:
                result = await run_in_threadpool(route.handler, payload, caller)
                if inspect.isawaitable(result):
                    result = await result
        except NoosphereError as exc:
            status = exc.http_status if isinstance(exc, NodeError) else 400
            return self.signed(caller, status, {"error": str(exc)})
        except Exception:
            log.exception("handler of %s failed", route.path)
            return self.signed(caller, 500, {"error": f"internal error in {route.path}"})
        try:
            answer = route.response_model.model_validate(result)
        except ValidationError as exc:
            log.error("handler of %s returned an invalid answer: %s", route.path, exc)
            return self.signed(caller, 500, {"error": f"internal error in {route.path}"})
        return self.signed(caller, 200, answer.model_dump_json().encode())

    def signed(self, caller: Caller, status: int, content: bytes | dict[str, Any]) -> Response:
        """A JSON response to ``caller`` carrying this axon's signature over status and body."""
        body = content if isinstance(content, bytes) else _json(content)
        headers = sign_response(
            self.account, status, caller.method, caller.path, body, caller.nonce, caller.hotkey
        )
        return Response(body, status, headers=headers, media_type="application/json")

    def info(self) -> dict[str, Any]:
        return {
            "hotkey": self.hotkey,
            "version": self.version,
            "netuid": self.netuid,
            "protocol": REQUEST_PROTOCOL,
            "skew_seconds": self.skew,
            "max_body_bytes": self.max_body,
            "rate_per_second": self.limiter.rate,
            "burst": self.limiter.burst,
        }


class _Unavailable(NodeError):
    http_status = 503


def _json(content: dict[str, Any]) -> bytes:
    return json.dumps(content, separators=(",", ":")).encode()


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return str(exc)
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"


def _wire_path(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string") or b""
    try:
        path = raw.decode("ascii")
        return path + ("?" + query.decode("ascii") if query else "")
    except UnicodeDecodeError:
        raise MalformedHeaderError("request path is not ASCII; it cannot be signed") from None


def _state(app: Any) -> _Axon:
    state = getattr(app.state, "noos_axon", None)
    if not isinstance(state, _Axon):
        raise InputError("this FastAPI app was not made by noosphere.nodes.create_axon")
    return state


async def authenticate(request: Request) -> Caller:
    """FastAPI dependency: the authenticated :class:`Caller` of a request to an axon app.

    Runs the checks of the module docstring and raises the matching
    :class:`~noosphere.nodes.errors.NodeError` (answered as JSON with its status).
    """
    return await _state(request.app).authenticate(request)


def add_route(app: FastAPI, route: AxonRoute[Any, Any]) -> None:
    """Register a protected ``POST`` route on an axon app made by :func:`create_axon`."""
    axon = _state(app)
    if not route.path.startswith("/") or route.path in ("/health", "/info"):
        raise InputError(f"an axon route must start with '/' and not be public: {route.path!r}")

    async def endpoint(caller: Caller = Depends(authenticate)) -> Response:
        return await axon.serve(route, caller)

    schema = route.request_model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    app.add_api_route(
        route.path,
        endpoint,
        methods=["POST"],
        response_model=route.response_model,
        summary=route.summary,
        name=route.path.strip("/").replace("/", "_") or "root",
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}
        },
        responses={
            401: {"description": "unsigned, badly signed, stale or replayed request"},
            403: {"description": "the signing hotkey holds no validator permit"},
            413: {"description": "request body too large"},
            422: {"description": "request body does not match the model"},
            429: {"description": "rate limited; see Retry-After"},
        },
    )
    if defs:  # nested models of the request, for the OpenAPI document
        app.openapi_schema = None
        _extra_schemas(app).update(defs)


def _extra_schemas(app: FastAPI) -> dict[str, Any]:
    extra: dict[str, Any] = getattr(app.state, "noos_extra_schemas", {})
    app.state.noos_extra_schemas = extra
    return extra


def create_axon(
    *,
    hotkey_account: LocalAccount,
    permit_check: Callable[[str], bool],
    replay_db: Path,
    routes: Sequence[AxonRoute[Any, Any]] = (),
    netuid: int | None = None,
    version: str = __version__,
    skew: float = DEFAULT_SKEW,
    rate: float = 5.0,
    burst: float = 20,
    max_body: int = DEFAULT_MAX_BODY,
    title: str = "Noosphere axon",
) -> FastAPI:
    """A FastAPI axon answering as ``hotkey_account``; see the module docstring for the checks.

    ``permit_check(hotkey)`` says whether a checksummed hotkey holds a validator permit (keep
    it fast: a cached metagraph, not a chain call). ``replay_db`` is the SQLite file of seen
    nonces (survives restarts). ``rate``/``burst`` configure each hotkey's token bucket,
    ``max_body`` the largest request body in bytes. More routes: :func:`add_route`.
    """
    if max_body < 0:
        raise InputError(f"max_body must be a non-negative number of bytes, got {max_body!r}")
    if not skew > 0:
        raise InputError(f"the clock-skew window must be positive, got {skew!r}")
    guard = ReplayGuard(Path(replay_db), window=skew)
    axon = _Axon(
        hotkey_account,
        permit_check,
        guard,
        RateLimiter(rate, burst),
        skew=skew,
        max_body=max_body,
        netuid=netuid,
        version=version,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        guard.close()

    app = FastAPI(title=title, version=version, lifespan=lifespan)
    app.state.noos_axon = axon
    _install_error_handlers(app)

    @app.get("/health", summary="Liveness probe")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/info", summary="Who this axon is")
    def info() -> dict[str, Any]:
        return axon.info()

    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original_openapi()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, value in _extra_schemas(app).items():
                components.setdefault(name, value)
        return app.openapi_schema or original_openapi()

    app.openapi = openapi  # type: ignore[method-assign]
    for route in routes:
        add_route(app, route)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    async def node_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NodeError)
        headers = {}
        if isinstance(exc, RateLimitedError):
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return JSONResponse({"error": str(exc)}, exc.http_status, headers=headers)

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return JSONResponse(
            {"error": str(exc.detail)}, exc.status_code, headers=getattr(exc, "headers", None)
        )

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ())) or "request"
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"}, 422)

    app.add_exception_handler(NodeError, node_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
