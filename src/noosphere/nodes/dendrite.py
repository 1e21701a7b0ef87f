"""The dendrite: the client side of a node, sending signed requests to axons and checking answers.

Each query signs its request for one axon (:func:`~noosphere.nodes.auth.sign_request`, receiver
= the axon's hotkey), enforces one overall deadline (connect, send and the whole answer), caps
the answer's size, and accepts the answer only if it is a 2xx signed by the axon's hotkey for
this very request (:func:`~noosphere.nodes.auth.verify_response`) and fits the response model.
Each failure is an :class:`~noosphere.nodes.errors.AxonError` naming the axon:

* :class:`MinerTimeoutError` - no complete answer within the timeout;
* :class:`MinerUnreachableError` - cannot connect, or the connection broke;
* :class:`AxonRejectedError` - a non-2xx status (its ``{"error"}`` text is quoted);
* :class:`ResponseSignatureError` - the answer is unsigned, stale or signed by another key;
* :class:`GarbageResponseError` - the body is too big, not JSON, or not the model.

:meth:`Dendrite.query_many` asks many axons at once (bounded concurrency) and returns one
:class:`AxonResult` per axon, in order: a failing miner is a normal result, not an exception.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from noosphere.errors import InputError
from noosphere.nodes.auth import (
    DEFAULT_SKEW,
    NONCE_HEADER,
    _address,
    sign_request,
    verify_response,
)
from noosphere.nodes.errors import (
    AuthError,
    AxonError,
    AxonRejectedError,
    GarbageResponseError,
    MinerTimeoutError,
    MinerUnreachableError,
    ResponseSignatureError,
)

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

T = TypeVar("T", bound=BaseModel)
DEFAULT_TIMEOUT = 12.0
DEFAULT_MAX_RESPONSE = 16 * 1024 * 1024


@dataclass(frozen=True)
class AxonTarget:
    """Where an axon listens (``http(s)://host:port``) and the hotkey it must answer with."""

    url: str
    hotkey: str

    def __post_init__(self) -> None:
        try:
            parsed = httpx.URL(self.url)
        except (httpx.InvalidURL, TypeError):
            raise InputError(f"axon URL {self.url!r:.100} is not a valid URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InputError(f"axon URL {self.url!r:.100} must be http(s)://host[:port]")
        if parsed.query or parsed.fragment:
            raise InputError(f"axon URL {self.url!r:.100} must not have a query or fragment")
        object.__setattr__(self, "url", self.url.rstrip("/"))
        object.__setattr__(self, "hotkey", _address(self.hotkey, "an axon hotkey"))

    def __str__(self) -> str:
        return f"axon {self.hotkey} at {self.url}"


@dataclass(frozen=True)
class AxonResult(Generic[T]):
    """The outcome of querying one axon: ``response`` if it answered well, else ``error``."""

    target: AxonTarget
    response: T | None = None
    error: AxonError | None = None
    elapsed: float = field(default=0.0, compare=False)

    @property
    def ok(self) -> bool:
        """Whether the axon gave a valid, signed answer."""
        return self.error is None


@dataclass(frozen=True)
class _Prepared:
    url: str
    path: str
    body: bytes
    headers: dict[str, str]
    nonce: str


class Dendrite:
    """Signs requests with ``account`` (a hotkey) and checks the axons' answers.

    ``timeout`` (seconds) bounds a whole query; ``max_concurrency`` bounds how many axons
    :meth:`query_many` talks to at once; ``max_response`` caps an answer's size in bytes;
    ``skew`` is the window for the answer's timestamp. Use as a context manager (or call
    :meth:`close`) to release the sync connection pool.
    """

    def __init__(
        self,
        account: LocalAccount,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        max_concurrency: int = 32,
        max_response: int = DEFAULT_MAX_RESPONSE,
        skew: float = DEFAULT_SKEW,
    ) -> None:
        if not timeout > 0:
            raise InputError(f"a dendrite timeout must be positive seconds, got {timeout!r}")
        if max_concurrency < 1:
            raise InputError(f"max_concurrency must be at least 1, got {max_concurrency!r}")
        self.account = account
        self.hotkey: str = account.address
        self.timeout = float(timeout)
        self.max_concurrency = max_concurrency
        self.max_response = max_response
        self.skew = skew
        self._client: httpx.Client | None = None

    # --- one axon, synchronously -----------------------------------------------------------
    def query(
        self,
        target: AxonTarget,
        path: str,
        payload: BaseModel,
        response_model: type[T],
        *,
        timeout: float | None = None,
    ) -> T:
        """POST ``payload`` to ``path`` on ``target`` and return its checked answer.

        Raises an :class:`~noosphere.nodes.errors.AxonError` subclass naming what went wrong.
        """
        limit = self.timeout if timeout is None else timeout
        model = response_model
        prepared = self._prepare(target, path, payload)
        deadline = time.monotonic() + limit
        if self._client is None:
            self._client = httpx.Client(follow_redirects=False)
        try:
            with self._client.stream(
                "POST",
                prepared.url,
                content=prepared.body,
                headers=prepared.headers,
                timeout=httpx.Timeout(limit),
            ) as answer:
                chunks: list[bytes] = []
                size = 0
                for chunk in answer.iter_bytes():
                    size = self._check_size(target, prepared, size + len(chunk))
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TimeoutError
                data = b"".join(chunks)
        except (TimeoutError, httpx.TimeoutException):
            raise self._timeout(target, prepared, limit) from None
        except httpx.HTTPError as exc:
            raise self._transport(target, prepared, exc) from None
        return self._finish(target, prepared, answer.status_code, answer.headers, data, model)

    # --- one axon, asynchronously ----------------------------------------------------------
    async def aquery(
        self,
        target: AxonTarget,
        path: str,
        payload: BaseModel,
        response_model: type[T],
        *,
        timeout: float | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> T:
        """The async form of :meth:`query`; pass ``client`` to share a connection pool."""
        limit = self.timeout if timeout is None else timeout
        prepared = self._prepare(target, path, payload)
        if client is None:
            async with httpx.AsyncClient(follow_redirects=False) as own:
                return await self._aquery(target, prepared, response_model, limit, own)
        return await self._aquery(target, prepared, response_model, limit, client)

    async def _aquery(
        self,
        target: AxonTarget,
        prepared: _Prepared,
        model: type[T],
        limit: float,
        client: httpx.AsyncClient,
    ) -> T:
        try:
            async with asyncio.timeout(limit):
                async with client.stream(
                    "POST",
                    prepared.url,
                    content=prepared.body,
                    headers=prepared.headers,
                    timeout=httpx.Timeout(limit),
                ) as answer:
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in answer.aiter_bytes():
                        size = self._check_size(target, prepared, size + len(chunk))
                        chunks.append(chunk)
                    data = b"".join(chunks)
        except (TimeoutError, httpx.TimeoutException):
            raise self._timeout(target, prepared, limit) from None
        except httpx.HTTPError as exc:
            raise self._transport(target, prepared, exc) from None
        return self._finish(target, prepared, answer.status_code, answer.headers, data, model)

    # --- many axons --------------------------------------------------------------------------
    async def aquery_many(
        self,
        targets: Sequence[AxonTarget],
        path: str,
        payload: BaseModel | Sequence[BaseModel],
        response_model: type[T],
        *,
        timeout: float | None = None,
    ) -> list[AxonResult[T]]:
        """Query every target concurrently; one :class:`AxonResult` per target, in order.

        ``payload`` is sent to all, or is a sequence with one payload per target. At most
        ``max_concurrency`` queries run at once; each has its own timeout.
        """
        if isinstance(payload, BaseModel):
            payloads: Sequence[BaseModel] = [payload] * len(targets)
        else:
            payloads = payload
            if len(payloads) != len(targets):
                raise InputError(
                    f"{len(payloads)} payloads for {len(targets)} axons: give one per axon"
                )
        gate = asyncio.Semaphore(self.max_concurrency)
        limits = httpx.Limits(max_connections=self.max_concurrency)
        async with httpx.AsyncClient(follow_redirects=False, limits=limits) as client:

            async def one(target: AxonTarget, body: BaseModel) -> AxonResult[T]:
                async with gate:
                    started = time.monotonic()
                    try:
                        answer = await self.aquery(
                            target, path, body, response_model, timeout=timeout, client=client
                        )
                    except AxonError as exc:
                        return AxonResult(target, None, exc, time.monotonic() - started)
                    return AxonResult(target, answer, None, time.monotonic() - started)

            return list(await asyncio.gather(*map(one, targets, payloads)))

    def query_many(
        self,
        targets: Sequence[AxonTarget],
        path: str,
        payload: BaseModel | Sequence[BaseModel],
        response_model: type[T],
        *,
        timeout: float | None = None,
    ) -> list[AxonResult[T]]:
        """Synchronous :meth:`aquery_many` (runs its own event loop; not inside a running one)."""
        return asyncio.run(
            self.aquery_many(targets, path, payload, response_model, timeout=timeout)
        )

    def close(self) -> None:
        """Close the sync connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Dendrite:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- shared steps ----------------------------------------------------------------------
    def _prepare(self, target: AxonTarget, path: str, payload: BaseModel) -> _Prepared:
        if not isinstance(target, AxonTarget):
            raise InputError(f"an axon target must be an AxonTarget, not {type(target).__name__}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise InputError(f"an axon route must start with '/', got {path!r}")
        if not isinstance(payload, BaseModel):
            raise InputError(f"a payload must be a pydantic model, not {type(payload).__name__}")
        url = target.url + path
        wire = httpx.URL(url).raw_path.decode("ascii")
        body = payload.model_dump_json().encode()
        headers = sign_request(self.account, "POST", wire, body, target.hotkey)
        headers["Content-Type"] = "application/json"
        return _Prepared(url, wire, body, headers, headers[NONCE_HEADER])

    def _check_size(self, target: AxonTarget, prepared: _Prepared, size: int) -> int:
        if size > self.max_response:
            raise GarbageResponseError(
                f"{target} sent more than {self.max_response} bytes for {prepared.path}"
            )
        return size

    def _finish(
        self,
        target: AxonTarget,
        prepared: _Prepared,
        status: int,
        headers: Mapping[str, str],
        data: bytes,
        response_model: type[T],
    ) -> T:
        if not 200 <= status < 300:
            raise _rejected(target, prepared, status, headers, data)
        try:
            verify_response(
                status,
                "POST",
                prepared.path,
                data,
                headers,
                prepared.nonce,
                self.hotkey,
                target.hotkey,
                skew=self.skew,
            )
        except AuthError as exc:
            raise ResponseSignatureError(
                f"{target} answered {prepared.path} without a valid signature: {exc.message}"
            ) from None
        try:
            return response_model.model_validate_json(data)
        except ValidationError as exc:
            raise GarbageResponseError(
                f"{target} answered {prepared.path} with garbage: not a valid "
                f"{response_model.__name__} ({_summary(exc)}); body starts {data[:80]!r}"
            ) from None

    def _timeout(self, target: AxonTarget, prepared: _Prepared, limit: float) -> MinerTimeoutError:
        return MinerTimeoutError(
            f"{target} did not answer {prepared.path} within {limit:g} s",
            hint="the miner is slow, overloaded or down",
        )

    def _transport(
        self, target: AxonTarget, prepared: _Prepared, exc: httpx.HTTPError
    ) -> AxonError:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
            return GarbageResponseError(
                f"{target} broke the HTTP protocol answering {prepared.path}: {reason}"
            )
        return MinerUnreachableError(f"{target} is unreachable for {prepared.path}: {reason}")


def _summary(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return str(exc)
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "body"
    more = f", and {len(errors) - 1} more" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"


def _rejected(
    target: AxonTarget, prepared: _Prepared, status: int, headers: Mapping[str, str], data: bytes
) -> AxonRejectedError:
    try:
        decoded: Any = json.loads(data)
        error = decoded["error"] if isinstance(decoded, dict) else None
    except (ValueError, KeyError):
        error = None
    text = str(error)[:300] if isinstance(error, str) else repr(data[:120])
    retry_after = None
    raw = headers.get("retry-after")
    if status == 429 and raw is not None and raw.isdigit():
        retry_after = float(raw)
    return AxonRejectedError(
        f"{target} refused {prepared.path} with HTTP {status}: {text}",
        status=status,
        error=text,
        retry_after=retry_after,
    )
