"""The HTTP API of a data provider node (FastAPI; OpenAPI docs at ``/docs``).

Public: ``GET /health``, ``GET /info`` (the axon's), ``GET /provider`` (hotkey, public key to
seal keys to, chain, contracts, built-in recipes). Every other route needs a request signed by
the caller's key (:mod:`noosphere.nodes.auth`: method, path with query, body hash, timestamp,
nonce, this provider's hotkey), checked by the axon's authentication:

=========================  ==================================================================
``POST /keys``             the dataset's owner or manager registers its key (sealed to us)
``POST /download``         the order's consumer gets the plaintext, streamed
``POST /compute``          the order's consumer queues a compute-to-data job (202 + job id)
``GET /jobs``              the caller's jobs, newest first
``GET /jobs/{id}``         a job: status, metrics, output CID, receipt, error
``GET /jobs/{id}/logs``    the job's event log (``?limit=``, at most 200 lines)
``GET /jobs/{id}/output``  the ONNX model of a finished job
=========================  ==================================================================

Refusals are JSON ``{"error": "..."}``: 400 bad input (wrong key, tampered content), 401
unsigned, badly signed or stale, 403 not your order or not allowed (delisted data, a recipe not
on the allow-list), 404 unknown order, dataset, job or key, 409 replayed request or job not
done, 410 expired order, 413 body too large, 422 malformed body or parameters, 429 rate limited,
503 chain unreachable.

JSON answers are signed by the provider's hotkey for the caller
(:func:`~noosphere.nodes.auth.sign_response`). A download's body cannot be signed before it is
streamed: its signature covers the canonical JSON of ``{"content_cid", "data_id", "format",
"order_id", "plaintext_sha256", "plaintext_size"}`` (the values of the ``X-Content-Cid``,
``X-Data-Id``, ``X-Dataset-Format``, ``X-Order-Id``, ``X-Plaintext-Sha256`` and
``X-Plaintext-Size`` headers), and the client checks the streamed bytes against that size and
hash. Each chunk is authenticated before it is sent; if the content fails mid-stream the
connection is cut, so the client sees an incomplete body (fewer bytes than ``Content-Length``)
and must discard it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from noosphere.errors import (
    BlockNotFoundError,
    ChainError,
    DataNotAvailableError,
    DataNotFoundError,
    NoosphereError,
    StoreError,
)
from noosphere.nodes.auth import DEFAULT_SKEW, sign_response
from noosphere.nodes.axon import Caller, authenticate, create_axon
from noosphere.nodes.errors import NodeError, ReplayedRequestError
from noosphere.nodes.provider import ProviderNode
from noosphere.nodes.provider_keys import SEALED_KEY_SIZE

log = logging.getLogger("noosphere.provider")

DEFAULT_MAX_BODY = 1 << 20
JOB_ID = r"^[0-9a-f]{32}$"
MAX_ORDER_ID = 2**63


# --- request and response models ---------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterKeyRequest(_Strict):
    """A dataset key, sealed to this provider's public key (``noosphere.nodes.provider_keys``)."""

    data_id: int = Field(ge=1, lt=2**40)
    sealed_key: str = Field(pattern=rf"^0x[0-9a-f]{{{2 * SEALED_KEY_SIZE}}}$")


class OrderRequest(_Strict):
    """The order to be served under."""

    order_id: int = Field(ge=1, lt=MAX_ORDER_ID)


class ComputeRequest(_Strict):
    """A compute-to-data job: an allow-listed recipe (by hash) and its parameters.

    ``recipe_source`` is needed only for a recipe this provider does not know yet (not
    built-in): its UTF-8 bytes must hash to ``recipe_hash``.
    """

    order_id: int = Field(ge=1, lt=MAX_ORDER_ID)
    recipe_hash: str = Field(pattern=r"^(0x)?[0-9a-fA-F]{64}$")
    params: dict[str, Any] = Field(default_factory=dict)
    recipe_source: str | None = Field(default=None, max_length=256 * 1024)
    recipe_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")


class KeyRegistered(BaseModel):
    """What the provider measured when it accepted a key."""

    data_id: int
    content_cid: str
    plaintext_size: int
    plaintext_sha256: str
    format: str


class JobAccepted(BaseModel):
    """A queued job."""

    job_id: str
    status: str


class JobStatus(BaseModel):
    """A job as its consumer sees it; ``receipt`` is the signed receipt's JSON document."""

    job_id: str
    order_id: int
    data_id: int
    consumer: str
    recipe_hash: str
    recipe_name: str
    params: dict[str, Any]
    status: str
    created: float
    started: float | None
    finished: float | None
    attempts: int
    metrics: dict[str, Any] | None
    output_cid: str | None
    receipt: dict[str, Any] | None
    error: str | None


class JobLogs(BaseModel):
    """The provider's event log of a job, oldest first (``[unix time, line]``)."""

    job_id: str
    lines: list[tuple[float, str]]


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "unsigned, badly signed or stale request"},
    403: {"description": "not your order or job, or not allowed"},
    404: {"description": "unknown order, dataset, job or key"},
    409: {"description": "replayed request"},
    422: {"description": "malformed request"},
    429: {"description": "rate limited; see Retry-After"},
}


# --- helpers -----------------------------------------------------------------------------------
def _parse(model: type[Any], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors()
        where, why = "body", "invalid"
        if errors:
            where = ".".join(str(p) for p in errors[0]["loc"]) or "body"
            why = errors[0]["msg"]
        raise _Invalid(f"request body is not a valid {model.__name__}: {where}: {why}") from None


class _Invalid(NodeError):
    http_status = 422


def _canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _status_of(exc: NoosphereError) -> int:
    from noosphere.ml.errors import RecipeNotAllowedError, RecipeParamsError

    if isinstance(exc, NodeError):
        return exc.http_status
    if isinstance(exc, RecipeNotAllowedError | DataNotAvailableError):
        return 403
    if isinstance(exc, DataNotFoundError):
        return 404
    if isinstance(exc, RecipeParamsError):
        return 422
    if isinstance(exc, BlockNotFoundError):
        return 404
    if isinstance(exc, ChainError):
        return 503
    if isinstance(exc, StoreError):
        return 502
    return 400


def _install_errors(app: FastAPI) -> None:
    async def replayed(_request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, 409)

    async def noosphere_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NoosphereError)
        status = _status_of(exc)
        if status >= 500:
            log.warning("refused with %d: %s", status, exc)
        return JSONResponse({"error": str(exc)}, status)

    async def crash(request: Request, exc: Exception) -> Response:
        log.error("internal error in %s", request.url.path, exc_info=exc)
        return JSONResponse({"error": f"internal error in {request.url.path}"}, 500)

    app.add_exception_handler(ReplayedRequestError, replayed)
    app.add_exception_handler(NoosphereError, noosphere_error)
    app.add_exception_handler(Exception, crash)


def build_app(
    node: ProviderNode,
    *,
    skew: float = DEFAULT_SKEW,
    rate: float = 20.0,
    burst: float = 60,
    max_body: int = DEFAULT_MAX_BODY,
) -> FastAPI:
    """The provider's FastAPI app over ``node`` (whose worker the caller starts)."""
    account = node.account
    app = create_axon(
        hotkey_account=account,
        permit_check=lambda _hotkey: True,  # anyone may ask; each route checks the chain
        replay_db=node.replay_db,
        skew=skew,
        rate=rate,
        burst=burst,
        max_body=max_body,
        title="Noosphere data provider",
    )
    _install_errors(app)

    def signed(
        caller: Caller,
        status: int,
        payload: Any,
        *,
        media_type: str = "application/json",
        extra: dict[str, str] | None = None,
    ) -> Response:
        body = payload if isinstance(payload, bytes) else _canonical(payload)
        headers = sign_response(
            account, status, caller.method, caller.path, body, caller.nonce, caller.hotkey
        )
        headers.update(extra or {})
        return Response(body, status, headers=headers, media_type=media_type)

    @app.get("/provider", summary="Who this provider is (public)")
    def provider_info() -> dict[str, Any]:
        return node.info()

    @app.post(
        "/keys",
        summary="Register a dataset's key (owner or manager)",
        response_model=KeyRegistered,
        openapi_extra=_body_doc(RegisterKeyRequest),
        responses={**_AUTH_RESPONSES, 400: {"description": "wrong key or bad content"}},
    )
    async def register_key(caller: Caller = Depends(authenticate)) -> Response:
        request = _parse(RegisterKeyRequest, caller.body)
        sealed = bytes.fromhex(request.sealed_key[2:])
        record = await run_in_threadpool(node.register_key, request.data_id, sealed, caller.hotkey)
        answer = KeyRegistered.model_validate(record, from_attributes=True)
        return signed(caller, 200, answer.model_dump())

    @app.post(
        "/download",
        summary="Stream a dataset's plaintext to the order's consumer",
        response_class=StreamingResponse,
        openapi_extra=_body_doc(OrderRequest),
        responses={
            **_AUTH_RESPONSES,
            200: {"content": {"application/octet-stream": {}}},
            410: {"description": "the order expired"},
        },
    )
    async def download(caller: Caller = Depends(authenticate)) -> Response:
        request = _parse(OrderRequest, caller.body)
        ready = await run_in_threadpool(node.download, request.order_id, caller.hotkey)
        record = ready.record
        meta = {
            "content_cid": record.content_cid,
            "data_id": record.data_id,
            "format": record.format,
            "order_id": request.order_id,
            "plaintext_sha256": record.plaintext_sha256,
            "plaintext_size": record.plaintext_size,
        }
        headers = sign_response(
            account, 200, caller.method, caller.path, _canonical(meta), caller.nonce, caller.hotkey
        )
        headers.update(
            {
                "Content-Length": str(record.plaintext_size),
                "X-Content-Cid": record.content_cid,
                "X-Data-Id": str(record.data_id),
                "X-Dataset-Format": record.format,
                "X-Order-Id": str(request.order_id),
                "X-Plaintext-Sha256": record.plaintext_sha256,
                "X-Plaintext-Size": str(record.plaintext_size),
            }
        )
        return StreamingResponse(
            ready.chunks, 200, headers=headers, media_type="application/octet-stream"
        )

    @app.post(
        "/compute",
        status_code=202,
        summary="Queue a compute-to-data job",
        response_model=JobAccepted,
        openapi_extra=_body_doc(ComputeRequest),
        responses={**_AUTH_RESPONSES, 410: {"description": "the order expired"}},
    )
    async def compute(caller: Caller = Depends(authenticate)) -> Response:
        request = _parse(ComputeRequest, caller.body)
        job = await run_in_threadpool(
            lambda: node.submit_job(
                request.order_id,
                caller.hotkey,
                request.recipe_hash,
                request.params,
                recipe_source=request.recipe_source,
                recipe_name=request.recipe_name,
            )
        )
        return signed(caller, 202, {"job_id": job.id, "status": job.status})

    @app.get(
        "/jobs",
        summary="The caller's jobs, newest first",
        response_model=list[JobStatus],
        responses=_AUTH_RESPONSES,
    )
    async def jobs(
        caller: Caller = Depends(authenticate), limit: int = Query(50, ge=1, le=100)
    ) -> Response:
        found = await run_in_threadpool(node.jobs.for_consumer, caller.hotkey, limit)
        return signed(caller, 200, [job.public() for job in found])

    job_id_param = Path(pattern=JOB_ID, description="32 hex digits")

    @app.get(
        "/jobs/{job_id}",
        summary="A job's status, metrics and receipt",
        response_model=JobStatus,
        responses=_AUTH_RESPONSES,
    )
    async def job(job_id: str = job_id_param, caller: Caller = Depends(authenticate)) -> Response:
        record = await run_in_threadpool(node.job_for, job_id, caller.hotkey)
        return signed(caller, 200, record.public())

    @app.get(
        "/jobs/{job_id}/logs",
        summary="A job's event log (bounded)",
        response_model=JobLogs,
        responses=_AUTH_RESPONSES,
    )
    async def job_logs(
        job_id: str = job_id_param,
        caller: Caller = Depends(authenticate),
        limit: int = Query(200, ge=1, le=200),
    ) -> Response:
        await run_in_threadpool(node.job_for, job_id, caller.hotkey)
        lines = await run_in_threadpool(node.jobs.events, job_id, limit)
        return signed(caller, 200, {"job_id": job_id, "lines": lines})

    @app.get(
        "/jobs/{job_id}/output",
        summary="The ONNX model of a finished job",
        response_class=Response,
        responses={**_AUTH_RESPONSES, 200: {"content": {"application/octet-stream": {}}}},
    )
    async def job_output(
        job_id: str = job_id_param, caller: Caller = Depends(authenticate)
    ) -> Response:
        record, onnx = await run_in_threadpool(node.job_output, job_id, caller.hotkey)
        return signed(
            caller,
            200,
            onnx,
            media_type="application/octet-stream",
            extra={"X-Output-Cid": str(record.output_cid)},
        )

    return app
