"""Axons and dendrites over real HTTP: uvicorn servers in threads, real hotkey signatures.

Besides well-behaved axons there is a slow one, a dead port, an axon that answers signed
garbage, and two men-in-the-middle: one re-signs the real axon's answers with its own key, one
alters the answer's body. The dendrite must name each failure; a batch returns them as results.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

from noosphere.errors import NoosphereError
from noosphere.nodes import (
    AxonRejectedError,
    AxonRoute,
    AxonTarget,
    Caller,
    Dendrite,
    GarbageResponseError,
    MinerTimeoutError,
    MinerUnreachableError,
    ResponseSignatureError,
    add_route,
    create_axon,
    sign_request,
    sign_response,
)
from tests._servers import ThreadServer

VALIDATOR: LocalAccount = Account.from_key("0x" + "a1" * 32)
STRANGER: LocalAccount = Account.from_key("0x" + "b2" * 32)
EVIL: LocalAccount = Account.from_key("0x" + "c3" * 32)
MINERS: list[LocalAccount] = [Account.from_key(f"0x{i + 1:064x}") for i in range(5)]
PERMITTED = {VALIDATOR.address}
MAX_BODY = 4096
SLOW = 1.5


class Batch(BaseModel):
    inputs: list[float]


class Answer(BaseModel):
    outputs: list[float]
    served_by: str


def _axon(miner: LocalAccount, db: Path, *, delay: float = 0.0, **options: Any) -> FastAPI:
    def forward(batch: Batch, caller: Caller) -> Answer:
        assert caller.hotkey == VALIDATOR.address
        return Answer(outputs=[2 * x for x in batch.inputs], served_by=miner.address)

    async def slow(batch: Batch, caller: Caller) -> Answer:
        await asyncio.sleep(SLOW)
        return Answer(outputs=batch.inputs, served_by=miner.address)

    def broken(batch: Batch, caller: Caller) -> Answer:
        raise NoosphereError("this model is not loaded yet")

    routes = [
        AxonRoute("/forward", Batch, Answer, slow if delay else forward),
        AxonRoute("/slow", Batch, Answer, slow),
    ]
    app = create_axon(
        hotkey_account=miner,
        permit_check=lambda hotkey: hotkey in PERMITTED,
        replay_db=db,
        routes=routes,
        netuid=3,
        max_body=MAX_BODY,
        **options,
    )
    add_route(app, AxonRoute("/broken", Batch, Answer, broken))
    return app


def _garbage_axon(miner: LocalAccount) -> FastAPI:
    """Answers every POST with well-signed garbage: HTML on /forward, the wrong shape elsewhere."""
    app = FastAPI()

    @app.post("/unsigned")
    async def unsigned() -> Response:
        return Response(b'{"outputs": [1.0], "served_by": "me"}', media_type="application/json")

    @app.post("/{name}")
    async def answer(name: str, request: Request) -> Response:
        body = b"<html>500 oops</html>" if name == "forward" else b'{"outputs": "many"}'
        headers = sign_response(
            miner,
            200,
            "POST",
            request.url.path,
            body,
            request.headers["x-noos-nonce"],
            request.headers["x-noos-hotkey"],
        )
        return Response(body, 200, headers=headers, media_type="application/json")

    return app


def _proxy(upstream: str, *, mode: str) -> FastAPI:
    """A man in the middle: ``resign`` re-signs answers with EVIL, ``tamper`` alters bodies."""
    app = FastAPI()

    @app.post("/{name}")
    async def relay(name: str, request: Request) -> Response:
        forwarded = {k: v for k, v in request.headers.items() if k.startswith("x-noos-")}
        forwarded["content-type"] = "application/json"
        async with httpx.AsyncClient() as client:
            real = await client.post(
                upstream + request.url.path, content=await request.body(), headers=forwarded
            )
        headers = {k: v for k, v in real.headers.items() if k.startswith("x-noos-")}
        body = real.content
        if mode == "resign":
            headers = sign_response(
                EVIL,
                real.status_code,
                "POST",
                request.url.path,
                body,
                request.headers["x-noos-nonce"],
                request.headers["x-noos-hotkey"],
            )
            headers["X-Noos-Hotkey"] = real.headers["x-noos-hotkey"]  # claims to be the miner
        else:
            body = body.replace(b"2.0", b"9.0")
        return Response(body, real.status_code, headers=headers, media_type="application/json")

    return app


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("axons")
    servers = {
        "main": ThreadServer(_axon(MINERS[0], root / "main.db")),
        "fast1": ThreadServer(_axon(MINERS[1], root / "fast1.db")),
        "fast2": ThreadServer(_axon(MINERS[2], root / "fast2.db")),
        "slow": ThreadServer(_axon(MINERS[3], root / "slow.db", delay=SLOW)),
        "tight": ThreadServer(_axon(MINERS[4], root / "tight.db", rate=0.01, burst=3)),
        "garbage": ThreadServer(_garbage_axon(MINERS[1])),
    }
    servers["resign"] = ThreadServer(_proxy(servers["main"].url, mode="resign"))
    servers["tamper"] = ThreadServer(_proxy(servers["main"].url, mode="tamper"))
    try:
        yield {name: server.url for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()


def _dead_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def _post(
    url: str,
    path: str,
    body: bytes,
    *,
    signer: LocalAccount = VALIDATOR,
    receiver: LocalAccount = MINERS[0],
    **sign: Any,
) -> tuple[httpx.Response, dict[str, str]]:
    headers = sign_request(signer, "POST", path, body, receiver.address, **sign)
    answer = httpx.post(url + path, content=body, headers=headers)
    return answer, headers


BATCH = Batch(inputs=[1.0, 2.5])
BODY = BATCH.model_dump_json().encode()


def test_good_request_is_served_and_signed(net: dict[str, str]) -> None:
    with Dendrite(VALIDATOR, timeout=5) as dendrite:
        answer = dendrite.query(
            AxonTarget(net["main"], MINERS[0].address), "/forward", BATCH, Answer
        )
    assert answer == Answer(outputs=[2.0, 5.0], served_by=MINERS[0].address)

    raw, _ = _post(net["main"], "/forward", BODY)
    assert raw.status_code == 200
    assert raw.headers["x-noos-hotkey"] == MINERS[0].address
    assert "x-noos-signature" in raw.headers


def test_async_query(net: dict[str, str]) -> None:
    dendrite = Dendrite(VALIDATOR, timeout=5)
    target = AxonTarget(net["main"] + "/", MINERS[0].address.lower())
    answer = asyncio.run(dendrite.aquery(target, "/forward", BATCH, Answer))
    assert answer.outputs == [2.0, 5.0]


def test_public_routes(net: dict[str, str]) -> None:
    assert httpx.get(net["main"] + "/health").json() == {"status": "ok"}
    info = httpx.get(net["main"] + "/info").json()
    assert info["hotkey"] == MINERS[0].address
    assert info["netuid"] == 3 and info["protocol"] == "noosphere-request-v1"
    assert info["version"]
    missing = httpx.get(net["main"] + "/nowhere")
    assert missing.status_code == 404 and "error" in missing.json()
    schema = httpx.get(net["main"] + "/openapi.json").json()
    assert "/forward" in schema["paths"] and "Batch" in str(schema["paths"]["/forward"])


def test_unsigned_request_is_401(net: dict[str, str]) -> None:
    answer = httpx.post(net["main"] + "/forward", content=BODY)
    assert answer.status_code == 401
    assert "unsigned request: missing headers X-Noos-Hotkey" in answer.json()["error"]


def test_wrong_signature_is_401(net: dict[str, str]) -> None:
    headers = sign_request(STRANGER, "POST", "/forward", BODY, MINERS[0].address)
    headers["X-Noos-Hotkey"] = VALIDATOR.address  # claims to be the validator
    answer = httpx.post(net["main"] + "/forward", content=BODY, headers=headers)
    assert answer.status_code == 401
    assert "bad signature" in answer.json()["error"]

    headers = sign_request(VALIDATOR, "POST", "/forward", BODY, MINERS[0].address)
    tampered = httpx.post(net["main"] + "/forward", content=BODY[:-1] + b" }", headers=headers)
    assert tampered.status_code == 401 and "does not recover" in tampered.json()["error"]
    query = httpx.post(net["main"] + "/forward?x=1", content=BODY, headers=headers)
    assert query.status_code == 401 and "does not recover" in query.json()["error"]


def test_request_for_another_axon_is_401(net: dict[str, str]) -> None:
    answer, _ = _post(net["main"], "/forward", BODY, receiver=MINERS[1])
    assert answer.status_code == 401 and "bad signature" in answer.json()["error"]


def test_replay_is_401(net: dict[str, str]) -> None:
    first, headers = _post(net["main"], "/forward", BODY)
    assert first.status_code == 200
    again = httpx.post(net["main"] + "/forward", content=BODY, headers=headers)
    assert again.status_code == 401
    assert "replayed request" in again.json()["error"]


def test_stale_timestamp_is_401(net: dict[str, str]) -> None:
    old, _ = _post(net["main"], "/forward", BODY, timestamp=int(time.time()) - 120)
    assert old.status_code == 401 and "stale request" in old.json()["error"]
    future, _ = _post(net["main"], "/forward", BODY, timestamp=int(time.time()) + 120)
    assert future.status_code == 401 and "in the future" in future.json()["error"]


def test_hotkey_without_permit_is_403(net: dict[str, str]) -> None:
    answer, _ = _post(net["main"], "/forward", BODY, signer=STRANGER)
    assert answer.status_code == 403
    assert STRANGER.address in answer.json()["error"]
    assert "no validator permit" in answer.json()["error"]
    with Dendrite(STRANGER, timeout=5) as dendrite, pytest.raises(AxonRejectedError) as info:
        dendrite.query(AxonTarget(net["main"], MINERS[0].address), "/forward", BATCH, Answer)
    assert info.value.status == 403 and "no validator permit" in str(info.value)


def test_burst_is_429_with_retry_after(net: dict[str, str]) -> None:
    codes = [_post(net["tight"], "/forward", BODY, receiver=MINERS[4])[0] for _ in range(4)]
    assert [a.status_code for a in codes] == [200, 200, 200, 429]
    assert int(codes[-1].headers["retry-after"]) >= 1
    assert "rate limited" in codes[-1].json()["error"]
    with Dendrite(VALIDATOR, timeout=5) as dendrite, pytest.raises(AxonRejectedError) as info:
        dendrite.query(AxonTarget(net["tight"], MINERS[4].address), "/forward", BATCH, Answer)
    assert info.value.status == 429 and info.value.retry_after and info.value.retry_after >= 1


def test_oversized_body_is_413(net: dict[str, str]) -> None:
    big = Batch(inputs=[1.0] * 2000).model_dump_json().encode()
    assert len(big) > MAX_BODY
    answer, _ = _post(net["main"], "/forward", big)
    assert answer.status_code == 413 and str(MAX_BODY) in answer.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the axon counts while it reads
        for i in range(0, len(big), 1000):
            yield big[i : i + 1000]

    headers = sign_request(VALIDATOR, "POST", "/forward", big, MINERS[0].address)
    chunked = httpx.post(net["main"] + "/forward", content=chunks(), headers=headers)
    assert chunked.status_code == 413


def test_invalid_body_and_handler_errors_are_signed_json(net: dict[str, str]) -> None:
    answer, _ = _post(net["main"], "/forward", b'{"inputs": "x"}')
    assert answer.status_code == 422 and "inputs" in answer.json()["error"]
    assert answer.headers["x-noos-hotkey"] == MINERS[0].address
    with Dendrite(VALIDATOR, timeout=5) as dendrite, pytest.raises(AxonRejectedError) as info:
        dendrite.query(AxonTarget(net["main"], MINERS[0].address), "/broken", BATCH, Answer)
    assert info.value.status == 400 and "not loaded yet" in info.value.error


def test_timeout_is_miner_timeout_error(net: dict[str, str]) -> None:
    target = AxonTarget(net["main"], MINERS[0].address)
    started = time.monotonic()
    with Dendrite(VALIDATOR, timeout=0.4) as dendrite, pytest.raises(MinerTimeoutError) as info:
        dendrite.query(target, "/slow", BATCH, Answer)
    assert time.monotonic() - started < SLOW
    assert MINERS[0].address in str(info.value) and "0.4 s" in str(info.value)
    with pytest.raises(MinerTimeoutError):
        asyncio.run(Dendrite(VALIDATOR, timeout=0.4).aquery(target, "/slow", BATCH, Answer))


def test_garbage_is_garbage_response_error(net: dict[str, str]) -> None:
    target = AxonTarget(net["garbage"], MINERS[1].address)
    with Dendrite(VALIDATOR, timeout=5) as dendrite:
        with pytest.raises(GarbageResponseError, match="not a valid Answer") as info:
            dendrite.query(target, "/forward", BATCH, Answer)
        assert "<html>" in str(info.value) and MINERS[1].address in str(info.value)
        with pytest.raises(GarbageResponseError, match="outputs"):
            dendrite.query(target, "/wrong", BATCH, Answer)
        small = Dendrite(VALIDATOR, timeout=5, max_response=8)
        with pytest.raises(GarbageResponseError, match="more than 8 bytes"):
            small.query(target, "/forward", BATCH, Answer)


def test_unsigned_or_misattributed_answer_is_refused(net: dict[str, str]) -> None:
    with Dendrite(VALIDATOR, timeout=5) as dendrite:
        target = AxonTarget(net["garbage"], MINERS[1].address)
        with pytest.raises(ResponseSignatureError, match="unsigned"):
            dendrite.query(target, "/unsigned", BATCH, Answer)
        other = AxonTarget(net["garbage"], MINERS[2].address)  # signed, but by another miner
        with pytest.raises(ResponseSignatureError, match=f"signed by {MINERS[1].address}"):
            dendrite.query(other, "/forward", BATCH, Answer)


def test_forged_or_altered_answers_are_refused(net: dict[str, str]) -> None:
    with Dendrite(VALIDATOR, timeout=5) as dendrite:
        resigned = AxonTarget(net["resign"], MINERS[0].address)
        with pytest.raises(ResponseSignatureError, match=f"signed by {EVIL.address}"):
            dendrite.query(resigned, "/forward", BATCH, Answer)
        tampered = AxonTarget(net["tamper"], MINERS[0].address)
        with pytest.raises(ResponseSignatureError, match="not by the axon's hotkey"):
            dendrite.query(tampered, "/forward", BATCH, Answer)


def test_fan_out_returns_every_outcome(net: dict[str, str]) -> None:
    targets = [
        AxonTarget(net["main"], MINERS[0].address),
        AxonTarget(net["fast1"], MINERS[1].address),
        AxonTarget(_dead_url(), MINERS[2].address),
        AxonTarget(net["fast2"], MINERS[2].address),
        AxonTarget(net["slow"], MINERS[3].address),
    ]
    dendrite = Dendrite(VALIDATOR, timeout=0.6, max_concurrency=3)
    started = time.monotonic()
    results = dendrite.query_many(targets, "/forward", BATCH, Answer)
    assert time.monotonic() - started < SLOW + 1
    assert [r.target for r in results] == targets
    assert [r.ok for r in results] == [True, True, False, True, False]
    for result, miner in zip(results, [0, 1, None, 2, None], strict=True):
        if miner is not None:
            assert result.response is not None
            assert result.response.served_by == MINERS[miner].address
    assert isinstance(results[2].error, MinerUnreachableError)
    assert isinstance(results[4].error, MinerTimeoutError)
    per_axon = [Batch(inputs=[float(i)]) for i in range(5)]
    again = dendrite.query_many(targets[:2], "/forward", per_axon[:2], Answer, timeout=5)
    assert [r.response.outputs if r.response else None for r in again] == [[0.0], [2.0]]


def test_replay_after_axon_restart_is_401(tmp_path: Path) -> None:
    db = tmp_path / "replay.db"
    server = ThreadServer(_axon(MINERS[0], db))
    try:
        first, headers = _post(server.url, "/forward", BODY)
        assert first.status_code == 200
    finally:
        server.stop()
    restarted = ThreadServer(_axon(MINERS[0], db))
    try:
        again = httpx.post(restarted.url + "/forward", content=BODY, headers=headers)
        assert again.status_code == 401 and "replayed" in again.json()["error"]
    finally:
        restarted.stop()


# --- the app factory's other answers ----------------------------------------------------------
class Inner(BaseModel):
    values: list[int]


class Nested(BaseModel):
    inner: Inner
    note: str = ""


def _signed_post(app: FastAPI, path: str, body: bytes, receiver: LocalAccount) -> httpx.Response:
    headers = sign_request(VALIDATOR, "POST", path, body, receiver.address)
    server = ThreadServer(app)
    try:
        return httpx.post(server.url + path, content=body, headers=headers)
    finally:
        server.stop()


def test_permit_check_failure_is_503_and_handler_answers_are_validated(tmp_path: Path) -> None:
    def flaky(hotkey: str) -> bool:
        raise RuntimeError("rpc down (secret internal detail)")

    down = create_axon(hotkey_account=MINERS[0], permit_check=flaky, replay_db=tmp_path / "a.db")
    add_route(down, AxonRoute("/forward", Batch, Answer, lambda b, c: {"outputs": []}))
    answer = _signed_post(down, "/forward", BODY, MINERS[0])
    assert answer.status_code == 503 and "cannot check the validator permit" in answer.text
    assert "secret" not in answer.text

    def sloppy(batch: Batch, caller: Caller) -> Any:
        return {"outputs": batch.inputs, "served_by": "dict is fine"}

    def wrong(batch: Batch, caller: Caller) -> Any:
        return {"outputs": "nope"}

    app = create_axon(
        hotkey_account=MINERS[0],
        permit_check=lambda hotkey: True,
        replay_db=tmp_path / "b.db",
        routes=[
            AxonRoute("/sloppy", Batch, Answer, sloppy),
            AxonRoute("/wrong", Batch, Answer, wrong),
            AxonRoute("/nested", Nested, Answer, sloppy, summary="nested input"),
        ],
    )
    ok = _signed_post(app, "/sloppy", BODY, MINERS[0])
    assert ok.status_code == 200 and ok.json()["served_by"] == "dict is fine"
    bad = _signed_post(app, "/wrong", BODY, MINERS[0])
    assert bad.status_code == 500 and bad.json() == {"error": "internal error in /wrong"}
    assert bad.headers["x-noos-hotkey"] == MINERS[0].address
    schema = app.openapi()
    body_ref = schema["paths"]["/nested"]["post"]["requestBody"]["content"]["application/json"]
    assert body_ref["schema"]["properties"]["inner"] == {"$ref": "#/components/schemas/Inner"}
    assert "Inner" in schema["components"]["schemas"]
    with pytest.raises(NoosphereError, match="not be public"):
        add_route(app, AxonRoute("/health", Batch, Answer, sloppy))
    with pytest.raises(NoosphereError, match="create_axon"):
        add_route(FastAPI(), AxonRoute("/x", Batch, Answer, sloppy))
